/**
 * A node whose files are damaged refuses to start, and the Inspector says so where its exit is
 * shown, with a "Discard data and rejoin" button; clicking it brings the node back empty and it
 * catches up from the leader. The journal is damaged by the spec itself (cut to a third: lost
 * acknowledged records, which no crash causes) in the cluster's temporary folder, which the host
 * creates under the TMPDIR this spec gives it.
 */
import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { openHostedPage, type HostedPage } from './web-host-process';

let hosted: HostedPage | null = null;
let scratch: string | null = null;

test.afterEach(async () => {
  await hosted?.close();
  hosted = null;
  if (scratch !== null) await rm(scratch, { recursive: true, force: true });
  scratch = null;
});

/** The one cluster data folder the host made in `dir`. */
async function clusterFolder(dir: string): Promise<string> {
  // (The spec helper's data root lands here too: raft-lab-e2e-data-*.)
  const names = (await readdir(dir)).filter((n) => n.startsWith('raft-lab-') && !n.startsWith('raft-lab-e2e-'));
  if (names.length !== 1 || names[0] === undefined) throw new Error(`expected one cluster folder in ${dir}, found ${names.join(', ') || 'none'}`);
  return join(dir, names[0]);
}

test('a node refused for damaged storage is discarded and rejoins from the Inspector', async ({ browser }) => {
  scratch = await mkdtemp(join(tmpdir(), 'raft-lab-e2e-tmp-'));
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = scratch; // the host's temporary cluster folder goes here
  try {
    hosted = await openHostedPage(browser, 'discard-node');
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
  const { lab, page } = hosted;
  await lab.createCluster({ nodes: 3, pace: 'real' });
  const leader = await lab.waitForOneLeader(3);
  for (let i = 0; i < 3; i++) await lab.submit('put', `k${i}`, `v${i}`);
  const follower = (await lab.nodes()).find((n) => n.id !== leader.id)?.id ?? 0;
  expect(follower).toBeGreaterThan(0);

  await lab.tab('Inspector');
  await lab.selectNode(follower);
  await page.getByTestId('crash-node').click();
  await expect(page.locator(`[data-testid="cluster-view"] [data-node="${follower}"]`)).toHaveAttribute('data-life', 'crashed');

  const journal = join(await clusterFolder(scratch), `node-${follower}.journal`);
  const { size } = await stat(journal);
  await truncate(journal, Math.floor(size / 3));

  await page.getByTestId('restart-node').click();
  const refused = page.getByTestId('node-refused');
  await expect(refused).toBeVisible();
  await expect(refused).toContainText(`Node ${follower} refused to start`);
  await expect(page.getByTestId('inspector')).toContainText(`(corrupt storage file in`);
  await expect(page.getByTestId('inspector')).toContainText(`node-${follower}.journal`);
  await expect(page.getByTestId('inspector')).toContainText('cut short');
  await lab.shot('1-refused');

  await page.getByTestId('discard-node-data').click();
  await expect(refused).toBeHidden();
  const leaderCommit = (await lab.node(leader.id)).commit;
  await expect.poll(async () => (await lab.node(follower)).commit, { timeout: 60_000 }).toBeGreaterThanOrEqual(leaderCommit);
  await expect(page.locator(`[data-testid="cluster-view"] [data-node="${follower}"]`)).not.toHaveAttribute('data-life', 'crashed');
  await lab.shot('2-rejoined');
  expect(lab.errors).toEqual([]);
});
