/**
 * Opening a large recording (about 100,000 events, a simulated 3-node run recorded through the
 * real core): the page shows its first frame while the worker is still indexing, says how far
 * it has got, makes a jump beyond that wait visibly, and once indexing reaches 100% the end of
 * the file shows the state the replay computes there. Another file opened meanwhile replaces it
 * cleanly. A file corrupt far into it is shown up to the problem, which is named. Screenshots in test-results/e2e/replay-progress-*.png.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { RawNode } from '../../shared/raft/raw-node';
import { recordSimulation } from '../../shared/record/record-sim';
import { encodeRecording } from '../../shared/record/write';
import { ReplayIndex } from '../../shared/replay/replay-index';
import { openHostedPage, type HostedPage } from './web-host-process';
import type { LabPage } from './lab-page';

test.describe.serial('replay: a large recording is shown while it is indexed', () => {
  let hosted: HostedPage | undefined;
  let page: Page;
  let lab: LabPage;
  let dir: string;
  // ~31.5 events per operation on this configuration: about 100,000 events, some 30 slices.
  const { recording } = recordSimulation({ nodes: 3, seed: 11, ops: 3_200, clients: 4, maxTimeMs: 1_000_000 }, RawNode);
  const total = recording.records.length;
  const text = encodeRecording(recording);
  const indexing = () => page.getByTestId('replay-indexing');

  test.beforeAll(async ({ browser }) => {
    dir = mkdtempSync(join(tmpdir(), 'raft-lab-replay-progress-'));
    writeFileSync(join(dir, 'large.jsonl'), text);
    hosted = await openHostedPage(browser, 'replay-progress');
    ({ page, lab } = hosted);
    await page.goto('/');
  });
  test.afterAll(async () => {
    try {
      await hosted?.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the first frame shows before indexing completes; a jump to the end waits, then shows the final state', async () => {
    expect(total).toBeGreaterThan(90_000);
    await page.getByTestId('replay-file').setInputFiles(join(dir, 'large.jsonl'));
    await expect(page.getByTestId('replay-position')).toHaveText(`0 / ${total}`);
    // The worker made the first frame when only part of the file was indexed.
    await expect(indexing()).not.toHaveAttribute('data-first-paint-indexed', '');
    const atFirstPaint = Number(await indexing().getAttribute('data-first-paint-indexed'));
    expect(atFirstPaint).toBeLessThan(total);
    await lab.shot('first-frame');

    // Ask for the last event at once. Until indexing reaches it, the bar says it waits and the
    // position does not move (read in one go, so the two agree).
    await page.getByTestId('replay-jump').fill(String(total));
    await page.getByTestId('replay-jump').press('Enter');
    const seen = await page.evaluate(() => ({
      state: document.querySelector('[data-testid="replay-indexing"]')?.getAttribute('data-state'),
      waiting: document.querySelector('[data-testid="replay-waiting"]')?.textContent ?? null,
      position: document.querySelector('[data-testid="replay-position"]')?.textContent,
    }));
    if (seen.state !== 'complete') {
      expect(seen.waiting).toContain(`Event ${total.toLocaleString('en-US')} is not indexed yet`);
      expect(seen.position).not.toBe(`${total} / ${total}`);
      await lab.shot('waiting');
    }

    await expect(indexing()).toHaveAttribute('data-state', 'complete', { timeout: 120_000 });
    await expect(page.getByTestId('replay-indexing-text')).toHaveText('Indexed 100%');
    await expect(indexing().getByRole('progressbar')).toHaveAttribute('aria-valuenow', String(total));
    await expect(page.getByTestId('replay-position')).toHaveText(`${total} / ${total}`);
    await expect(page.getByTestId('replay-waiting')).toHaveCount(0);

    // The final state: what replaying the whole recording gives at its last event.
    const last = recording.records[total - 1]!.record;
    if ('node' in last) await expect(page.getByTestId('replay-event')).toContainText(`node ${last.node} #${last.seq}:`);
    const expected = new ReplayIndex(recording, RawNode).nodesAt(total);
    for (const n of expected) {
      const el = page.locator(`[data-testid="cluster-view"] [data-node="${n.id}"]`);
      if (!n.status) continue;
      await expect(el).toHaveAttribute('data-role', n.status.role);
      await expect(el).toHaveAttribute('data-term', String(n.status.term));
      await expect(el).toHaveAttribute('data-commit', String(n.status.commit));
    }
    await lab.shot('indexed');

    // Scrubbing back and forth over the whole file works once it is indexed.
    await page.getByTestId('replay-scrub').fill(String(Math.floor(total / 2)));
    await expect(page.getByTestId('replay-position')).toHaveText(`${Math.floor(total / 2)} / ${total}`);
    await page.getByTestId('replay-last').click();
    await expect(page.getByTestId('replay-position')).toHaveText(`${total} / ${total}`);
    expect(lab.errors).toEqual([]);
  });

  test('another file opened while one is being indexed replaces it: only the new one is shown and indexed', async () => {
    const small = recordSimulation({ nodes: 3, seed: 12, ops: 60, clients: 2, maxTimeMs: 1_000_000 }, RawNode).recording;
    const smallTotal = small.records.length;
    writeFileSync(join(dir, 'small.jsonl'), encodeRecording(small));
    await page.getByTestId('replay-file').setInputFiles(join(dir, 'large.jsonl'));
    await expect(page.getByTestId('replay-position')).toHaveText(`0 / ${total}`);
    await page.getByTestId('replay-file').setInputFiles(join(dir, 'small.jsonl'));
    await expect(page.getByTestId('replay-bar').locator('.file')).toHaveText('small.jsonl');
    await expect(indexing()).toHaveAttribute('data-state', 'complete');
    await page.getByTestId('replay-last').click();
    await expect(page.getByTestId('replay-position')).toHaveText(`${smallTotal} / ${smallTotal}`);
    // The large file's indexing (abandoned) reports nothing more: the bar still counts the small one.
    await expect(indexing()).toHaveAttribute('data-indexed', String(smallTotal));
    await expect(indexing().getByRole('progressbar')).toHaveAttribute('aria-valuemax', String(smallTotal));
    const last = small.records[smallTotal - 1]!.record;
    if ('node' in last) await expect(page.getByTestId('replay-event')).toContainText(`node ${last.node} #${last.seq}:`);
    expect(lab.errors).toEqual([]);
  });

  test('a line corrupt far into the file: shown up to it, the line named, later events refused', async () => {
    const lines = text.split('\n');
    const bad = Math.floor(lines.length * 0.9);
    lines[bad - 1] = '{"kind":"input",';
    writeFileSync(join(dir, 'late-corrupt.jsonl'), lines.join('\n'));
    await page.getByTestId('replay-file').setInputFiles(join(dir, 'late-corrupt.jsonl'));
    await expect(page.getByTestId('replay-bar').locator('.file')).toHaveText('late-corrupt.jsonl');
    await expect(indexing()).toHaveAttribute('data-state', 'failed', { timeout: 120_000 });
    await expect(page.getByTestId('replay-indexing-text')).toContainText(`line ${bad}: not valid JSON`);
    // Line `bad` holds event bad - 1: everything before it can be shown, nothing after.
    const indexed = Number(await indexing().getAttribute('data-indexed'));
    expect(indexed).toBe(bad - 2);
    expect(indexed).toBeGreaterThan(0);
    await page.getByTestId('replay-jump').fill(String(indexed));
    await page.getByTestId('replay-jump').press('Enter');
    await expect(page.getByTestId('replay-position')).toHaveText(`${indexed} / ${total}`);
    await page.getByTestId('replay-last').click();
    await expect(page.getByTestId('replay-error')).toContainText(`event ${total} cannot be shown: indexing stopped at event ${indexed}`);
    await expect(page.getByTestId('replay-position')).toHaveText(`${indexed} / ${total}`);
    await lab.shot('late-corrupt');
  });
});
