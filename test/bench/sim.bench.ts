/**
 * Simulator throughput: simulated message deliveries per second under steady client load (3 and
 * 5 nodes; invariant checker and trace hash on, as every test runs it; and 3 nodes with the
 * checker off, to show its cost), and the time to simulate 10,000 client operations with faults.
 * Floor: 300,000 deliveries/s on one core.
 *
 * Seconds are CPU seconds of this (single-threaded) process, i.e. time on one core, so a machine
 * shared with other work does not distort the figure; wall-clock figures are reported beside.
 */
import { performance } from 'node:perf_hooks';
import { Simulator } from '../../shared/sim/simulator';
import { resolveSimOptions, type SimOptions } from '../../shared/sim/options';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import type { BenchModule, Figure } from './registry';

const FLOOR_DELIVERIES_PER_SEC = 300_000;
/** Steady load: 8 clients, each always with one operation in flight (after a short think time). */
const CLIENTS = 8;

interface Timed {
  readonly cpuMs: number;
  readonly wallMs: number;
}

function timed(f: () => void): Timed {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, wallMs };
}

function steady(nodes: number, virtualMs: number, check: boolean): Timed & { delivered: number } {
  const options: SimOptions = resolveSimOptions({ nodes, seed: 7, ops: 10_000_000, clients: CLIENTS, maxTimeMs: virtualMs, check });
  const sim = new Simulator(options, rawNodeFactory);
  const t = timed(() => sim.run());
  if (sim.violations.length > 0) throw new Error(`bench run found a violation: ${sim.violations[0]!.message}`);
  return { ...t, delivered: sim.stats.delivered };
}

export const bench: BenchModule = {
  area: 'sim',
  async run(ctx) {
    const virtualMs = ctx.quick ? 10_000 : 120_000;
    steady(3, 5_000, true); // warm the JIT so the first figure is not penalised
    const figures: Figure[] = [];
    const perSec = (r: { delivered: number }, ms: number): number => (r.delivered / ms) * 1000;
    let checkedN3 = 0;
    for (const nodes of [3, 5]) {
      const r = steady(nodes, virtualMs, true);
      ctx.log(`${nodes} nodes, checker on: ${r.delivered} deliveries, ${r.cpuMs.toFixed(0)} ms CPU, ${r.wallMs.toFixed(0)} ms wall`);
      if (nodes === 3) checkedN3 = perSec(r, r.cpuMs);
      figures.push({ key: `sim.deliveriesPerSec.n${nodes}`, value: perSec(r, r.cpuMs), unit: 'deliveries/s', label: `${nodes} nodes, ${CLIENTS} clients, checker on (per CPU second)`, floor: FLOOR_DELIVERIES_PER_SEC });
      figures.push({ key: `sim.deliveriesPerWallSec.n${nodes}`, value: perSec(r, r.wallMs), unit: 'deliveries/s', label: `the same run per wall-clock second` });
    }
    const raw = steady(3, virtualMs, false);
    ctx.log(`3 nodes, checker off: ${raw.delivered} deliveries, ${raw.cpuMs.toFixed(0)} ms CPU`);
    figures.push({ key: 'sim.deliveriesPerSec.n3.noChecker', value: perSec(raw, raw.cpuMs), unit: 'deliveries/s', label: '3 nodes, steady load, invariant checker off (per CPU second)', floor: FLOOR_DELIVERIES_PER_SEC });
    figures.push({ key: 'sim.checkerSlowdown', value: perSec(raw, raw.cpuMs) / checkedN3, unit: 'x', label: 'deliveries/s without the checker over with it (3 nodes, same run)' });

    const ops = ctx.quick ? 1_000 : 10_000;
    const options = resolveSimOptions({ nodes: 5, seed: 11, ops, clients: CLIENTS, faults: ['crash', 'partition', 'loss', 'duplicate', 'reorder'], faultWindowMs: 60_000, maxTimeMs: 3_600_000 });
    const sim = new Simulator(options, rawNodeFactory);
    let stop = '';
    const t = timed(() => {
      stop = sim.run();
    });
    if (stop !== 'ops-done') throw new Error(`faulty run did not finish its ${ops} operations (stopped: ${stop}, ${sim.opsCompleted} done)`);
    if (sim.violations.length > 0) throw new Error(`faulty run found a violation: ${sim.violations[0]!.message}`);
    ctx.log(`${ops} ops with faults: ${sim.stats.delivered} deliveries, ${sim.stats.crashes} crashes, ${sim.now} virtual ms, ${t.cpuMs.toFixed(0)} ms CPU, ${t.wallMs.toFixed(0)} ms wall`);
    const scale = 10_000 / ops;
    const note = ctx.quick ? ' (extrapolated from 1,000)' : '';
    figures.push({ key: 'sim.opsWithFaults10kMs', value: t.cpuMs * scale, unit: 'ms', label: `CPU time to simulate 10,000 client ops on 5 nodes with crashes, partitions, loss, duplication, reordering${note}`, lowerIsBetter: true });
    figures.push({ key: 'sim.opsWithFaults10kWallMs', value: t.wallMs * scale, unit: 'ms', label: `the same run in wall-clock time${note}`, lowerIsBetter: true });
    return figures;
  },
};
