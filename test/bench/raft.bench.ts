/**
 * Raft core throughput, without any simulator around it: messages stepped per second of wall time
 * (each one stepped into a RawNode and its Ready handled: entries kept, messages queued, committed
 * entries counted) in 3- and 5-node clusters under steady proposals with regular ticks.
 * Floor: 1,000,000 steps/s, so the core leaves room under the simulator's 300,000 deliveries/s.
 * - `raft.stepsPerSec.n3`, `raft.stepsPerSec.n5`.
 */
import { performance } from 'node:perf_hooks';
import { RawNode } from '../../shared/raft/raw-node';
import { DEFAULT_RAFT_CONFIG } from '../../shared/raft/types';
import type { Message } from '../../shared/raft/types';
import { createRng } from '../../shared/util/rng';
import type { BenchModule, Figure } from './registry';

const FLOOR_STEPS_PER_SEC = 1_000_000;

function stepsPerSec(n: number, rounds: number): { perSec: number; steps: number; wallMs: number; committed: number } {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const conf = { voters: ids, learners: [] };
  const nodes = ids.map((id) => RawNode.bootstrap({ ...DEFAULT_RAFT_CONFIG, id }, createRng(id), conf));
  let queue: Message[] = [];
  let committed = 0;
  const pump = (node: RawNode) => {
    while (node.hasReady()) {
      const rd = node.ready();
      for (const m of rd.messages) queue.push(m);
      committed += rd.committedEntries.length;
      node.advance(rd);
    }
  };
  const leader = nodes[0] as RawNode;
  leader.campaign();
  let steps = 0;
  const drain = () => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      for (const m of batch) {
        const to = nodes[m.to - 1] as RawNode;
        to.step(m);
        pump(to);
        steps++;
      }
    }
  };
  for (const node of nodes) pump(node);
  drain();
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    // Eight proposals per round, and a tick every fourth round (heartbeats).
    for (let k = 0; k < 8; k++) leader.propose(`put k${k} v${r}`);
    if (r % 4 === 0) for (const node of nodes) node.tick();
    for (const node of nodes) pump(node);
    drain();
  }
  const wallMs = performance.now() - t0;
  if (leader.status().role !== 'leader') throw new Error('bench: the leader lost its leadership');
  return { perSec: (steps / wallMs) * 1000, steps, wallMs, committed };
}

export const bench: BenchModule = {
  area: 'raft',
  async run(ctx) {
    const rounds = ctx.quick ? 5_000 : 50_000;
    stepsPerSec(3, 2_000); // warm the JIT
    const figures: Figure[] = [];
    for (const n of [3, 5]) {
      const r = stepsPerSec(n, rounds);
      ctx.log(`${n} nodes: ${r.steps} steps, ${r.committed} entries applied, ${r.wallMs.toFixed(0)} ms`);
      figures.push({ key: `raft.stepsPerSec.n${n}`, value: r.perSec, unit: 'steps/s', label: `${n} nodes, 8 proposals per round, core only (no simulator)`, floor: FLOOR_STEPS_PER_SEC });
    }
    return figures;
  },
};
