/**
 * A page that connects to a cluster already running (a second tab on `npm run web`, or a reload)
 * shows the log entries written before it connected: it reads them with readLog instead of
 * drawing them as unknown. The cluster is idle when the second page opens, so no AppendEntries
 * with entries reaches it through the event stream.
 */
import { test, expect, type Page } from '@playwright/test';
import { openTokenPage, startWebHostProcess, type WebHostProcess } from './web-host-process';
import { LabPage } from './lab-page';

test.describe.serial('browser host: a second page on a running cluster', () => {
  let host: WebHostProcess;
  let first: Page;
  let second: Page | null = null;

  test.beforeAll(async ({ browser }) => {
    host = await startWebHostProcess();
    first = await openTokenPage(browser, host);
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

    second = await openTokenPage(browser, host);
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

  test('on a long log it reads only the rows in view, and more when scrolled', async ({ browser }) => {
    // 900 more writes (below the default snapshot interval of 1,000, so nothing is compacted)
    // straight over the lab's WebSocket (the typing in the Client tab would take minutes).
    const written = await first.evaluate(async ({ count, token }) => {
      const url = new URL('/lab', window.location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      url.searchParams.set('token', token);
      const ws = new WebSocket(url);
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
      const waiting = new Map<number, (ok: boolean) => void>();
      ws.onmessage = (m) => {
        const f = JSON.parse(String(m.data)) as { kind: string; id?: number; ok?: boolean; result?: { ok?: boolean } };
        if (f.kind === 'response' && f.id !== undefined) waiting.get(f.id)?.(f.ok === true && f.result?.ok === true);
      };
      let ok = 0;
      for (let start = 0; start < count; start += 100) {
        const batch = [];
        for (let i = start; i < Math.min(count, start + 100); i++) {
          batch.push(new Promise<boolean>((resolve) => waiting.set(i + 1, resolve)));
          ws.send(JSON.stringify({ kind: 'request', id: i + 1, method: 'submit', args: [{ type: 'put', key: `bulk${i}`, value: String(i) }, { timeoutMs: 30_000 }] }));
        }
        ok += (await Promise.all(batch)).filter(Boolean).length;
      }
      ws.close();
      return ok;
    }, { count: 900, token: new URL(host.url).searchParams.get('token') ?? '' });
    expect(written).toBe(900);

    const page = await openTokenPage(browser, host);
    try {
      const late = new LabPage(page, 'late-page');
      const reads: { node: number; lo: number; hi: number }[] = [];
      page.on('websocket', (ws) => ws.on('framesent', (f) => {
        const frame = JSON.parse(String(f.payload)) as { method?: string; args?: number[] };
        if (frame.method === 'readLog' && frame.args) reads.push({ node: frame.args[0] ?? 0, lo: frame.args[1] ?? 0, hi: frame.args[2] ?? 0 });
      }));
      await page.goto('/');
      await expect.poll(async () => Math.min(...(await late.logs()).map((l) => l.last)), { timeout: 60_000 }).toBeGreaterThan(900);
      const table = page.getByTestId('log-table');
      await expect(table.locator('.cell', { hasText: 'put bulk899 = 899' })).toHaveCount(3);
      await expect(table.locator('.cell.unknown')).toHaveCount(0);
      // At the tail only the chunk in view was read: nothing of the first 500 entries.
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.filter((r) => r.lo < 500)).toEqual([]);
      expect(reads.every((r) => r.hi - r.lo <= 500)).toBe(true);
      await late.shot('long-log-tail');

      // Going to index 10 reads the start of the log, and those rows are known too.
      await page.getByLabel('Go to log index').fill('10');
      await page.getByLabel('Go to log index').dispatchEvent('change');
      await expect(table.locator('.row', { hasText: 'put k3 = v3' })).toBeVisible();
      await expect(table.locator('.cell', { hasText: 'put k3 = v3' })).toHaveCount(3);
      await expect(table.locator('.cell.unknown')).toHaveCount(0);
      expect(reads.some((r) => r.lo === 1)).toBe(true);
      await late.shot('long-log-scrolled');
      expect(late.errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
