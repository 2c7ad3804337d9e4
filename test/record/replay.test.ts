import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNodeRecord, type InputRecord } from '../../shared/record/format';
import { readRecording, RecordingError } from '../../shared/record/read';
import { replayRecording } from '../../shared/record/replay';
import { encodeRecording } from '../../shared/record/write';
import { editLine, factory, recordedRun } from './fixtures';

describe('recording a simulated run and replaying it', () => {
  it('round-trips through the file format and replays with zero divergences', () => {
    const { recording, sim } = recordedRun({ faults: ['partition', 'loss'] }, true);
    const text = encodeRecording(recording);
    const back = readRecording(text);
    expect(back.records.length).toBe(recording.records.length);
    expect(encodeRecording(back)).toBe(text);

    const report = replayRecording(back, factory);
    expect(report.firstDivergence).toBeNull();
    expect(report.ok).toBe(true);
    const nodeRecords = back.records.filter((r) => isNodeRecord(r.record)).length;
    expect(report.events).toBe(nodeRecords);
    // The run really exercised crashes and restarts, and every restart replayed from its record.
    expect(sim.stats.restarts).toBeGreaterThanOrEqual(2);
    expect(report.nodes.reduce((s, n) => s + n.starts, 0)).toBe(3 + sim.stats.restarts);
  });

  it('records every input kind the hosts used, with Lamport clocks that respect message causality', () => {
    const { recording } = recordedRun({ faults: ['partition', 'loss'] }, true);
    const inputs = new Set(recording.records.flatMap((r) => (r.record.kind === 'input' ? [r.record.input.type] : [])));
    for (const t of ['tick', 'step', 'propose', 'advance']) expect(inputs).toContain(t);
    let linked = 0;
    for (const { record } of recording.records) {
      if (record.kind !== 'input' || record.input.type !== 'step' || !record.input.stamp) continue;
      expect(record.lamport).toBeGreaterThan(record.input.stamp.lamport);
      linked++;
    }
    expect(linked).toBeGreaterThan(100);
  });

  it('reports the first divergence exactly: node, seq and line of a tampered state hash', () => {
    const { recording } = recordedRun();
    const text = encodeRecording(recording);
    const target = recording.records.find((r, i) => i > recording.records.length / 2 && r.record.kind === 'input' && r.record.node === 2)!;
    const rec = target.record as InputRecord;
    const tampered = editLine(text, target.line, (v) => ({ ...v, digest: '0123456789abcdef' }));
    const report = replayRecording(readRecording(tampered), factory);
    expect(report.ok).toBe(false);
    expect(report.firstDivergence).toMatchObject({ node: 2, seq: rec.seq, line: target.line, what: 'digest', expected: '0123456789abcdef', actual: rec.digest });
    // Other nodes still replay in full.
    expect(report.nodes.filter((n) => n.divergence === null).map((n) => n.node)).toEqual([1, 3]);
  });

  it('catches a changed input: a dropped tick makes the very next digest differ', () => {
    const { recording } = recordedRun();
    const text = encodeRecording(recording);
    // Change a tick into a campaign on node 1 early on: its state must differ right there.
    const target = recording.records.find((r) => r.record.kind === 'input' && r.record.node === 1 && r.record.input.type === 'tick' && r.record.seq > 5)!;
    const tampered = editLine(text, target.line, (v) => ({ ...v, input: { type: 'campaign' } }));
    const report = replayRecording(readRecording(tampered), factory);
    expect(report.firstDivergence?.line).toBe(target.line);
    expect(report.firstDivergence?.node).toBe(1);
  });

  it('replays in causal order too, with the same verdict', () => {
    const { recording } = recordedRun({ faults: ['partition', 'loss'] }, true);
    const seen: number[] = [];
    const report = replayRecording(recording, factory, { order: 'causal', onEvent: (e) => seen.push(e.line) });
    expect(report.ok).toBe(true);
    expect(seen.length).toBe(report.events);
  });

  it('refuses to compare hashes made by a different digest', () => {
    const { recording } = recordedRun();
    const report = replayRecording({ ...recording, header: { ...recording.header, digest: 'other-v9' } }, factory);
    expect(report.ok).toBe(false);
    expect(report.firstDivergence).toMatchObject({ what: 'digest-name', expected: 'other-v9' });
  });

  it('never crashes on a recording that reads but lies: mutated inputs give a divergence report', () => {
    const { recording } = recordedRun({ ops: 4, maxTimeMs: 1_500 });
    const text = encodeRecording(recording);
    const inputs = recording.records.filter((r) => r.record.kind === 'input');
    const values = fc.oneof(fc.constant(0), fc.constant(1), fc.constant(7), fc.constant(1_000_000), fc.constant(-1), fc.constant(''), fc.constant(null));
    fc.assert(fc.property(fc.nat(), fc.nat(), values, (pick, fieldPick, value) => {
      const target = inputs[pick % inputs.length]!;
      const mutated = editLine(text, target.line, (v) => {
        const input = { ...(v.input as Record<string, unknown>) };
        const keys = Object.keys(input).filter((k) => k !== 'type');
        if (keys.length === 0) return { ...v, input: { type: 'campaign' } };
        const key = keys[fieldPick % keys.length]!;
        return { ...v, input: { ...input, [key]: value } };
      });
      let parsed;
      try {
        parsed = readRecording(mutated);
      } catch (e) {
        expect(e).toBeInstanceOf(RecordingError);
        return;
      }
      const report = replayRecording(parsed, factory);
      if (!report.ok) expect(report.firstDivergence!.line).toBeGreaterThanOrEqual(target.line);
    }), { numRuns: 60 });
  });
});
