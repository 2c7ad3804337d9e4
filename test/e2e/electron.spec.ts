/**
 * The same user journey as browser.spec.ts, in the Electron app itself (Playwright's Electron
 * support): the built app (`npm run build`, out/) launched with the installed Electron binary,
 * nodes in utility processes, the renderer reaching the lab through the preload.
 * Plus what only the app can show: the page has no Node, the bridge is the only way out,
 * navigation away is refused, a node process killed from outside shows as crashed, and closing
 * the window stops the app and every node. Then the first-election journey of first-election.spec.ts
 * (first-election-journey.ts) in a second app instance.
 *
 * SKIPS, saying why, where no Electron binary is installed (ELECTRON_SKIP_BINARY_DOWNLOAD=1, as
 * on the project's test machines). On Linux without a display, run under `xvfb-run`.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { _electron as electron, expect, test } from '@playwright/test';
import type { ElectronApplication, Page } from '@playwright/test';
import { LAB_METHODS } from '../../shared/protocol/lab-wire';
import { electronExecutable } from '../smoke/electron-executable';
import { LabPage } from './lab-page';
import * as journey from './journey';
import * as firstElection from './first-election-journey';

const projectRoot = resolve(import.meta.dirname, '../..');

const executable = electronExecutable(projectRoot);
const SKIP_REASON =
  'No Electron binary installed (node_modules/electron has no dist and ELECTRON_OVERRIDE_DIST_PATH names none): npm installed ' +
  'electron with ELECTRON_SKIP_BINARY_DOWNLOAD=1 or without network to Electron\'s downloads. ' +
  'The browser spec covers the same journey through the browser host.';

if (executable === null) console.warn(`electron.spec.ts skipped: ${SKIP_REASON}`);

/** Builds the app (out/) and launches it with the installed Electron; resolves with its first window. */
async function buildAndLaunch(): Promise<{ app: ElectronApplication; page: Page }> {
  await promisify(execFile)(process.execPath, [resolve(projectRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: projectRoot, maxBuffer: 32 * 1024 * 1024 });
  const app = await electron.launch({
    executablePath: executable!,
    args: [
      projectRoot,
      // Chromium's OS sandbox cannot start as root (containers, CI); the renderer stays
      // context-isolated with the preload's API only.
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    ],
    cwd: projectRoot,
  });
  const page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
  return { app, page };
}

test.describe.serial('Electron app: a user journey through a 5-node cluster', () => {
  test.skip(executable === null, SKIP_REASON);

  let app: ElectronApplication;
  let page: Page;
  let lab: LabPage;
  const state: journey.JourneyState = { leader: 0 };

  test.beforeAll(async () => {
    test.setTimeout(5 * 60_000);
    ({ app, page } = await buildAndLaunch());
    lab = new LabPage(page, 'electron');
  });
  test.afterAll(async () => {
    await app?.close().catch(() => undefined);
  });

  test('the page is served from the app scheme, with no Node and only the lab bridge', async () => {
    expect(page.url()).toMatch(/^raft-lab:\/\/app\//);
    const seen = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      const bridge = w['raftLab'] as Record<string, unknown> | undefined;
      return {
        require: typeof w['require'],
        process: typeof w['process'],
        bridgeKeys: bridge ? Object.keys(bridge).sort() : null,
      };
    });
    expect(seen.require).toBe('undefined');
    expect(seen.process).toBe('undefined');
    expect(seen.bridgeKeys).toEqual([...LAB_METHODS, 'onEvents', 'onMenuCommand'].sort());
  });

  test('bad input through the bridge is rejected by main, naming the field', async () => {
    const message = await page.evaluate(async () => {
      const bridge = (window as unknown as { raftLab: { setSpeed(s: unknown): Promise<void> } }).raftLab;
      try {
        await bridge.setSpeed('fast');
        return 'accepted';
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    });
    expect(message).toMatch(/setSpeed: args\[0\]/);
  });

  test('navigating away from the app is refused', async () => {
    const before = page.url();
    await page.evaluate(() => { window.location.href = 'https://example.invalid/'; });
    await page.waitForTimeout(1_000);
    expect(page.url()).toBe(before);
  });

  test('create a 5-node cluster and see one leader', async () => {
    await lab.createCluster({ nodes: 5, preVote: false, checkQuorum: false });
    state.leader = (await lab.waitForOneLeader(5)).id;
    await expect(page.getByTestId('leader-fact')).toHaveText(`leader ${state.leader}`);
    await lab.shot('01-one-leader');
  });
  test('pause and step a RequestVote to a chosen node: its vote changes', async () => {
    await journey.stepOneVote(lab, state);
  });
  test('isolate the leader: a new leader in the majority, the old one cannot commit', async () => {
    await journey.isolateLeader(lab, state);
  });
  test('heal: logs converge', async () => {
    await journey.healAndConverge(lab, state);
  });
  test('writes are committed on every node', async () => {
    await journey.writesEverywhere(lab);
  });
  test('crash and restart a node: it catches up', async () => {
    await journey.crashAndCatchUp(lab, state);
  });
  test('File > Export… opens the window\'s export menu', async () => {
    await app.evaluate(({ Menu }) => {
      Menu.getApplicationMenu()?.getMenuItemById('exportRun')?.click();
    });
    const menu = page.getByRole('menu', { name: 'Export format' });
    await expect(menu).toBeVisible();
    await expect(menu.getByRole('menuitem').first()).toBeFocused();
    await lab.shot('06b-export-from-app-menu');
    await page.keyboard.press('Escape');
    await expect(menu).toHaveCount(0);
  });

  test('a node process killed from outside shows as crashed, not as a hang', async () => {
    const pids = await app.evaluate(({ app: electronApp }) =>
      electronApp.getAppMetrics().filter((m) => m.type === 'Utility' && /Raft node/.test(m.serviceName ?? m.name ?? '')).map((m) => m.pid));
    expect(pids.length).toBeGreaterThan(0);
    const before = (await lab.nodes()).filter((n) => n.life === 'crashed').length;
    process.kill(pids[0]!, 'SIGKILL');
    await expect.poll(async () => (await lab.nodes()).filter((n) => n.life === 'crashed').length, { timeout: 30_000 }).toBe(before + 1);
    await lab.shot('07-killed-from-outside');
  });

  test('no console errors during the whole journey', async () => {
    expect(lab.errors).toEqual([]);
  });

  test('closing the window stops every node and quits the app', async () => {
    const pids = await app.evaluate(({ app: electronApp }) =>
      electronApp.getAppMetrics().filter((m) => m.type === 'Utility' && /Raft node/.test(m.serviceName ?? m.name ?? '')).map((m) => m.pid));
    const exited = new Promise<void>((done) => app.process().once('exit', () => done()));
    await page.close();
    await exited;
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(pids.filter(alive)).toEqual([]);
  });
});

test.describe.serial('Electron app: the first election, stepped by hand from a cluster created paused', () => {
  test.skip(executable === null, SKIP_REASON);

  let app: ElectronApplication;
  let lab: LabPage;
  let leader = 0;

  test.beforeAll(async () => {
    test.setTimeout(5 * 60_000);
    const launched = await buildAndLaunch();
    app = launched.app;
    lab = new LabPage(launched.page, 'electron-first-election');
  });
  test.afterAll(async () => {
    await app?.close().catch(() => undefined);
  });

  test('create 5 nodes paused at the watch pace', async () => {
    await firstElection.createPaused(lab);
  });
  test('advance N ticks', async () => {
    await firstElection.advanceTicks(lab);
  });
  test('step the first election by hand until a leader exists', async () => {
    leader = await firstElection.stepFirstElection(lab);
  });
  test('Messages/s falls to zero while paused; real pace one click away', async () => {
    await firstElection.messagesStopWhenPaused(lab);
  });
  test('a write to the isolated old leader is ghosted as overwritten after heal', async () => {
    await firstElection.staleLeaderGhost(lab, leader);
  });
  test('not leader with a hint; a missing key is not found', async () => {
    await firstElection.notLeaderAndNotFound(lab);
  });
  test('the Events tab searches the whole run', async () => {
    await firstElection.searchWholeRun(lab);
  });
  test('Pause pressed during start-up holds', async () => {
    await firstElection.pauseDuringStartUp(lab);
  });
});
