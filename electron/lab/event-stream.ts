/**
 * The live lab's event stream: the one stream (shared/cluster/event-stream.ts) on the host's
 * clock and timers.
 */
import { EventStream } from '../../shared/cluster/event-stream';
import { wallClock } from './wall-clock';

export { EventStream, type LabEventInput } from '../../shared/cluster/event-stream';

/** A stream that stamps events with wall time and sends batches on timers. */
export function liveEventStream(options: { readonly batchMs?: number; readonly batchMax?: number } = {}): EventStream {
  return new EventStream({
    ...options,
    now: wallClock.now,
    scheduler: wallClock,
  });
}
