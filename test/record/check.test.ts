import { describe, expect, it } from 'vitest';
import { checkRecording } from '../../shared/record/check';
import { recordSimulation } from '../../shared/record/record-sim';
import { factory, recordedRun } from './fixtures';

describe('checking a recording: invariants over the replayed run, linearizability of its history', () => {
  it('passes a correct run with crashes, partitions and client traffic', () => {
    const { recording, sim } = recordedRun({ faults: ['partition', 'loss'] }, true);
    expect(sim.opsCompleted).toBeGreaterThan(0);
    const result = checkRecording(recording, factory);
    expect(result.replay.ok).toBe(true);
    expect(result.violations).toEqual([]);
    expect(result.linearizability?.kind).toBe('ok');
    expect(result.ok).toBe(true);
  });

  it('finds the safety violation of a deliberately broken core, as the live checker did', () => {
    // Look for a seed where the simulator's live checker catches the double-vote bug.
    let found = false;
    for (let seed = 1; seed <= 30 && !found; seed++) {
      const { recording, sim } = recordSimulation({ nodes: 3, seed, ops: 20, clients: 2, faults: ['partition', 'crash'], unsafe: ['double-vote', 'skip-vote-check'], maxTimeMs: 6_000, faultWindowMs: 4_000 }, factory);
      if (sim.violations.length === 0) continue;
      found = true;
      const result = checkRecording(recording, factory);
      expect(result.ok).toBe(false);
      expect(result.replay.ok).toBe(true);
      expect(result.violations.map((v) => v.property)).toContain(sim.violations[0]!.property);
      // Violations point at lines of the file (the record that revealed them).
      for (const v of result.violations) expect(v.eventSeq).toBeGreaterThan(1);
    }
    expect(found, 'some seed in 1..30 should trip the deliberate bug').toBe(true);
  });
});
