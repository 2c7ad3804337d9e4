/**
 * The browser host's boundary, on the real host over real sockets: it serves only its own files
 * (symlinks included) to requests naming this loopback host, answers malformed paths with 400
 * and keeps serving, accepts a WebSocket only with this start's token from its own origin, and
 * answers every request frame, validating it with the lab schemas before the real lab controller
 * sees it. Data folders a page names stay inside the lab's data root.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabController } from '../../electron/lab/controller';
import { WorkerHost } from '../../electron/host/worker-host';
import { startWebHost, type WebHost } from '../../electron/web/web-host';
import { ask, openLabSocket, rawRequest } from './raw-client';

let dir: string;
let staticDir: string;
let dataRoot: string;
let outside: string;
let host: WebHost;
let lab: LabController;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'raft-lab-web-'));
  staticDir = join(dir, 'static');
  dataRoot = join(dir, 'data');
  outside = join(dir, 'outside');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>lab</title>');
  await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'not for the web');
  await symlink(join(dir, 'secret.txt'), join(staticDir, 'leak.txt'));
  await symlink(dir, join(staticDir, 'assets', 'up'));
  lab = new LabController({ host: new WorkerHost(), dataRoot, traceMessages: false });
  host = await startWebHost({ lab, staticDir, port: 0 });
});
afterAll(async () => {
  await lab?.destroyCluster();
  await host?.close();
  await rm(dir, { recursive: true, force: true });
});

const own = (): { token: string; origin: string } => ({ token: host.token, origin: `http://127.0.0.1:${host.port}` });

describe('browser host: HTTP', () => {
  it('serves the renderer with a CSP and refuses paths outside its folder', async () => {
    const page = await rawRequest(host.port, '/');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/content-security-policy: [^\r]*script-src 'self'/i);
    for (const target of ['/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt']) {
      const escape = await rawRequest(host.port, target);
      expect([400, 403, 404], target).toContain(escape.status);
      expect(escape.text).not.toContain('not for the web');
    }
  });

  it('refuses symlinks that lead out of its folder', async () => {
    for (const target of ['/leak.txt', '/assets/up/secret.txt']) {
      const r = await rawRequest(host.port, target);
      expect(r.status, target).toBe(403);
      expect(r.text).not.toContain('not for the web');
    }
    expect((await rawRequest(host.port, '/assets/app.js')).status).toBe(200);
  });

  it('answers malformed percent-encodings with 400 and keeps serving', async () => {
    for (const target of ['/%ZZ', '/%', '/%E0%A4%A', '/assets/%ff', '/%00', '/a%2f%00b', '/%5c..%5csecret.txt']) {
      const r = await rawRequest(host.port, target);
      expect(r.status, target).toBe(400);
    }
    expect((await rawRequest(host.port, '/')).status).toBe(200);
  });

  it('answers only requests whose Host names this loopback host and port (DNS rebinding)', async () => {
    for (const forged of ['evil.test', `evil.test:${host.port}`, `localhost:${host.port + 1}`, `127.0.0.1`, `127.0.0.1:${host.port}.evil.test`, `user@127.0.0.1:${host.port}`]) {
      const r = await rawRequest(host.port, '/', { Host: forged });
      expect(r.status, forged).toBe(403);
      expect(r.text).not.toContain('<title>lab</title>');
    }
    for (const good of [`localhost:${host.port}`, `127.0.0.1:${host.port}`, `LocalHost:${host.port}`]) {
      expect((await rawRequest(host.port, '/', { Host: good })).status, good).toBe(200);
    }
  });

  it('prints an address that carries a token new at each start', async () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const other = await startWebHost({ lab, staticDir, port: 0 });
    try {
      expect(other.token).not.toBe(host.token);
      // One host's token opens nothing on the other.
      await expect(openLabSocket(other.port, { token: host.token, origin: `http://127.0.0.1:${other.port}` })).rejects.toThrow(/HTTP 403/);
    } finally {
      await other.close();
    }
  });
});

describe('browser host: WebSocket', () => {
  it('refuses a WebSocket without the token or with a wrong one', async () => {
    const { origin } = own();
    await expect(openLabSocket(host.port, { origin })).rejects.toThrow(/HTTP 403/);
    await expect(openLabSocket(host.port, { origin, token: '' })).rejects.toThrow(/HTTP 403/);
    // One character different (a fixed 'A' would be the token itself when it ends in 'A').
    const wrongLast = host.token.endsWith('A') ? 'B' : 'A';
    await expect(openLabSocket(host.port, { origin, token: `${host.token.slice(0, -1)}${wrongLast}` })).rejects.toThrow(/HTTP 403/);
    await expect(openLabSocket(host.port, { origin, token: host.token.slice(1) })).rejects.toThrow(/HTTP 403/);
  });

  it('refuses a WebSocket with no Origin or one differing in scheme, host or port', async () => {
    const { token } = own();
    const p = host.port;
    await expect(openLabSocket(p, { token })).rejects.toThrow(/HTTP 403/);
    for (const origin of [`https://127.0.0.1:${p}`, `ws://127.0.0.1:${p}`, `http://127.0.0.1:${p + 1}`, 'http://127.0.0.1', `http://evil.test:${p}`, 'http://evil.localhost.test', 'null', `http://127.0.0.1:${p}/x`]) {
      await expect(openLabSocket(p, { token, origin }), origin).rejects.toThrow(/HTTP 403/);
    }
  });

  it('refuses a WebSocket whose Host is forged, even with a matching Origin', async () => {
    const { token } = own();
    for (const forged of [`evil.test:${host.port}`, `localhost:${host.port + 1}`]) {
      await expect(openLabSocket(host.port, { token, origin: `http://${forged}`, host: forged }), forged).rejects.toThrow(/HTTP 403/);
    }
  });

  it('accepts its own page on either loopback name', async () => {
    const { token } = own();
    for (const name of ['127.0.0.1', 'localhost'] as const) {
      const ws = await openLabSocket(host.port, { token, origin: `http://${name}:${host.port}`, hostName: name });
      ws.close();
    }
  });

  it('rejects malformed requests with an error naming what was wrong', async () => {
    const ws = await openLabSocket(host.port, own());
    try {
      const notJson = await ask(ws, '{oops');
      expect(notJson).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      expect(notJson.ok === false && notJson.error.message).toMatch(/JSON/);

      const unknown = await ask(ws, { kind: 'request', id: 1, method: 'formatDisk', args: [] });
      expect(unknown).toMatchObject({ id: 1, ok: false, error: { code: 'bad-request' } });
      expect(unknown.ok === false && unknown.error.message).toMatch(/unknown lab method "formatDisk"/);

      const tooBig = await ask(ws, { kind: 'request', id: 2, method: 'createCluster', args: [{ nodes: 40 }] });
      expect(tooBig).toMatchObject({ id: 2, ok: false, error: { code: 'bad-request' } });
      expect(tooBig.ok === false && tooBig.error.message).toMatch(/createCluster: args\[0\]\.nodes/);

      const noId = await ask(ws, { kind: 'request', method: 'snapshot', args: [] });
      expect(noId).toMatchObject({ ok: false, error: { code: 'bad-request' } });

      const binary = await ask(ws, Buffer.from([0, 1, 2, 255]));
      expect(binary).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    } finally {
      ws.close();
    }
  });

  it('passes valid requests to the lab and reports its refusal as failed', async () => {
    const ws = await openLabSocket(host.port, own());
    try {
      const r = await ask(ws, { kind: 'request', id: 7, method: 'crashNode', args: [3] });
      // No cluster exists: the controller itself refuses, after validation let it through.
      expect(r).toMatchObject({ id: 7, ok: false, error: { code: 'failed' } });
    } finally {
      ws.close();
    }
  });
});

describe('browser host: data folders', () => {
  const options = { nodes: 1, tickMs: 10, heartbeatTicks: 2, electionTicks: 15, preVote: true, checkQuorum: true, snapshotEvery: 0, seed: 1 };

  it('refuses a data folder outside the lab data root, creating nothing', async () => {
    await mkdir(dataRoot, { recursive: true });
    await symlink(outside, join(dataRoot, 'link'));
    const ws = await openLabSocket(host.port, own());
    try {
      const cases: [string, string][] = [
        [join(dir, 'anywhere'), join(dir, 'anywhere')],
        ['../escaped', join(dir, 'escaped')],
        ['a/../../escaped2', join(dir, 'escaped2')],
        ['link/inside', join(outside, 'inside')],
        ['.', dataRoot],
      ];
      for (const [i, [dataDir, wouldBe]] of cases.entries()) {
        const r = await ask(ws, { kind: 'request', id: 10 + i, method: 'createCluster', args: [{ ...options, dataDir }] });
        expect(r, dataDir).toMatchObject({ ok: false, error: { code: 'failed' } });
        expect(r.ok === false && r.error.message, dataDir).toMatch(/data root/);
        if (wouldBe !== dataRoot) expect(existsSync(wouldBe), wouldBe).toBe(false);
      }
    } finally {
      ws.close();
    }
  });

  it('resolves a folder the page names inside the data root', async () => {
    const ws = await openLabSocket(host.port, own());
    try {
      const r = await ask(ws, { kind: 'request', id: 20, method: 'createCluster', args: [{ ...options, dataDir: 'mine/run1' }] }, 30_000);
      expect(r).toMatchObject({ ok: true, result: { dataDir: join(dataRoot, 'mine', 'run1') } });
      expect(existsSync(join(dataRoot, 'mine', 'run1'))).toBe(true);
      expect((await ask(ws, { kind: 'request', id: 21, method: 'destroyCluster', args: [] }, 30_000)).ok).toBe(true);
    } finally {
      ws.close();
    }
  });
});
