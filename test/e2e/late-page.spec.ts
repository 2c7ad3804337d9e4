/**
 * A page that connects to a cluster already running (a second tab on `npm run web`, or a reload)
 * shows the log entries written before it connected: it reads them with readLog instead of
 * drawing them as unknown. The cluster is idle when the second page opens, so no AppendEntries
 * with entries reaches it through the event stream.
 */
import { test, expect, type Page } from '@playwright/test';
import { startWebHostProcess, type WebHostProcess } from './web-host-process';
import { LabPage } from './lab-page';

test.describe.serial('browser host: a second page on a running cluster', () => {
  let host: WebHostProcess;
  let first: Page;
  let second: Page | null = null;

  test.beforeAll(async ({ browser }) => {
    host = await startWebHostProcess();
    first = await browser.newPage({ baseURL: host.url, viewport: { width: 1280, height: 800 } });
  });
  test.afterAll(async () => {
    try {
      await second?.close();
      await first?.close();
    } finally {
      await host?.stop();
    }
  });

  test('the second page shows every entry written before it connected', async ({ browser }) => {
    const lab = new LabPage(first, 'late-page');
    await first.goto('/');
    await lab.createCluster({ nodes: 3 });
    await lab.waitForOneLeader(3);
    let index = 0;
    for (let i = 1; i <= 6; i++) {
      const r = await lab.submit('put', `k${i}`, `v${i}`);
      expect(r).toMatch(/→ ok/);
      index = Number(/@(\d+)/.exec(r)?.[1]);
    }
    await expect.poll(async () => (await lab.logs()).every((l) => l.commit >= index), { timeout: 60_000 }).toBe(true);

    second = await browser.newPage({ baseURL: host.url, viewport: { width: 1280, height: 800 } });
    const late = new LabPage(second, 'late-page');
    await second.goto('/');
    await expect(second.locator('[data-testid="cluster-view"] [data-node]')).toHaveCount(3, { timeout: 60_000 });
    await expect.poll(async () => (await late.logs()).every((l) => l.last >= index), { timeout: 60_000 }).toBe(true);
    const table = second.getByTestId('log-table');
    // Every node's row of every write, and no cell left unknown.
    for (let i = 1; i <= 6; i++) await expect(table.locator('.cell', { hasText: `put k${i} = v${i}` })).toHaveCount(3);
    await expect(table.locator('.cell.unknown')).toHaveCount(0);
    await expect(table.locator('.cell', { hasText: 'no-op' }).first()).toBeVisible();
    await late.shot('second-page-log');
    expect(late.errors).toEqual([]);
    expect(lab.errors).toEqual([]);
  });
});
