/**
 * Branching from a recording of a REAL multi-process run (nodes in worker threads with their
 * SQLite files, compacting every 4 entries, one node crashed and restarted, the leader crashed
 * and restarted): the nodes rebuilt at an event match the state digests the real nodes recorded,
 * the compacted nodes keep their KV state, and the branch runs on: a write commits on every
 * node, the history is linearizable, no invariant breaks. Branched at the very end, where every
 * node was stopped, the nodes restart from their disks with the state they had.
 */
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { RawNode } from '../../shared/raft/raw-node';
import { checkLinearizability } from '../../shared/check/linearizability';
import type { Recording } from '../../shared/record/format';
import { STATUS_DIGEST } from '../../shared/record/digest';
import { readRecording } from '../../shared/record/read';
import { encodeRecording } from '../../shared/record/write';
import { BranchLab } from '../../shared/replay/branch-lab';
import { branchPointAt, rebuildNode } from '../../shared/replay/branch-point';
import { clusterOptionsOf } from '../../shared/replay/lab-projection';
import { ReplayIndex } from '../../shared/replay/replay-index';
import { toHistory } from '../../shared/sim/run';
import type { KvResult } from '../../shared/protocol/lab';
import { FAST, openLab, waitForLeader, type Lab } from '../runtime/helpers';
import { playUntil, TestClock } from './test-clock';

let lab: Lab | null = null;
afterAll(async () => {
  await lab?.dispose();
});

async function recordRealRun(): Promise<Recording> {
  lab = await openLab();
  const l = lab.lab;
  await l.createCluster({ ...FAST, nodes: 3, snapshotEvery: 4, dataDir: lab.dir });
  const first = await waitForLeader(l);
  for (let i = 0; i < 12; i++) expect((await l.submit({ type: 'put', key: `k${i % 3}`, value: `v${i}` }, { timeoutMs: 8000 })).ok).toBe(true);
  const follower = [1, 2, 3].find((id) => id !== first)!;
  await l.crashNode(follower);
  for (let i = 0; i < 6; i++) await l.submit({ type: 'put', key: 'k1', value: `during-crash-${i}` }, { timeoutMs: 8000 });
  await l.restartNode(follower);
  await new Promise((r) => setTimeout(r, 300));
  await l.crashNode(first);
  await waitForLeader(l, [1, 2, 3].filter((id) => id !== first));
  await l.submit({ type: 'put', key: 'k2', value: 'last' }, { timeoutMs: 8000 });
  await l.destroyCluster();
  const recording = await l.recording();
  await rm(lab.dir, { recursive: true, force: true });
  return readRecording(encodeRecording(recording!));
}

describe('branching from a real run\'s recording', () => {
  it('rebuilds nodes exactly, keeps compacted state, and runs on', async () => {
    const recording = await recordRealRun();
    const records = recording.records;
    const index = new ReplayIndex(recording, RawNode);
    expect(index.divergence).toBeNull();

    // Exact at every 5th event: the rebuilt node's digest is the one the real node recorded.
    let compared = 0;
    for (let k = 1; k <= records.length; k += 5) {
      for (const s of branchPointAt(records, k)) {
        let last = null;
        for (let i = k; i >= 1 && last === null; i--) {
          const r = records[i - 1]!.record;
          if ('node' in r && r.node === s.node) last = r;
        }
        if (s.state !== 'running' || last === null || (last.kind !== 'input' && last.kind !== 'start')) continue;
        expect(STATUS_DIGEST.compute(rebuildNode(s, RawNode).api!), `node ${s.node} at event ${k}`).toBe(last.digest);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);

    // Just before the cluster was destroyed (the first leader down): compacted nodes, the same KV
    // state on every running node.
    const end = records.findIndex((l) => l.record.kind === 'crash' && l.record.reason === 'stopped');
    expect(end).toBeGreaterThan(0);
    const at = index.nodesAt(end);
    expect(at.some((n) => (n.status?.snapshotIndex ?? 0) > 0)).toBe(true);
    expect(at.some((n) => n.state === 'down')).toBe(true);
    const clock = new TestClock();
    const b = new BranchLab({ position: end, states: index.branchStateAt(end), options: clusterOptionsOf(recording), atMs: 0, seed: 1 }, RawNode, clock);
    const running = at.filter((n) => n.state === 'running').map((n) => n.id);
    for (const id of running) expect(b.kvGet(id, 'k1')).toBe('during-crash-5');

    // Restart the node that was down, play, write: every node ends with the write, linearizably.
    for (const n of at) if (n.state === 'down') await b.restartNode(n.id);
    await b.setPaused(false);
    let answer: KvResult | null = null;
    void b.submit({ type: 'put', key: 'k0', value: 'branch' }, { timeoutMs: 20_000 }).then((r) => { answer = r; });
    await playUntil(clock, () => answer !== null && [1, 2, 3].every((id) => b.kvGet(id, 'k0') === 'branch'), 30_000);
    expect(answer).toMatchObject({ ok: true });
    for (const id of [1, 2, 3]) expect(b.kvGet(id, 'k0')).toBe('branch');
    expect(checkLinearizability(toHistory(b.history())).kind).toBe('ok');
    expect((await b.snapshot()).violations).toEqual([]);
    b.close();

    // At the very end every node was stopped: all branch as down, and restarted from their disks
    // (snapshot + log) they come back with the KV state they had and elect a leader.
    const all = new BranchLab({ position: records.length, states: index.branchStateAt(records.length), options: clusterOptionsOf(recording), atMs: 0, seed: 1 }, RawNode, clock);
    expect((await all.snapshot()).nodes.map((n) => n.life)).toEqual(['crashed', 'crashed', 'crashed']);
    for (const id of [1, 2, 3]) await all.restartNode(id);
    await all.setPaused(false);
    await playUntil(clock, async () => (await all.snapshot()).nodes.some((n) => n.status?.role === 'leader') && [1, 2, 3].every((id) => all.kvGet(id, 'k2') === 'last'), 30_000);
  }, 120_000);
});
