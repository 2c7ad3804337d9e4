/** The lab's event stream: numbered in order, delivered in batches by size or by time. */
import { describe, expect, it } from 'vitest';
import { liveEventStream } from '../../electron/lab/event-stream';
import type { LabEvent } from '../../shared/protocol/lab';

describe('event stream', () => {
  it('delivers a full batch at once and the rest after the batch interval, seq without gaps', async () => {
    const stream = liveEventStream({ batchMs: 30, batchMax: 100 });
    const batches: (readonly LabEvent[])[] = [];
    stream.subscribe((b) => batches.push(b));
    for (let i = 0; i < 250; i++) stream.emit({ type: 'entries-applied', node: 1, from: i, to: i });
    expect(batches.map((b) => b.length)).toEqual([100, 100]);
    await new Promise((r) => setTimeout(r, 60));
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat().map((e) => e.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
  });

  it('stops delivering to a listener that unsubscribed, and survives a listener that throws', () => {
    const stream = liveEventStream({ batchMs: 1000, batchMax: 1 });
    const seen: number[] = [];
    stream.subscribe(() => {
      throw new Error('faulty listener');
    });
    const off = stream.subscribe((b) => seen.push(...b.map((e) => e.seq)));
    stream.emit({ type: 'run-state', paused: true, speed: 1 });
    off();
    stream.emit({ type: 'run-state', paused: false, speed: 1 });
    expect(seen).toEqual([1]);
  });
});
