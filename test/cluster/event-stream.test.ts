/**
 * The one event stream every engine uses: the live lab on timers, a simulated cluster flushed by
 * hand after each action and holding its opening events for the page that subscribes later.
 */
import { describe, expect, it } from 'vitest';
import { EventStream } from '../../shared/cluster/event-stream';
import type { LabEvent } from '../../shared/protocol/lab';

describe('event stream without a scheduler (a simulated cluster)', () => {
  it('holds events until the first subscriber, then goes out only when flushed, stamped with the engine time', () => {
    let now = 1_000;
    const stream = new EventStream({ now: () => now, scheduler: null, holdUntilSubscribed: true });
    stream.emit({ type: 'run-state', paused: true, speed: 1 });
    now = 1_005;
    stream.emit({ type: 'run-state', paused: false, speed: 1 });
    const batches: (readonly LabEvent[])[] = [];
    stream.subscribe((b) => batches.push(b));
    expect(batches.map((b) => b.map((e) => [e.seq, e.atMs]))).toEqual([[[1, 1_000], [2, 1_005]]]);
    stream.emit({ type: 'entries-applied', node: 1, from: 1, to: 1, atMs: 2_000 });
    expect(batches.length).toBe(1);
    stream.flush();
    expect(batches[1]!.map((e) => [e.seq, e.atMs])).toEqual([[3, 2_000]]);
    stream.close();
    stream.emit({ type: 'run-state', paused: true, speed: 1 });
    stream.flush();
    expect(batches.length).toBe(2);
  });
});

describe('event stream with a scheduler (the live lab)', () => {
  it('sends a full batch at once and the rest when the scheduled flush runs; nothing kept without listeners', () => {
    const due: (() => void)[] = [];
    const stream = new EventStream({ now: () => 0, scheduler: { after: (_ms, fn) => (due.push(fn), () => due.splice(due.indexOf(fn), 1)) }, batchMax: 3 });
    stream.emit({ type: 'run-state', paused: true, speed: 1 });
    const batches: (readonly LabEvent[])[] = [];
    stream.subscribe((b) => batches.push(b));
    for (let i = 0; i < 4; i++) stream.emit({ type: 'entries-applied', node: 1, from: i, to: i });
    expect(batches.map((b) => b.map((e) => e.seq))).toEqual([[2, 3, 4]]);
    expect(due.length).toBe(1);
    due[0]!();
    expect(batches.map((b) => b.map((e) => e.seq))).toEqual([[2, 3, 4], [5]]);
  });
});
