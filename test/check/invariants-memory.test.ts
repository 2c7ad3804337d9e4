/**
 * The live checker runs for a whole lab session: what it remembers must not grow with the run.
 * Indexes every node holds in a snapshot can no longer be appended, applied or committed by any
 * node, so their records go once every node has compacted past them; a bug is still caught.
 */
import { describe, expect, it } from 'vitest';
import { RawNode } from '../../shared/raft/raw-node';
import { Simulator } from '../../shared/sim/simulator';
import { resolveSimOptions } from '../../shared/sim/options';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import { runSimulation, type SimResult } from '../../shared/sim/run';

function run(ops: number, snapshotEvery: number): Simulator {
  const options = resolveSimOptions({ nodes: 3, seed: 21, ops, clients: 3, snapshotEvery, maxTimeMs: 600_000 });
  const sim = new Simulator(options, RawNode);
  sim.run();
  return sim;
}

describe('invariant checker memory', () => {
  it('stays bounded by the compaction interval, not by the run, when nodes compact', () => {
    const short = run(300, 40);
    const long = run(1200, 40);
    expect(long.checker!.committedIndex).toBeGreaterThan(1100);
    expect(long.violations).toEqual([]);
    // Without compaction it would keep every index of every log (over 3 x 2 x 1,100 here).
    expect(long.checker!.retainedIndexes).toBeLessThan(700);
    expect(long.checker!.retainedIndexes).toBeLessThan(short.checker!.retainedIndexes * 2 + 200);
  });

  it('still catches a deliberate bug while it forgets (vote without the log check, nodes compacting every 20 entries)', () => {
    let found: SimResult | null = null;
    for (let seed = 1; seed <= 40 && found === null; seed++) {
      const result = runSimulation({ nodes: 5, faults: ['crash', 'partition'], ops: 200, snapshotEvery: 20, seed, unsafe: ['skip-vote-check'] }, rawNodeFactory);
      if (result.violations.length > 0) found = result;
    }
    expect(found, 'no violation in 40 seeds').not.toBeNull();
    expect(['leader-completeness', 'state-machine-safety', 'log-matching']).toContain(found!.violations[0]!.property);
  });

  it('keeps everything when nodes never compact (nothing is settled)', () => {
    const sim = run(300, 0);
    expect(sim.checker!.retainedIndexes).toBeGreaterThan(sim.checker!.committedIndex * 6);
  });
});
