/**
 * The browser host's boundary: it serves only its own files, accepts WebSocket connections only
 * from its own origin, and answers every request frame, validating it with the lab schemas
 * before the real lab controller sees it. (No cluster is started here; the e2e specs do that.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LabController } from '../../electron/lab/controller';
import { WorkerHost } from '../../electron/host/worker-host';
import { startWebHost, type WebHost } from '../../electron/web/web-host';
import { contentSecurityPolicy } from '../../electron/main/content-policy';
import type { LabResponseFrame } from '../../shared/protocol/lab-wire';

let dir: string;
let host: WebHost;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'raft-lab-web-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>lab</title>');
  await writeFile(join(tmpdir(), 'raft-lab-web-secret.txt'), 'not for the web');
  host = await startWebHost({ lab: new LabController({ host: new WorkerHost() }), staticDir: dir, port: 0 });
});
afterAll(async () => {
  await host?.close();
  await rm(dir, { recursive: true, force: true });
});

function connect(origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://localhost:${host.port}/lab`, origin ? { origin } : {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function ask(ws: WebSocket, frame: unknown): Promise<LabResponseFrame> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse(String(data)) as LabResponseFrame));
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  });
}

describe('browser host', () => {
  it('serves the renderer with a CSP and refuses paths outside its folder', async () => {
    const page = await fetch(host.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
    const escape = await fetch(`${host.url}..%2fraft-lab-web-secret.txt`);
    expect([403, 404]).toContain(escape.status);
    expect(await escape.text()).not.toContain('not for the web');
  });

  it('refuses a WebSocket from another origin', async () => {
    await expect(connect('http://evil.localhost.test')).rejects.toThrow(/403/);
  });

  it('rejects malformed requests with an error naming what was wrong', async () => {
    const ws = await connect(`http://localhost:${host.port}`);
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
    } finally {
      ws.close();
    }
  });

  it('passes valid requests to the lab and reports its refusal as failed', async () => {
    const ws = await connect();
    try {
      const r = await ask(ws, { kind: 'request', id: 7, method: 'crashNode', args: [3] });
      // No cluster exists: the controller itself refuses, after validation let it through.
      expect(r).toMatchObject({ id: 7, ok: false, error: { code: 'failed' } });
    } finally {
      ws.close();
    }
  });
});
