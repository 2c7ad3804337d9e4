// The built renderer under the app's own Content-Security-Policy, in a real Chromium (Debian's;
// the Electron binary is not installed here): served by the app-scheme handler's code over a
// loopback HTTP server, the page starts, renders its first screen and the policy blocks nothing.
// Catches what a strict policy can break: inline styles in Vue's pre-rendered static markup,
// eval, inline scripts, assets from elsewhere.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ORIGIN, serveAppRequest } from '../../electron/main/app-protocol';
import { contentSecurityPolicy, metaContentSecurityPolicy } from '../../electron/main/content-policy';
import { buildApp } from './build-helpers';

const CHROMIUM = process.env['RAFT_LAB_CHROMIUM'] ?? '/usr/bin/chromium';
const csp = contentSecurityPolicy();

let out: string;
let server: Server;
let url: string;
let browser: Browser;

beforeAll(async () => {
  out = await buildApp();
  const rendererDir = join(out, 'renderer');
  server = createServer((req, res) => {
    // The same handler the app scheme uses, fed the path of the HTTP request.
    void serveAppRequest(rendererDir, `${APP_ORIGIN}${req.url ?? '/'}`, csp).then(async (response) => {
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      res.writeHead(response.status, headers);
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (out) rmSync(dirname(out), { recursive: true, force: true });
});

interface PageRun {
  readonly violations: readonly { readonly directive: string; readonly text: string }[];
  readonly errors: readonly string[];
  readonly cspHeader: string | undefined;
}
let run: PageRun | null = null;

/** Loads the page once (both tests read the same run). */
async function loadPage(): Promise<PageRun> {
  if (run) return run;
  const page = await browser.newPage();
  const violations: { directive: string; text: string }[] = [];
  const errors: string[] = [];
  await page.exposeFunction('reportViolation', (directive: string, text: string) => violations.push({ directive, text }));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportViolation(d: string, t: string): void }).reportViolation(
        e.effectiveDirective, `${e.violatedDirective}: ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
    });
    // Stands in for the preload so the page uses the Electron transport and opens no socket;
    // the calls never answer, which the first screen does not need.
    const pending = () => new Promise<never>(() => undefined);
    (window as unknown as { raftLab: unknown }).raftLab = new Proxy({}, {
      get: (_t, key) => (key === 'onEvents' || key === 'onMenuCommand' ? () => () => undefined : pending),
    });
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const response = await page.goto(url);
  // The Vue app mounted and drew something.
  await page.waitForFunction(() => (document.querySelector('#app')?.children.length ?? 0) > 0, undefined, { timeout: 30_000 });
  await page.waitForTimeout(500);
  await page.close();
  run = { violations, errors, cspHeader: response?.headers()['content-security-policy'] };
  return run;
}

function directives(policy: string): Map<string, string> {
  return new Map(policy.split(';').map((d) => d.trim()).filter(Boolean).map((d) => [d.split(/\s+/)[0]!, d]));
}

describe('the built index.html', () => {
  it('carries the same policy as the header, less only what a meta tag cannot carry', () => {
    const html = readFileSync(join(out, 'renderer', 'index.html'), 'utf8');
    const metas = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)"/g)].map((m) => m[1]!.replaceAll('&#39;', "'"));
    expect(metas).toEqual([metaContentSecurityPolicy()]);
    const header = directives(csp);
    const meta = directives(metas[0]!);
    for (const [name, text] of meta) expect(header.get(name), name).toBe(text);
    expect([...header.keys()].filter((name) => !meta.has(name))).toEqual(['frame-ancestors']);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('built renderer under the app CSP', () => {
  it('starts and renders with no blocked script, style, image, font or connection', async () => {
    const { violations, cspHeader } = await loadPage();
    expect(cspHeader).toBe(csp);
    // Eval is the next test's subject.
    expect(violations.filter((v) => !v.text.startsWith('script-src: eval')).map((v) => v.text)).toEqual([]);
  }, 120_000);

  it('never tries to evaluate strings as code', async () => {
    const { violations, errors } = await loadPage();
    expect(violations.map((v) => v.text)).toEqual([]);
    expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
  }, 120_000);
});
