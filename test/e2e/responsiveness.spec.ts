/**
 * Seven nodes under constant client load, in the browser at 1280x800: the screen keeps drawing
 * and the load keeps committing. The frame times are written to test-results/e2e/frame-time.json
 * and are judged in `npm run bench` (renderer.bench.ts), not here: speed targets do not belong
 * in pass/fail tests on a shared machine.
 */
import { writeFileSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import { openHostedPage, type HostedPage } from './web-host-process';
import { SHOT_DIR, type LabPage } from './lab-page';
import { measureFrames } from './frame-time';

test.describe.serial('browser host: 7 nodes under constant client load', () => {
  let hosted: HostedPage | undefined;
  let page: Page;
  let lab: LabPage;

  test.beforeAll(async ({ browser }) => {
    hosted = await openHostedPage(browser, 'load');
    ({ page, lab } = hosted);
  });
  test.afterAll(async () => {
    await hosted?.close();
  });

  test('the screen keeps drawing while the load commits', async () => {
    await page.goto('/');
    await lab.createCluster({ nodes: 7 });
    await lab.waitForOneLeader(7);
    await lab.tab('Client');
    await page.getByRole('spinbutton', { name: 'Writes per second' }).fill('50');
    await page.getByTestId('load-start').click();
    const commitOf = async () => Math.max(...(await lab.logs()).map((l) => l.commit));
    await expect.poll(commitOf, { message: 'the load commits' }).toBeGreaterThan(20);
    const before = await commitOf();

    const stats = await measureFrames(page, 6_000);
    const after = await commitOf();
    await lab.shot('01-seven-nodes-under-load');
    await page.getByTestId('load-stop').click();
    writeFileSync(`${SHOT_DIR}/frame-time.json`, `${JSON.stringify({ nodes: 7, writesPerSec: 50, commitsDuring: after - before, ...stats }, null, 2)}\n`);
    test.info().annotations.push({ type: 'frame time', description: `p50 ${stats.p50Ms.toFixed(1)} ms, p95 ${stats.p95Ms.toFixed(1)} ms, max ${stats.maxMs.toFixed(0)} ms over ${stats.frames} frames` });

    expect(after, 'writes kept committing while we measured').toBeGreaterThan(before);
    expect(stats.frames, 'the page kept producing frames').toBeGreaterThan(0);
    // The page still answers input: the inspector opens for a clicked node.
    await lab.selectNode(1);
    expect(lab.errors).toEqual([]);
  });
});
