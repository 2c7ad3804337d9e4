/**
 * The lab's live event stream: numbers events, stamps them, and hands them to listeners in
 * batches (every `batchMs`, or at once when `batchMax` events are waiting), so a busy cluster
 * costs the UI one delivery per batch instead of one per message.
 */
import type { LabEvent } from '../../shared/protocol/lab';

/** A LabEvent before the stream gives it its seq and time. */
export type LabEventInput = LabEvent extends infer E ? (E extends LabEvent ? Omit<E, 'seq' | 'atMs'> & { readonly atMs?: number } : never) : never;

export interface EventStreamOptions {
  readonly batchMs: number;
  readonly batchMax: number;
}

export class EventStream {
  private seqCounter = 0;
  private buffer: LabEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<(events: readonly LabEvent[]) => void>();

  constructor(private readonly options: EventStreamOptions = { batchMs: 50, batchMax: 256 }) {}

  /** Seq of the last event emitted. */
  get seq(): number {
    return this.seqCounter;
  }

  emit(input: LabEventInput): LabEvent {
    const event = { ...input, seq: ++this.seqCounter, atMs: input.atMs ?? Date.now() } as LabEvent;
    if (this.listeners.size === 0) return event;
    this.buffer.push(event);
    if (this.buffer.length >= this.options.batchMax) this.flush();
    else if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.options.batchMs);
    return event;
  }

  subscribe(listener: (events: readonly LabEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Delivers whatever is waiting now. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch {
        // A faulty listener must not stop the others or the cluster.
      }
    }
  }
}
