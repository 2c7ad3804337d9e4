/**
 * Start the browser host as a user would (`node --import tsx electron/web/server.ts`) in a child
 * process on a free port, and stop it (SIGTERM: it stops every node cleanly). Expects the
 * renderer already built into out/web (`npm run build:web`; `npm run test:e2e` does it).
 *
 * Pages are opened as a user does: on the printed address, which carries the access token; the
 * page keeps it for its tab, so a spec's later `page.goto('/')` stays connected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { LabPage } from './lab-page';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface WebHostProcess {
  /** The printed address: the page with this start's access token. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`, without the token (a page's baseURL). */
  readonly origin: string;
  /** Everything the host printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function startWebHostProcess(): Promise<WebHostProcess> {
  if (!existsSync(`${ROOT}/out/web/index.html`)) {
    throw new Error('out/web/index.html is missing: run `npm run build:web` first (npm run test:e2e does)');
  }
  // Folders a page names go in a scratch data root, removed with the host.
  const dataRoot = await mkdtemp(join(tmpdir(), 'raft-lab-e2e-data-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'electron/web/server.ts', '--port', '0', '--data-root', dataRoot], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web host did not start within 60 s:\n${out}`)), 60_000);
    const check = () => {
      const m = /web host: (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web host exited with code ${code} before serving:\n${out}`));
    });
  });
  return {
    url,
    origin: new URL(url).origin,
    output: () => out,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => { clearTimeout(force); resolve(); });
        child.kill('SIGTERM');
      });
      await rm(dataRoot, { recursive: true, force: true });
    },
  };
}

/**
 * A new tab on the host, opened on the printed address (so the page keeps the access token), at
 * 1280x800 with the host's origin as baseURL.
 */
export async function openTokenPage(browser: Browser, host: WebHostProcess): Promise<Page> {
  const page = await browser.newPage({ baseURL: host.origin, viewport: { width: 1280, height: 800 } });
  try {
    await page.goto(host.url);
  } catch (e) {
    await page.close();
    throw e;
  }
  return page;
}

/** A browser-host process with one page open on it: what most specs start from. */
export interface HostedPage {
  readonly host: WebHostProcess;
  readonly page: Page;
  readonly lab: LabPage;
  /** Closes the page, then stops the host (and its nodes) even if closing the page failed. */
  close(): Promise<void>;
}

export async function openHostedPage(browser: Browser, shotPrefix: string): Promise<HostedPage> {
  const host = await startWebHostProcess();
  let page: Page;
  try {
    page = await openTokenPage(browser, host);
  } catch (e) {
    await host.stop();
    throw e;
  }
  return {
    host,
    page,
    lab: new LabPage(page, shotPrefix),
    close: async () => {
      try {
        await page.close();
      } finally {
        await host.stop();
      }
    },
  };
}
