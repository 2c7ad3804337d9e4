/**
 * Simulator throughput: simulated message deliveries per second of wall time under steady client
 * load (3 and 5 nodes, invariant checker and trace hash on, as every test runs it; and 3 nodes
 * with the checker off to show its cost), and the wall time to simulate 10,000 client operations
 * with faults. Floor: 300,000 deliveries/s on one core.
 */
import { performance } from 'node:perf_hooks';
import { Simulator } from '../../shared/sim/simulator';
import { resolveSimOptions, type SimOptions } from '../../shared/sim/options';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import type { BenchModule, Figure } from './registry';

const FLOOR_DELIVERIES_PER_SEC = 300_000;

/** Steady load: clients always have an operation in flight; no faults; runs `virtualMs`. */
function deliveriesPerSec(nodes: number, virtualMs: number, check: boolean): { perSec: number; delivered: number; wallMs: number } {
  const options: SimOptions = resolveSimOptions({ nodes, seed: 7, ops: 10_000_000, clients: 8, maxTimeMs: virtualMs, check, stopOnViolation: true });
  const sim = new Simulator(options, rawNodeFactory);
  const t0 = performance.now();
  sim.run();
  const wallMs = performance.now() - t0;
  if (sim.violations.length > 0) throw new Error(`bench run found a violation: ${sim.violations[0]!.message}`);
  return { perSec: (sim.stats.delivered / wallMs) * 1000, delivered: sim.stats.delivered, wallMs };
}

export const bench: BenchModule = {
  area: 'sim',
  async run(ctx) {
    const virtualMs = ctx.quick ? 5_000 : 60_000;
    // Warm the JIT so the first measured figure is not penalised.
    deliveriesPerSec(3, 2_000, true);
    const figures: Figure[] = [];
    for (const nodes of [3, 5]) {
      const r = deliveriesPerSec(nodes, virtualMs, true);
      ctx.log(`${nodes} nodes: ${r.delivered} deliveries in ${r.wallMs.toFixed(0)} ms`);
      figures.push({ key: `sim.deliveriesPerSec.n${nodes}`, value: r.perSec, unit: 'deliveries/s', label: `${nodes} nodes, steady load of 8 clients, checker on`, floor: FLOOR_DELIVERIES_PER_SEC });
    }
    const raw = deliveriesPerSec(3, virtualMs, false);
    figures.push({ key: 'sim.deliveriesPerSec.n3.noChecker', value: raw.perSec, unit: 'deliveries/s', label: '3 nodes, steady load, invariant checker off', floor: FLOOR_DELIVERIES_PER_SEC });

    const ops = ctx.quick ? 1_000 : 10_000;
    const options = resolveSimOptions({ nodes: 5, seed: 11, ops, clients: 8, faults: ['crash', 'partition', 'loss', 'duplicate', 'reorder'], faultWindowMs: 60_000, maxTimeMs: 3_600_000 });
    const sim = new Simulator(options, rawNodeFactory);
    const t0 = performance.now();
    const stop = sim.run();
    const wallMs = performance.now() - t0;
    if (stop !== 'ops-done') throw new Error(`faulty run did not finish its ${ops} operations (stopped: ${stop}, ${sim.opsCompleted} done)`);
    ctx.log(`${ops} ops with faults: ${sim.stats.delivered} deliveries, ${sim.stats.crashes} crashes, ${sim.now} virtual ms, ${wallMs.toFixed(0)} wall ms`);
    figures.push({ key: 'sim.opsWithFaults10kMs', value: ctx.quick ? (wallMs * 10_000) / ops : wallMs, unit: 'ms', label: `wall time to simulate 10,000 client ops on 5 nodes with crashes, partitions, loss, duplication, reordering${ctx.quick ? ' (extrapolated from 1,000)' : ''}`, lowerIsBetter: true });
    return figures;
  },
};
