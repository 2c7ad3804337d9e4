/**
 * The node runtime (electron/node + electron/lab) over real worker threads with persistence on:
 * what a client of the lab sees.
 *
 * - runtime.portRoundTripUs: median round trip of one small message between two workers over a
 *   MessageChannel: the floor of any commit (a commit needs at least one such round trip).
 * - runtime.seqP50Ms.n<N> / seqP99Ms.n<N>: one client, one put at a time, submit() to answer.
 *   Target for 3 nodes: p50 at most 2.2 ms (etcd's sequential figure on similar machines).
 * - runtime.seqP50VsRoundTrip.n<N>: that p50 as a multiple of the port round trip.
 * - runtime.commitsPerSec.c<C>.n<N>: C clients, each with one put in flight, for a fixed time.
 *   Targets for 3 nodes: at least 1,500/s with 16 clients and 2,000/s with 64.
 * - runtime.latencyP50Ms / latencyP99Ms.c<C>.n<N>: per-request latency in the same runs.
 * - runtime.failoverMs.n<N> / failoverP90Ms.n<N>: 100 ms heartbeats, 1,000 ms election timeout:
 *   time from a hard kill of the leader to the first client write committed by the next leader
 *   (median and 90th percentile). Each trial starts from a healthy cluster (every node up, on
 *   one term, holding and having committed the same log) and kills the leader at a random
 *   instant, as a crash would come: a seeded delay of 0 to 2 heartbeat intervals after a
 *   committed write. Target for 3 nodes: median at most 1,200 ms.
 * - runtime.maxStallMs: the longest event-loop block any node reported over all runs. Target:
 *   under one heartbeat interval (100 ms).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { LabController } from '../../electron/lab/controller';
import { WorkerHost } from '../../electron/host/worker-host';
import { DEFAULT_CLUSTER_OPTIONS, type ClusterOptions } from '../../shared/protocol/lab';
import type { NodeId } from '../../shared/raft/types';
import { createRng } from '../../shared/util/rng';
import type { BenchModule, Figure } from './registry';
import { percentile } from './stats';

const HEARTBEAT_MS = 100;

/** Two workers bounce a message over a MessageChannel; returns the median round trip in µs. */
async function portRoundTripUs(rounds: number): Promise<number> {
  const echo = `
    const { parentPort } = require('node:worker_threads');
    parentPort.once('message', ({ port }) => port.on('message', (m) => port.postMessage(m)));
  `;
  const ping = `
    const { parentPort, workerData } = require('node:worker_threads');
    parentPort.once('message', ({ port }) => {
      const times = [];
      let t0 = 0;
      let n = 0;
      port.on('message', () => {
        times.push(performance.now() - t0);
        if (++n === workerData.rounds) { parentPort.postMessage(times); port.close(); return; }
        t0 = performance.now();
        port.postMessage({ type: 'raft', n });
      });
      t0 = performance.now();
      port.postMessage({ type: 'raft', n });
    });
  `;
  const a = new Worker(echo, { eval: true });
  const b = new Worker(ping, { eval: true, workerData: { rounds } });
  const { MessageChannel } = await import('node:worker_threads');
  const { port1, port2 } = new MessageChannel();
  const result = new Promise<number[]>((resolve, reject) => {
    b.once('message', resolve);
    b.once('error', reject);
  });
  a.postMessage({ port: port1 }, [port1]);
  b.postMessage({ port: port2 }, [port2]);
  const times = await result;
  await Promise.all([a.terminate(), b.terminate()]);
  // Skip the warm-up half.
  return percentile(times.slice(Math.floor(times.length / 2)), 50) * 1000;
}

interface Run {
  readonly lab: LabController;
  readonly dir: string;
  close(): Promise<void>;
}

async function startCluster(nodes: number, options: Partial<ClusterOptions> = {}): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'raft-lab-bench-runtime-'));
  const lab = new LabController({ host: new WorkerHost(), traceMessages: false, checkInvariants: false });
  await lab.createCluster({ ...DEFAULT_CLUSTER_OPTIONS, snapshotEvery: 10_000, ...options, nodes, dataDir: dir });
  await waitForLeader(lab);
  return {
    lab,
    dir,
    close: async () => {
      await lab.destroyCluster();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForLeader(lab: LabController, among?: readonly NodeId[], timeoutMs = 20_000): Promise<NodeId> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const snap = await lab.snapshot();
    const leader = snap.nodes.find((n) => n.status?.role === 'leader' && (among === undefined || among.includes(n.id)));
    if (leader !== undefined) return leader.id;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('bench: no leader elected');
}

/** `clients` loops, each with one put in flight, for `ms`; returns per-request latencies. */
async function load(lab: LabController, clients: number, ms: number): Promise<{ latencies: number[]; failures: number; elapsedMs: number }> {
  const latencies: number[] = [];
  let failures = 0;
  const t0 = performance.now();
  const until = t0 + ms;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < until; i++) {
        const s = performance.now();
        const r = await lab.submit({ type: 'put', key: `k${c}-${i % 16}`, value: `v${i}` }, { client: `bench-${c}` });
        if (r.ok) latencies.push(performance.now() - s);
        else failures++;
      }
    }),
  );
  return { latencies, failures, elapsedMs: performance.now() - t0 };
}

/** Every node up, on one term, with the same log, all of it committed: a cluster worth killing. */
async function waitHealthy(lab: LabController, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { nodes } = await lab.snapshot();
    const first = nodes[0]?.status;
    const settled =
      first !== undefined && first !== null &&
      nodes.every((n) => n.life === 'running' && n.status !== null && n.status.term === first.term && n.status.lastIndex === first.lastIndex && n.status.commit === first.lastIndex) &&
      nodes.some((n) => n.status?.role === 'leader');
    if (settled) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('bench failover: the cluster did not settle (every node up and caught up)');
}

async function failoverMs(nodes: number, trials: number, log: (l: string) => void): Promise<number[]> {
  const run = await startCluster(nodes, { tickMs: HEARTBEAT_MS, heartbeatTicks: 1, electionTicks: 10 });
  const rng = createRng(nodes);
  const out: number[] = [];
  try {
    for (let t = 0; t < trials; t++) {
      // Make sure the cluster is committing, with every node caught up, before the kill.
      const warm = await run.lab.submit({ type: 'put', key: 'warm', value: `${t}` }, { timeoutMs: 10_000 });
      if (!warm.ok) throw new Error(`bench failover: warm-up write failed: ${warm.detail}`);
      await waitHealthy(run.lab);
      await new Promise((r) => setTimeout(r, rng.range(0, 2 * HEARTBEAT_MS)));
      const leader = await waitForLeader(run.lab);
      const t0 = performance.now();
      await run.lab.crashNode(leader);
      const r = await run.lab.submit({ type: 'put', key: 'after', value: `${t}` }, { client: `failover-${t}`, timeoutMs: 20_000 });
      if (!r.ok) throw new Error(`bench failover: no commit after killing the leader: ${r.detail}`);
      const ms = performance.now() - t0;
      out.push(ms);
      log(`failover n${nodes} trial ${t + 1}: ${ms.toFixed(0)} ms`);
      await run.lab.restartNode(leader);
    }
  } finally {
    await run.close();
  }
  return out;
}

export const bench: BenchModule = {
  area: 'runtime',
  async run(ctx) {
    const figures: Figure[] = [];
    let maxStall = 0;
    const rtt = await portRoundTripUs(ctx.quick ? 2000 : 20_000);
    figures.push({ key: 'runtime.portRoundTripUs', value: rtt, unit: 'µs', label: 'median MessagePort round trip between two worker threads (the floor of a commit)' });

    const loadMs = ctx.quick ? 1500 : 5000;
    for (const n of [3, 5]) {
      const run = await startCluster(n);
      try {
        // Warm up (JIT, first checkpoints) before measuring; stalls count from here.
        await load(run.lab, 4, ctx.quick ? 300 : 1000);
        run.lab.maxLoopStallMs = 0;
        const seq = await load(run.lab, 1, loadMs);
        const p50 = percentile(seq.latencies, 50);
        figures.push({ key: `runtime.seqP50Ms.n${n}`, value: p50, unit: 'ms', label: `${n} nodes, 1 client, put latency p50 (${seq.latencies.length} puts)`, ...(n === 3 ? { floor: 2.2, lowerIsBetter: true } : {}) });
        figures.push({ key: `runtime.seqP99Ms.n${n}`, value: percentile(seq.latencies, 99), unit: 'ms', label: `${n} nodes, 1 client, put latency p99` });
        figures.push({ key: `runtime.seqP50VsRoundTrip.n${n}`, value: (p50 * 1000) / rtt, unit: 'x', label: `${n} nodes: sequential p50 as a multiple of the port round trip` });
        for (const clients of [1, 16, 64]) {
          const r = clients === 1 ? seq : await load(run.lab, clients, loadMs);
          const perSec = (r.latencies.length / r.elapsedMs) * 1000;
          const floor = n === 3 ? (clients === 16 ? 1500 : clients === 64 ? 2000 : undefined) : undefined;
          figures.push({ key: `runtime.commitsPerSec.c${clients}.n${n}`, value: perSec, unit: 'commits/s', label: `${n} nodes, ${clients} concurrent clients, persistence on (${r.failures} failed)`, ...(floor !== undefined ? { floor } : {}) });
          figures.push({ key: `runtime.latencyP50Ms.c${clients}.n${n}`, value: percentile(r.latencies, 50), unit: 'ms', label: `${n} nodes, ${clients} clients, put latency p50`, lowerIsBetter: true });
          figures.push({ key: `runtime.latencyP99Ms.c${clients}.n${n}`, value: percentile(r.latencies, 99), unit: 'ms', label: `${n} nodes, ${clients} clients, put latency p99`, lowerIsBetter: true });
          ctx.log(`n${n} c${clients}: ${perSec.toFixed(0)}/s, p50 ${percentile(r.latencies, 50).toFixed(2)} ms`);
        }
        maxStall = Math.max(maxStall, run.lab.maxLoopStallMs);
      } finally {
        await run.close();
      }
    }

    for (const n of [3, 5]) {
      const trials = await failoverMs(n, ctx.quick ? 5 : 25, ctx.log);
      figures.push({
        key: `runtime.failoverMs.n${n}`,
        value: percentile(trials, 50),
        unit: 'ms',
        label: `${n} nodes, 100 ms heartbeats, 1,000 ms election timeout: leader killed to first commit, median of ${trials.length}`,
        ...(n === 3 ? { floor: 1200, lowerIsBetter: true } : {}),
      });
      figures.push({
        key: `runtime.failoverP90Ms.n${n}`,
        value: percentile(trials, 90),
        unit: 'ms',
        label: `${n} nodes: leader killed to first commit, 90th percentile of ${trials.length}`,
        lowerIsBetter: true,
      });
    }
    figures.push({ key: 'runtime.maxStallMs', value: maxStall, unit: 'ms', label: 'longest event-loop block any node reported under load', floor: HEARTBEAT_MS, lowerIsBetter: true });
    return figures;
  },
};
