/**
 * Invariant violations in replay: a run with a deliberate bug (nodes may vote twice in a term),
 * recorded through the real core, must show in the replay the same broken property the live
 * simulator's checker reported, each linked to an event, and a frame shows only the violations
 * revealed at or before its position.
 */
import { describe, expect, it } from 'vitest';
import { RawNode } from '../../shared/raft/raw-node';
import { recordSimulation, type RecordedSim } from '../../shared/record/record-sim';
import { ReplayIndex } from '../../shared/replay/replay-index';
import { frameAt } from '../../shared/replay/lab-projection';

/** The first seed whose buggy run the simulator's own checker catches (the core keeps changing, so no seed is pinned). */
function brokenRun(): RecordedSim {
  for (let seed = 1; seed <= 60; seed++) {
    const run = recordSimulation({ nodes: 5, seed, faults: ['crash', 'partition'], ops: 200, unsafe: ['double-vote'], stopOnViolation: true }, RawNode);
    if (run.sim.violations.length > 0) return run;
  }
  throw new Error('no seed in 1..60 broke Election Safety with double votes');
}

describe('violations in replay', () => {
  const { sim, recording } = brokenRun();
  const index = new ReplayIndex(recording, RawNode);

  it('finds the property the live checker reported, at a node event', () => {
    const live = new Set(sim.violations.map((v) => v.property));
    expect(index.divergence).toBeNull();
    expect(index.violations.length).toBeGreaterThan(0);
    expect(index.violations.some((v) => live.has(v.violation.property))).toBe(true);
    for (const v of index.violations) expect(index.record(v.event).kind).toMatch(/^(ready|crash|start)$/);
  });

  it('a frame holds exactly the violations revealed up to its position', () => {
    const first = index.violations[0]!.event;
    const count = (k: number) => frameAt(index, k, 10).events.filter((e) => e.type === 'violation').length;
    expect(count(first - 1)).toBe(0);
    expect(count(first)).toBe(index.violations.filter((v) => v.event === first).length);
    const atEnd = frameAt(index, index.events, 10).events.flatMap((e) => (e.type === 'violation' ? [e.violation.eventSeq] : []));
    expect(atEnd).toEqual(index.violations.map((v) => v.event));
  });
});
