/**
 * The streamed causal order (what `raft-lab check` and `replay` use on files of any size): it
 * must release each node's records in order and every receive after its send even when the file
 * puts the receive first (nodes report independently), and a streamed check must agree with the
 * whole-recording one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CausalStream, causalOrder, type CausalEvent } from '../../shared/record/causal';
import { checkRecording, RecordingChecker } from '../../shared/record/check';
import type { BodyRecord, Located, NodeRecord } from '../../shared/record/format';
import { replayRecording } from '../../shared/record/replay';
import { factory, recordedRun } from './fixtures';

function isNode(l: Located<BodyRecord>): l is Located<NodeRecord> {
  const k = l.record.kind;
  return k === 'start' || k === 'input' || k === 'ready' || k === 'crash';
}

/** Moves receives ahead of their sends: each step record jumps back `jump` places (stable per node). */
function scramble(records: readonly Located<NodeRecord>[], jump: number): Located<NodeRecord>[] {
  const out = [...records];
  for (let i = 0; i < out.length; i++) {
    const r = out[i]!.record;
    if (r.kind !== 'input' || r.input.type !== 'step') continue;
    let j = i;
    // Never past a record of its own node, so each node's order stays as recorded.
    while (j > 0 && i - j < jump && out[j - 1]!.record.node !== r.node) j--;
    const [moved] = out.splice(i, 1);
    out.splice(j, 0, moved!);
  }
  return out;
}

function assertCausal(events: readonly CausalEvent[], all: readonly Located<NodeRecord>[]): void {
  expect(events.length).toBe(all.length);
  const released = new Map<number, number>();
  for (const ev of events) {
    const last = released.get(ev.node) ?? 0;
    expect(ev.record.seq).toBe(last + 1);
    released.set(ev.node, ev.record.seq);
    const r = ev.record;
    if (r.kind === 'input' && r.input.type === 'step' && r.input.stamp && r.input.msg.from !== ev.node) {
      expect(released.get(r.input.msg.from) ?? 0).toBeGreaterThanOrEqual(r.input.stamp.seq);
    }
  }
}

describe('CausalStream', () => {
  const run = recordedRun({ nodes: 3, seed: 11, ops: 30 }, true);
  const nodeRecords = run.recording.records.filter(isNode);

  it('puts every receive after its send although the file lists receives first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), (jump) => {
        const file = scramble(nodeRecords, jump);
        const moved = file.some((l, i) => l !== nodeRecords[i]);
        expect(moved).toBe(true);
        const events: CausalEvent[] = [];
        const stream = new CausalStream((ev) => events.push(ev));
        for (const l of file) stream.push(l);
        stream.finish();
        assertCausal(events, nodeRecords);
      }),
      { numRuns: 20 },
    );
  });

  it('names each receive\'s send as its cause, as the in-memory order does', () => {
    const file = scramble(nodeRecords, 17);
    const events: CausalEvent[] = [];
    const stream = new CausalStream((ev) => events.push(ev));
    for (const l of file) stream.push(l);
    stream.finish();
    const whole = causalOrder(run.recording);
    const causeOf = (evs: readonly CausalEvent[]) => new Map(evs.map((e) => [`${e.node}:${e.record.seq}`, e.cause ? `${e.cause.node}:${e.cause.record.seq}:${e.cause.index}` : null]));
    const streamed = causeOf(events);
    let linked = 0;
    for (const [key, cause] of causeOf(whole)) {
      expect(streamed.get(key), key).toBe(cause);
      if (cause !== null) linked++;
    }
    expect(linked).toBeGreaterThan(50);
  });

  it('a streamed check of a scrambled file agrees with the check of the recording as made', () => {
    const whole = checkRecording(run.recording, factory);
    expect(whole.ok).toBe(true);
    const file = [...scramble(nodeRecords, 25), ...run.recording.records.filter((l) => !isNode(l))];
    const checker = new RecordingChecker(run.recording.header, factory);
    for (const l of file) checker.push(l);
    const streamed = checker.finish();
    expect(streamed.replay.firstDivergence).toBeNull();
    expect(streamed.replay.events).toBe(whole.replay.events);
    expect(streamed.violations).toEqual(whole.violations);
    expect(streamed.linearizability?.kind).toBe(whole.linearizability?.kind);
    expect(replayRecording(run.recording, factory).events).toBe(streamed.replay.events);
  });
});
