/**
 * A client request aimed at one node: a follower answers not-leader with its leader hint (no
 * redirect), the leader answers as usual, and an isolated stale leader accepts the entry but
 * cannot commit it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FAST, openLab, waitFor, waitForLeader, type Lab } from './helpers';

let current: Lab | null = null;
afterEach(async () => {
  await current?.dispose();
  current = null;
});

describe('submit to a chosen node', () => {
  it('a follower answers not-leader with the leader as hint; the leader applies; a missing key reads as null', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    const leader = await waitForLeader(lab);
    // A follower hears the leader's heartbeat within a tick or two.
    const follower = await waitFor('a follower that knows the leader', async () => {
      const snap = await lab.snapshot();
      return snap.nodes.find((n) => n.id !== leader && n.status?.leader === leader)?.id ?? null;
    });
    const refused = await lab.submit({ type: 'put', key: 'x', value: '1' }, { node: follower, timeoutMs: 2000 });
    expect(refused).toMatchObject({ ok: false, error: 'not-leader', leaderHint: leader });
    const put = await lab.submit({ type: 'put', key: 'x', value: '2' }, { node: leader, timeoutMs: 5000 });
    expect(put).toMatchObject({ ok: true, leader });
    const missing = await lab.submit({ type: 'get', key: 'never-written' }, { node: leader, timeoutMs: 5000 });
    expect(missing).toMatchObject({ ok: true, value: null });
    await expect(lab.submit({ type: 'get', key: 'x' }, { node: 42 })).rejects.toThrow(/node 42 is not in the lab/);
  });

  it('an isolated stale leader accepts a write it cannot commit', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, checkQuorum: false, nodes: 3, dataDir: dir });
    const old = await waitForLeader(lab);
    await lab.partition({ kind: 'isolate', node: old });
    await waitForLeader(lab, [1, 2, 3].filter((n) => n !== old));
    const r = await lab.submit({ type: 'put', key: 'lost', value: 'v' }, { node: old, timeoutMs: 800 });
    expect(r).toMatchObject({ ok: false, error: 'timeout' });
    expect(r.ok ? '' : r.detail).toMatch(new RegExp(`node ${old} accepted it as index \\d+`));
  });
});
