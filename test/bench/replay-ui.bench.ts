/**
 * Replay in the renderer, in a real browser: a recording of a simulated 3-node run (the real core
 * through the recorder) of about 1,000,000 events (about 100,000 with --quick) is written to a
 * temporary file and opened in the page through the file input; the page reads and replays it in
 * its worker, then jumps to seeded random events.
 *
 * - replay-ui.firstPaintMs.{1m,100k}: from choosing the file to the first frame on screen (the
 *   position shown and one animation frame later). The worker indexes the file in slices and
 *   shows it after the first one, so this no longer includes replaying every event.
 * - replay-ui.indexedMs.{1m,100k}: from choosing the file until the page shows it fully indexed
 *   (every event read, validated, replayed through the core and the invariant checker).
 * - replay-ui.openLongestTaskMs.{1m,100k}: the longest main-thread task from choosing the file
 *   until it is fully indexed (the page must not freeze: the work runs in a worker).
 * - replay-ui.jumpMs.{p50,p99}.{1m,100k}: jump-to-event latency once the file is indexed,
 *   measured in the page, from submitting the jump field to the next animation frame after the
 *   position changed.
 * - replay-ui.jumpWhileIndexingMs.{p50,p99}.{1m,100k}: the same, with the file opened again and
 *   jumps to seeded random events within the part indexed so far, while indexing goes on.
 * - replay-ui.events.{1m,100k}: events in the recording.
 *
 * Skipped (no figures) when chromium is not installed.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { RawNode } from '../../shared/raft/raw-node';
import { recordSimulation } from '../../shared/record/record-sim';
import { encodeRecording } from '../../shared/record/write';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { startWebHostProcess } from '../e2e/web-host-process';
import type { BenchModule, Figure } from './registry';
import { percentile } from './stats';

const WEB_CONFIG = fileURLToPath(new URL('../../electron/web/vite.config.ts', import.meta.url));

export const bench: BenchModule = {
  area: 'replay-ui',
  async run(ctx) {
    if (!existsSync(CHROMIUM_PATH)) {
      ctx.log(`skipped: no chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);
      return [];
    }
    const size = ctx.quick ? '100k' : '1m';
    // ~31.5 events per client operation on this configuration (measured); the run is deterministic.
    const ops = ctx.quick ? 3_200 : 32_000;
    ctx.log(`recording a simulated run of ${ops} operations`);
    const { recording } = recordSimulation({ nodes: 3, seed: 11, ops, clients: 4, maxTimeMs: 1_000_000 }, RawNode);
    const events = recording.records.length;
    const dir = mkdtempSync(join(tmpdir(), 'raft-lab-replay-bench-'));
    const file = join(dir, `run-${size}.jsonl`);
    writeFileSync(file, encodeRecording(recording));
    ctx.log(`${events} events written; building the renderer (out/web)`);
    await build({ configFile: WEB_CONFIG, logLevel: 'error' });
    const host = await startWebHostProcess();
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(host.url);
      await page.evaluate(() => {
        const w = window as unknown as { longest: number };
        w.longest = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.longest = Math.max(w.longest, e.duration);
        }).observe({ type: 'longtask', buffered: false });
      });
      ctx.log('opening the recording in the page');
      const t0 = Date.now();
      await page.getByTestId('replay-file').setInputFiles(file);
      await page.getByTestId('replay-position').filter({ hasText: `0 / ${events}` }).waitFor({ timeout: 10 * 60_000 });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
      const firstPaintMs = Date.now() - t0;
      await page.locator('[data-testid="replay-indexing"][data-state="complete"]').waitFor({ timeout: 10 * 60_000 });
      const indexedMs = Date.now() - t0;
      const longest = await page.evaluate(() => (window as unknown as { longest: number }).longest);

      const jumps = ctx.quick ? 20 : 60;
      let seed = 12345;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
      const latencies: number[] = [];
      ctx.log(`first paint ${firstPaintMs} ms, indexed in ${indexedMs} ms; ${jumps} jumps to seeded random events`);
      /** One jump through the jump field, timed in the page to the next frame after it shows. */
      const jump = (k: number) => page.evaluate(async ({ k, events }) => {
        const field = document.querySelector<HTMLInputElement>('[data-testid="replay-jump"]');
        const pos = document.querySelector('[data-testid="replay-position"]');
        if (!field || !pos) throw new Error('replay bar missing');
        const want = `${k} / ${events}`;
        const start = performance.now();
        const shown = new Promise<void>((resolve) => {
          const obs = new MutationObserver(() => {
            if (pos.textContent === want) { obs.disconnect(); resolve(); }
          });
          obs.observe(pos, { childList: true, characterData: true, subtree: true });
        });
        field.value = String(k);
        field.dispatchEvent(new Event('input'));
        field.form?.requestSubmit();
        await shown;
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        return performance.now() - start;
      }, { k, events });
      for (let i = 0; i < jumps; i++) latencies.push(await jump(1 + (next() % events)));

      // The same file opened again: jumps within the part indexed so far, while indexing goes on.
      const during: number[] = [];
      await page.getByTestId('replay-file').setInputFiles(file);
      await page.getByTestId('replay-position').filter({ hasText: `0 / ${events}` }).waitFor({ timeout: 10 * 60_000 });
      const indexing = page.getByTestId('replay-indexing');
      while (during.length < jumps && (await indexing.getAttribute('data-state')) === 'indexing') {
        const reachable = Number(await indexing.getAttribute('data-indexed'));
        if (reachable < 1) continue;
        during.push(await jump(1 + (next() % reachable)));
      }
      ctx.log(`${during.length} jumps while indexing`);
      const figures: Figure[] = [
        { key: `replay-ui.events.${size}`, value: events, unit: 'events', label: 'events in the opened recording (simulated 3-node run, seed 11)' },
        { key: `replay-ui.firstPaintMs.${size}`, value: firstPaintMs, unit: 'ms', label: 'choose file -> first frame shown (the worker has indexed and validated the first batch)', floor: 2_000, lowerIsBetter: true },
        { key: `replay-ui.indexedMs.${size}`, value: indexedMs, unit: 'ms', label: 'choose file -> every event indexed (read, validate, replay, check) while shown', lowerIsBetter: true },
        { key: `replay-ui.openLongestTaskMs.${size}`, value: longest, unit: 'ms', label: 'longest main-thread task from choosing the file to fully indexed (0: none over 50 ms)', floor: 200, lowerIsBetter: true },
        { key: `replay-ui.jumpMs.p50.${size}`, value: percentile(latencies, 50), unit: 'ms', label: `median jump-to-event latency to the next frame, ${jumps} seeded jumps`, floor: 100, lowerIsBetter: true },
        { key: `replay-ui.jumpMs.p99.${size}`, value: percentile(latencies, 99), unit: 'ms', label: '99th percentile of the same jumps', floor: 250, lowerIsBetter: true },
        { key: `replay-ui.jumpWhileIndexingMs.p50.${size}`, value: percentile(during, 50), unit: 'ms', label: `median jump latency to an indexed event while the rest is indexed, ${during.length} jumps`, floor: 100, lowerIsBetter: true },
        { key: `replay-ui.jumpWhileIndexingMs.p99.${size}`, value: percentile(during, 99), unit: 'ms', label: '99th percentile of the same jumps', floor: 250, lowerIsBetter: true },
      ];
      return figures;
    } finally {
      await browser.close();
      await host.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
