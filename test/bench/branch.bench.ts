/**
 * Branching from a recording (shared/replay/branch-point.ts, branch-lab.ts), at the LAST event of
 * a long simulated 3-node run (seed 11, no restarts, so every node's script is its whole history:
 * the worst case). `.200k` is the recording's size in events (`.20k` with --quick).
 * - branch.pointMs: the worker's part: each node's script and the messages in flight
 *   (`branchPointAt` over every record).
 * - branch.stateMB: the size of that branch point as JSON (what crosses postMessage to the page).
 * - branch.rebuildMs: the page's part: rebuild every node through the real core (host work
 *   redone: disk, KV) and start the BranchLab over the Simulator.
 * The cost grows with the events since each node's last start; nothing is done per event later.
 */
import { performance } from 'node:perf_hooks';
import { RawNode } from '../../shared/raft/raw-node';
import { recordSimulation } from '../../shared/record/record-sim';
import { BranchLab } from '../../shared/replay/branch-lab';
import { branchPointAt } from '../../shared/replay/branch-point';
import { clusterOptionsOf } from '../../shared/replay/lab-projection';
import type { BenchModule, Figure } from './registry';

export const bench: BenchModule = {
  area: 'branch',
  run(ctx) {
    const target = ctx.quick ? 20_000 : 200_000;
    const tag = ctx.quick ? '20k' : '200k';
    ctx.log(`branch: recording a simulated run of about ${target} events`);
    const { recording } = recordSimulation({ nodes: 3, seed: 11, ops: Math.ceil(target / 31), clients: 4, maxTimeMs: 1e9, faultWindowMs: 0 }, RawNode);
    const records = recording.records;
    const k = records.length;
    ctx.log(`branch: ${k} events; branching at the last one`);
    let best = { point: Infinity, rebuild: Infinity, bytes: 0 };
    for (let i = 0; i < (ctx.quick ? 1 : 3); i++) {
      const t0 = performance.now();
      const states = branchPointAt(records, k);
      const t1 = performance.now();
      const bytes = JSON.stringify(states).length;
      const t2 = performance.now();
      const lab = new BranchLab({ position: k, states, options: clusterOptionsOf(recording), atMs: 0, seed: 1 }, RawNode);
      const t3 = performance.now();
      lab.close();
      best = { point: Math.min(best.point, t1 - t0), rebuild: Math.min(best.rebuild, t3 - t2), bytes };
    }
    const figures: Figure[] = [
      { key: `branch.events.${tag}`, value: k, unit: 'events', label: 'Events in the recording branched from (simulated 3-node run, seed 11)' },
      { key: `branch.pointMs.${tag}`, value: best.point, unit: 'ms', label: 'Branch point at the last event: scripts and in-flight messages (worker side)', lowerIsBetter: true },
      { key: `branch.stateMB.${tag}`, value: best.bytes / 1e6, unit: 'MB', label: 'That branch point as JSON (what is posted to the page)', lowerIsBetter: true },
      { key: `branch.rebuildMs.${tag}`, value: best.rebuild, unit: 'ms', label: 'Rebuild every node through the core and start the BranchLab (page side)', lowerIsBetter: true },
    ];
    return Promise.resolve(figures);
  },
};
