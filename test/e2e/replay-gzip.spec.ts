/**
 * Gzip recordings on the replay page (the lab stores its recordings as recording-<ms>.jsonl.gz):
 * a gzip file opens like its text, whatever its name (the first bytes tell), across several
 * slices of decompressed text; damaged or cut-short compressed data is an error naming the last
 * complete line, and the recording already open stays. Screenshots in test-results/e2e/replay-gzip-*.png.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test, expect, type Page } from '@playwright/test';
import { RawNode } from '../../shared/raft/raw-node';
import { recordSimulation } from '../../shared/record/record-sim';
import { encodeRecording } from '../../shared/record/write';
import { ReplayIndex } from '../../shared/replay/replay-index';
import { openHostedPage, type HostedPage } from './web-host-process';
import type { LabPage } from './lab-page';

test.describe.serial('replay: gzip recordings', () => {
  let hosted: HostedPage | undefined;
  let page: Page;
  let lab: LabPage;
  let dir: string;
  // About 30,000 events: some 10 MB of text, several of the worker's 4 MB slices once decompressed.
  const { recording } = recordSimulation({ nodes: 3, seed: 21, ops: 1_000, clients: 3, maxTimeMs: 1_000_000 }, RawNode);
  const total = recording.records.length;
  const text = encodeRecording(recording);
  const gz = gzipSync(text);
  const indexing = () => page.getByTestId('replay-indexing');

  test.beforeAll(async ({ browser }) => {
    dir = mkdtempSync(join(tmpdir(), 'raft-lab-replay-gzip-'));
    writeFileSync(join(dir, 'run.jsonl.gz'), gz);
    hosted = await openHostedPage(browser, 'replay-gzip');
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

  test('a gzip recording opens, indexes to the end and shows the state the replay computes there', async () => {
    expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
    await page.getByTestId('replay-file').setInputFiles(join(dir, 'run.jsonl.gz'));
    await expect(page.getByTestId('replay-badge')).toHaveText('REPLAY');
    await expect(page.getByTestId('replay-position')).toHaveText(`0 / ${total}`);
    await expect(page.getByTestId('replay-bar').locator('.file')).toHaveText('run.jsonl.gz');
    await expect(indexing()).toHaveAttribute('data-state', 'complete', { timeout: 120_000 });
    await page.getByTestId('replay-last').click();
    await expect(page.getByTestId('replay-position')).toHaveText(`${total} / ${total}`);
    const last = recording.records[total - 1]!.record;
    if ('node' in last) await expect(page.getByTestId('replay-event')).toContainText(`node ${last.node} #${last.seq}:`);
    for (const n of new ReplayIndex(recording, RawNode).nodesAt(total)) {
      if (!n.status) continue;
      const el = page.locator(`[data-testid="cluster-view"] [data-node="${n.id}"]`);
      await expect(el).toHaveAttribute('data-role', n.status.role);
      await expect(el).toHaveAttribute('data-term', String(n.status.term));
      await expect(el).toHaveAttribute('data-commit', String(n.status.commit));
    }
    await lab.shot('opened');
    expect(lab.errors).toEqual([]);
  });

  test('the container is told by its bytes: gzip named .jsonl opens too', async () => {
    const small = recordSimulation({ nodes: 3, seed: 22, ops: 30, clients: 2, maxTimeMs: 1_000_000 }, RawNode).recording;
    writeFileSync(join(dir, 'named-plain.jsonl'), gzipSync(encodeRecording(small)));
    await page.getByTestId('replay-file').setInputFiles(join(dir, 'named-plain.jsonl'));
    await expect(page.getByTestId('replay-bar').locator('.file')).toHaveText('named-plain.jsonl');
    await expect(page.getByTestId('replay-position')).toHaveText(`0 / ${small.records.length}`);
    await expect(indexing()).toHaveAttribute('data-state', 'complete');
    expect(lab.errors).toEqual([]);
  });

  test('cut short or damaged: an error naming the last complete line; the open recording stays', async () => {
    const shown = await page.getByTestId('replay-position').textContent();
    writeFileSync(join(dir, 'cut.jsonl.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
    await page.getByTestId('replay-file').setInputFiles(join(dir, 'cut.jsonl.gz'));
    await expect(page.getByTestId('replay-error')).toContainText(/cut\.jsonl\.gz: line \d+: the gzip data is damaged or cut short after line \d+ \(offset \d+ of the decompressed text\)/);
    await expect(page.getByTestId('replay-position')).toHaveText(shown ?? '');
    await lab.shot('cut');

    const flipped = Buffer.from(gz);
    flipped[Math.floor(gz.length / 3)]! ^= 0x20;
    writeFileSync(join(dir, 'flipped.jsonl.gz'), flipped);
    await page.getByTestId('replay-file').setInputFiles(join(dir, 'flipped.jsonl.gz'));
    // Undecodable data, a wrong checksum, or decoded garbage that is no record: each names a line.
    await expect(page.getByTestId('replay-error')).toContainText(/flipped\.jsonl\.gz: line \d+: /);
    await expect(page.getByTestId('replay-position')).toHaveText(shown ?? '');
    await expect(page.getByTestId('replay-badge')).toBeVisible();
  });
});
