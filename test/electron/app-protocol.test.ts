// The app scheme serves the built renderer and nothing else, always with the CSP header.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ORIGIN, resolveAppFile, serveAppRequest } from '../../electron/main/app-protocol';
import { contentSecurityPolicy } from '../../electron/main/content-policy';

let dir: string;
let rendererDir: string;
const csp = contentSecurityPolicy();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'raft-lab-protocol-'));
  rendererDir = join(dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>lab</title>');
  writeFileSync(join(rendererDir, 'assets', 'index-abc.js'), 'console.log(1)');
  // A file beside the renderer folder that must never be reachable from the page.
  writeFileSync(join(dir, 'secret.txt'), 'not for the page');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('app scheme', () => {
  it('serves index.html for the root and files inside the renderer folder, with CSP and type', async () => {
    const root = await serveAppRequest(rendererDir, `${APP_ORIGIN}/`, csp);
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('<title>lab</title>');
    expect(root.headers.get('content-type')).toMatch(/^text\/html/);
    expect(root.headers.get('content-security-policy')).toBe(csp);

    const script = await serveAppRequest(rendererDir, `${APP_ORIGIN}/assets/index-abc.js`, csp);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toBe('console.log(1)');
  });

  it('refuses paths that escape the renderer folder, however they are spelled', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%5csecret.txt']) {
      const response = await serveAppRequest(rendererDir, `${APP_ORIGIN}${path}`, csp);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).not.toContain('not for the page');
      // Even refusals carry the policy.
      expect(response.headers.get('content-security-policy')).toBe(csp);
    }
  });

  it('answers 404 for missing files, other hosts, other schemes and malformed escapes', async () => {
    expect((await serveAppRequest(rendererDir, `${APP_ORIGIN}/nope.js`, csp)).status).toBe(404);
    expect((await serveAppRequest(rendererDir, 'raft-lab://other/index.html', csp)).status).toBe(404);
    expect((await serveAppRequest(rendererDir, 'file:///etc/passwd', csp)).status).toBe(404);
    expect((await serveAppRequest(rendererDir, `${APP_ORIGIN}/%E0%A4%A`, csp)).status).toBe(404);
    expect((await serveAppRequest(rendererDir, `${APP_ORIGIN}/index.html%00.js`, csp)).status).toBe(404);
  });

  it('resolves only to files inside the folder', () => {
    expect(resolveAppFile(rendererDir, `${APP_ORIGIN}/assets/index-abc.js`)).toBe(join(rendererDir, 'assets', 'index-abc.js'));
    expect(resolveAppFile(rendererDir, `${APP_ORIGIN}/assets/../index.html`)).toBe(join(rendererDir, 'index.html'));
    expect(resolveAppFile(rendererDir, 'not a url')).toBeNull();
  });
});
