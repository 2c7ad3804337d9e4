/**
 * The renderer under load, in a real browser: the browser host with 7 worker-thread nodes, the
 * page in Debian's chromium at 1280x800, a constant client load of 50 writes/s started from the
 * Client tab, then requestAnimationFrame intervals measured for 6 s (3 s with --quick). Measured
 * at the watch pace (the default: every message drawn travelling along its link) and again at
 * real pace, each in a cluster of its own.
 *
 * - renderer.frameMs.{p50,p95,max}.n7load[.watch]: frame intervals (16.7 ms = 60 fps). Floor p95 <= 33 ms.
 * - renderer.longTasks.n7load[.watch]: main-thread tasks over 50 ms during the window.
 * - renderer.commitsPerSec.n7load[.watch]: commits the page showed during the window (the load is real).
 *
 * The end-to-end spec test/e2e/responsiveness.spec.ts runs the same measurement and records it in
 * test-results/e2e/frame-time.json. Skipped (no figures) when chromium is not installed.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { measureFrames } from '../e2e/frame-time';
import { startWebHostProcess } from '../e2e/web-host-process';
import type { BenchModule, Figure } from './registry';

const WEB_CONFIG = fileURLToPath(new URL('../../electron/web/vite.config.ts', import.meta.url));

export const bench: BenchModule = {
  area: 'renderer',
  async run(ctx) {
    if (!existsSync(CHROMIUM_PATH)) {
      ctx.log(`skipped: no chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);
      return [];
    }
    ctx.log('building the renderer (out/web)');
    await build({ configFile: WEB_CONFIG, logLevel: 'error' });
    const figures: Figure[] = [];
    for (const pace of ['watch', 'real'] as const) figures.push(...(await measureAt(pace, ctx.quick, ctx.log)));
    return figures;
  },
};

/** One cluster at `pace`, loaded and measured; keys end in `.watch` for the watch pace. */
async function measureAt(pace: 'watch' | 'real', quick: boolean, log: (line: string) => void): Promise<Figure[]> {
  const host = await startWebHostProcess();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(host.url);
    const form = page.getByRole('form', { name: 'Create cluster' });
    await form.getByRole('radio', { name: '7', exact: true }).check();
    await form.getByTestId(`create-pace-${pace}`).check();
    await form.getByTestId('create-cluster').click();
    log(`${pace} pace: waiting for 7 nodes and a leader`);
    await page.locator('[data-testid="cluster-view"] [data-role="leader"][data-life="running"]').first().waitFor({ timeout: 120_000 });
    await page.getByRole('tab', { name: 'Client' }).click();
    await page.getByRole('spinbutton', { name: 'Writes per second' }).fill('50');
    await page.getByTestId('load-start').click();
    const maxCommit = () => page.locator('[data-testid^="log-head-"]').evaluateAll((els) => Math.max(0, ...els.map((e) => Number(e.getAttribute('data-commit')))));
    const warmUntil = Date.now() + 60_000;
    while ((await maxCommit()) < 20 && Date.now() < warmUntil) await page.waitForTimeout(250);
    const c0 = await maxCommit();
    const windowMs = quick ? 3_000 : 6_000;
    log(`${pace} pace: measuring frames for ${windowMs / 1000} s under load`);
    const stats = await measureFrames(page, windowMs);
    const c1 = await maxCommit();
    await page.getByTestId('load-stop').click();
    const k = pace === 'watch' ? '.watch' : '';
    const at = pace === 'watch' ? 'watch pace (0.2x, every message drawn on its link)' : 'real pace';
    return [
      { key: `renderer.frameMs.p50.n7load${k}`, value: stats.p50Ms, unit: 'ms', label: `median frame interval, 7 nodes, 50 writes/s, 1280x800, ${at} (chromium, software rendering)`, floor: 17, lowerIsBetter: true },
      { key: `renderer.frameMs.p95.n7load${k}`, value: stats.p95Ms, unit: 'ms', label: `95th percentile frame interval, same run`, floor: 33, lowerIsBetter: true },
      { key: `renderer.frameMs.max.n7load${k}`, value: stats.maxMs, unit: 'ms', label: 'longest frame interval, same run' },
      { key: `renderer.longTasks.n7load${k}`, value: stats.longTasks, unit: 'tasks', label: `main-thread tasks over 50 ms during the ${windowMs / 1000} s window (longest ${stats.longestTaskMs.toFixed(0)} ms)` },
      { key: `renderer.commitsPerSec.n7load${k}`, value: ((c1 - c0) * 1000) / stats.durationMs, unit: 'commits/s', label: `commits the page showed during the window, ${at}` },
    ];
  } finally {
    await browser.close();
    await host.stop();
  }
}
