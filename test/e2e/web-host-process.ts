/**
 * Start the browser host as a user would (`node --import tsx electron/web/server.ts`) in a child
 * process on a free port, and stop it (SIGTERM: it stops every node cleanly). Expects the
 * renderer already built into out/web (`npm run build:web`; `npm run test:e2e` does it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { LabPage } from './lab-page';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface WebHostProcess {
  readonly url: string;
  /** Everything the host printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function startWebHostProcess(): Promise<WebHostProcess> {
  if (!existsSync(`${ROOT}/out/web/index.html`)) {
    throw new Error('out/web/index.html is missing: run `npm run build:web` first (npm run test:e2e does)');
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'electron/web/server.ts', '--port', '0'], {
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
    output: () => out,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => { clearTimeout(force); resolve(); });
      child.kill('SIGTERM');
    }),
  };
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
    page = await browser.newPage({ baseURL: host.url, viewport: { width: 1280, height: 800 } });
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
