/**
 * A randomized fault run against real worker processes: seeded partitions, crashes, restarts,
 * link delays, loss, duplication and reordering, while three clients read and write a few keys.
 * The live invariant checker must report nothing, and the client history must be linearizable
 * (which includes: no acknowledged write is lost).
 *
 * Replay a failing run with: RAFT_LAB_SEED=<seed> npx vitest run test/runtime/fault-run.test.ts
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LabController } from '../../electron/lab/controller';
import type { KvOp } from '../../shared/protocol/lab';
import type { NodeId } from '../../shared/raft/types';
import { createRng, type Rng } from '../../shared/util/rng';
import { checkLinearizability } from '../../shared/check/linearizability';
import { historyFromEvents } from '../../shared/check/linearizability-history';
import { FAST, openLab, waitFor, waitForLeader, type Lab } from './helpers';

let current: Lab | null = null;
afterEach(async () => {
  await current?.dispose();
  current = null;
});

const SEED = Number(process.env['RAFT_LAB_SEED'] ?? 20261125);
const NODES = 5;
const RUN_MS = 9000;
const KEYS = ['a', 'b', 'c'];

function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[rng.int(items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

async function nemesis(lab: LabController, rng: Rng, until: number, log: string[]): Promise<void> {
  const ids: NodeId[] = Array.from({ length: NODES }, (_, i) => i + 1);
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 300 + rng.int(500)));
    const snap = await lab.snapshot();
    const crashed = snap.nodes.filter((n) => n.life === 'crashed').map((n) => n.id);
    const action = rng.int(6);
    try {
      if (action === 0 && crashed.length < 2) {
        const victim = pick(rng, ids.filter((id) => !crashed.includes(id)));
        log.push(`crash ${victim}`);
        await lab.crashNode(victim);
      } else if (action === 1 && crashed.length > 0) {
        const back = pick(rng, crashed);
        log.push(`restart ${back}`);
        await lab.restartNode(back);
      } else if (action === 2) {
        const kind = pick(rng, ['isolate-leader', 'split', 'ring', 'isolate'] as const);
        log.push(`partition ${kind}`);
        if (kind === 'split') await lab.partition({ kind, groups: [[1, 2], [3, 4, 5]] });
        else if (kind === 'isolate') await lab.partition({ kind, node: pick(rng, ids) });
        else if (kind === 'isolate-leader') await lab.partition({ kind }).catch(() => undefined);
        else await lab.partition({ kind });
      } else if (action === 3) {
        log.push('heal');
        await lab.partition({ kind: 'heal' });
      } else {
        const from = pick(rng, ids);
        const to = pick(rng, ids.filter((id) => id !== from));
        const fault = { loss: rng.next() * 0.3, delayMs: rng.int(30), jitterMs: rng.int(30), duplicate: rng.next() * 0.2, reorder: rng.next() * 0.2 };
        log.push(`link ${from}>${to} ${JSON.stringify(fault)}`);
        await lab.setLinkFault({ from, to }, fault);
      }
    } catch (e) {
      log.push(`  (failed: ${e instanceof Error ? e.message : String(e)})`);
    }
  }
}

async function client(lab: LabController, name: string, rng: Rng, until: number): Promise<number> {
  let acknowledged = 0;
  for (let i = 0; Date.now() < until; i++) {
    const key = pick(rng, KEYS);
    const roll = rng.int(10);
    const op: KvOp =
      roll < 5 ? { type: 'put', key, value: `${name}-${i}` }
      : roll < 8 ? { type: 'get', key }
      : { type: 'cas', key, expected: null, value: `${name}-${i}` };
    const r = await lab.submit(op, { client: name, timeoutMs: 1500 });
    if (r.ok) acknowledged++;
  }
  return acknowledged;
}

describe('randomized fault run', () => {
  it(`keeps every invariant and a linearizable history under partitions, crashes, restarts and link faults (seed ${SEED})`, async () => {
    current = await openLab();
    const { lab, dir, events } = current;
    const rng = createRng(SEED);
    await lab.createCluster({ ...FAST, nodes: NODES, dataDir: dir, seed: SEED, snapshotEvery: 20 });
    await waitForLeader(lab);
    const until = Date.now() + RUN_MS;
    const log: string[] = [];
    const [, ...acks] = await Promise.all([
      nemesis(lab, rng.fork(), until, log),
      client(lab, 'c1', rng.fork(), until),
      client(lab, 'c2', rng.fork(), until),
      client(lab, 'c3', rng.fork(), until),
    ]);

    // Heal everything, bring every node back, and let the clients read the final state.
    await lab.partition({ kind: 'heal' });
    for (const n of (await lab.snapshot()).nodes) if (n.life === 'crashed') await lab.restartNode(n.id);
    await waitForLeader(lab);
    for (const key of KEYS) {
      const r = await lab.submit({ type: 'get', key }, { client: 'final', timeoutMs: 8000 });
      expect(r.ok, `final read of ${key}`).toBe(true);
    }
    await waitFor('every node applied the same entries', async () => {
      const s = await lab.snapshot();
      return new Set(s.nodes.map((n) => n.status?.applied)).size === 1 ? true : null;
    }, 20_000).catch(async (e: unknown) => {
      const s = await lab.snapshot();
      const nodes = s.nodes.map((n) => `${n.id}:${n.life}:${n.status?.role}/t${n.status?.term}/c${n.status?.commit}/a${n.status?.applied}/l${n.status?.lastIndex}${n.exit ? `/${JSON.stringify(n.exit)}` : ''}`);
      throw new Error(`${String(e)}; nodes ${nodes.join(' ')}; faults: ${log.join('; ')}`);
    });

    const snap = await lab.snapshot();
    const context = `seed ${SEED}; faults: ${log.join('; ')}`;
    expect(snap.violations, context).toEqual([]);
    expect(acks.reduce((a, b) => a + b, 0), context).toBeGreaterThan(10);
    const history = historyFromEvents(events);
    const verdict = checkLinearizability(history);
    expect(verdict.kind === 'violation' ? verdict.explanation : verdict.kind, context).toBe('ok');
  });
});
