/**
 * A node whose storage is refused at start (a damaged journal) stays down with the refusal as
 * its exit, naming the node and the file; `discardNodeData` deletes its files, starts it empty
 * and adds it back as a voter, and it catches up from the leader with no invariant violated. Refused for a node that is running or that did not
 * refuse to start. Real worker-thread nodes on real files.
 */
import { stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeId } from '../../shared/raft/types';
import { FAST, openLab, waitFor, waitForLeader } from './helpers';
import type { Lab } from './helpers';

let env: Lab | null = null;
afterEach(async () => {
  await env?.dispose();
  env = null;
});

async function put(lab: Lab['lab'], key: string): Promise<void> {
  const result = await lab.submit({ type: 'put', key, value: `v-${key}` });
  expect(result.ok, JSON.stringify(result)).toBe(true);
}

describe('discarding the data of a node whose storage was refused', () => {
  it('keeps a damaged node down, then wipes it on request and lets it catch up', { timeout: 60_000 }, async () => {
    env = await openLab();
    const { lab, dir } = env;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    const leader = await waitForLeader(lab);
    for (let i = 0; i < 10; i++) await put(lab, `k${i}`);
    const follower = ([1, 2, 3] as NodeId[]).find((n) => n !== leader) ?? 1;

    await lab.crashNode(follower);
    await waitFor('the follower to be down', async () => ((await lab.snapshot()).nodes.find((n) => n.id === follower)?.life === 'crashed' ? true : null));
    const journal = join(dir, `node-${follower}.journal`);
    const { size } = await stat(journal);
    await truncate(journal, Math.floor(size / 3)); // acknowledged records lost: not a crash's doing

    await expect(lab.restartNode(follower)).rejects.toThrow(new RegExp(`node ${follower} refused to start: corrupt storage file in .*node-${follower}\\.journal`));
    const down = (await lab.snapshot()).nodes.find((n) => n.id === follower);
    expect(down?.life).toBe('crashed');
    expect(down?.exit).toMatchObject({ reason: 'refused-to-start' });
    expect(down?.exit && 'detail' in down.exit ? down.exit.detail : '').toMatch(/cut short/);

    // Only for a refused node: not a running one.
    await expect(lab.discardNodeData(leader)).rejects.toThrow(/is running/);

    await lab.discardNodeData(follower);
    await put(lab, 'after');
    const leaderLast = (await lab.snapshot()).nodes.find((n) => n.id === leader)?.status?.lastIndex ?? 0;
    await waitFor('the wiped node to catch up from the leader', async () => {
      const st = (await lab.snapshot()).nodes.find((n) => n.id === follower)?.status;
      return st !== undefined && st !== null && st.lastIndex >= leaderLast && st.commit >= leaderLast ? st : null;
    }, 20_000);
    const after = await lab.snapshot();
    expect(after.nodes.find((n) => n.id === leader)?.status?.conf.voters).toContain(follower); // back in its old role
    expect(after.violations.map((v) => JSON.stringify(v))).toEqual([]);
  });

  it('refuses for a node that crashed without its storage being refused', { timeout: 60_000 }, async () => {
    env = await openLab();
    const { lab, dir } = env;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    const leader = await waitForLeader(lab);
    const follower = ([1, 2, 3] as NodeId[]).find((n) => n !== leader) ?? 1;
    await lab.crashNode(follower);
    await waitFor('the follower to be down', async () => ((await lab.snapshot()).nodes.find((n) => n.id === follower)?.life === 'crashed' ? true : null));
    await expect(lab.discardNodeData(follower)).rejects.toThrow(/did not refuse to start .*its data is kept/);
    expect((await stat(join(dir, `node-${follower}.sqlite`))).size).toBeGreaterThan(0);
  });
});
