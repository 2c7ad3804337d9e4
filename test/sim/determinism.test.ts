/**
 * The simulator's promise: the same seed and options give the same run, event for event (the
 * trace and its hash are equal), and a different seed gives a different run.
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../shared/sim/run';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import { resolveSimOptions, type SimOptions } from '../../shared/sim/options';
import { Simulator } from '../../shared/sim/simulator';

const faulty: Partial<SimOptions> = { nodes: 5, ops: 80, faults: ['crash', 'partition', 'oneway', 'loss', 'duplicate', 'reorder', 'delay'], faultWindowMs: 2_000, snapshotEvery: 20 };

describe('deterministic simulation', () => {
  it('replays the same seed and options event for event', () => {
    const a = runSimulation({ ...faulty, seed: 4242 }, rawNodeFactory, { keepTrace: true });
    const b = runSimulation({ ...faulty, seed: 4242 }, rawNodeFactory, { keepTrace: true });
    expect(a.trace.length).toBeGreaterThan(1000);
    expect(a.stats.crashes + a.stats.faults).toBeGreaterThan(0);
    expect(b.trace).toEqual(a.trace);
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.stats).toEqual(a.stats);
  });

  it('gives a different run for a different seed, and the hash tells them apart', () => {
    const hashes = new Set([1, 2, 3, 4, 5].map((seed) => runSimulation({ ...faulty, seed }, rawNodeFactory).traceHash));
    expect(hashes.size).toBe(5);
  });

  it('gives a different run when an option changes, with the same seed', () => {
    const base = runSimulation({ ...faulty, seed: 9 }, rawNodeFactory).traceHash;
    expect(runSimulation({ ...faulty, seed: 9, jitterMs: 7 }, rawNodeFactory).traceHash).not.toBe(base);
    expect(runSimulation({ ...faulty, seed: 9, faults: ['crash'] }, rawNodeFactory).traceHash).not.toBe(base);
  });

  it('a faulty run completes every client operation and its history is linearizable', () => {
    const r = runSimulation({ ...faulty, seed: 77, ops: 60 }, rawNodeFactory, { checkLinearizability: true });
    expect(r.failures).toEqual([]);
    expect(r.opsCompleted).toBe(60);
    expect(r.linearizability?.kind).toBe('ok');
  });

  it('keeps replicas equal: nodes that applied the same index hold the same state', () => {
    const sim = new Simulator(resolveSimOptions({ ...faulty, seed: 78, ops: 60 }), rawNodeFactory);
    expect(sim.run()).toBe('ops-done');
    const byIndex = new Map<number, string[]>();
    for (const id of sim.nodeIds()) {
      const kv = sim.stateMachine(id);
      if (kv !== null) byIndex.set(kv.appliedIndex, [...(byIndex.get(kv.appliedIndex) ?? []), kv.digest()]);
    }
    const groups = [...byIndex.values()].filter((g) => g.length >= 2);
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) expect(new Set(g).size).toBe(1);
  });
});
