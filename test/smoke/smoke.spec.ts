/**
 * The smoke journey in the built app (smoke.ts builds it first): launch, create a 3-node
 * cluster, one leader, a write answered and committed, the replay log exported and read back.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import type { ElectronApplication } from '@playwright/test';
import { readRecording } from '../../shared/record/read';
import { LabPage } from '../e2e/lab-page';
import { electronExecutable } from './electron-executable';

const projectRoot = resolve(import.meta.dirname, '../..');

test('the installed app runs a cluster, commits a write and exports its recording', async () => {
  const executable = electronExecutable(projectRoot);
  expect(executable, 'an Electron binary (smoke.ts checks this before starting)').not.toBeNull();
  let app: ElectronApplication | undefined;
  try {
    app = await electron.launch({
      executablePath: executable!,
      // Chromium's OS sandbox cannot start as root; the renderer stays context-isolated.
      args: [projectRoot, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      cwd: projectRoot,
    });
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    const lab = new LabPage(page, 'smoke');
    await lab.createCluster({ nodes: 3 });
    const leader = await lab.waitForOneLeader(3);
    await lab.shot('01-leader');
    expect(leader.id).toBeGreaterThan(0);

    const answer = await lab.submit('put', 'smoke', 'ok');
    expect(answer).toMatch(/→ ok/);
    await lab.shot('02-written');

    await page.getByTestId('export-button').click();
    const download = page.waitForEvent('download');
    await page.getByRole('menu', { name: 'Export format' }).getByRole('menuitem', { name: /Replay log/ }).click();
    const file = resolve(projectRoot, 'test-results/smoke/recording.jsonl');
    await (await download).saveAs(file);
    const recording = readRecording(await readFile(file, 'utf8'));
    expect(recording.header.cluster.nodes).toEqual([1, 2, 3]);
    expect(recording.records.length).toBeGreaterThan(0);
    expect(lab.errors).toEqual([]);
  } finally {
    await app?.close().catch(() => undefined);
  }
});
