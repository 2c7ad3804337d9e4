/**
 * `npm run web`'s host as a real process (electron/web/server.ts on a free port): hostile HTTP
 * paths, refused and garbage WebSocket traffic leave it running and serving. Before, one `GET /%ZZ`
 * threw from the static handler and the process (with its cluster) exited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, openLabSocket, rawRequest } from './raw-client';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let dir: string;
let child: ChildProcess;
let output = '';
let url: URL;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'raft-lab-host-proc-'));
  await mkdir(join(dir, 'static'));
  await writeFile(join(dir, 'static', 'index.html'), '<!doctype html><title>lab</title>');
  child = spawn(process.execPath, ['--import', 'tsx', 'electron/web/server.ts', '--port', '0', '--static', join(dir, 'static'), '--data-root', join(dir, 'data')], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address printed within 30 s:\n${output}`)), 30_000);
    child.stdout?.on('data', () => {
      const m = /web host: (http:\/\/\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(new URL(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before serving:\n${output}`)));
  });
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
  await rm(dir, { recursive: true, force: true });
});

describe('the browser host process', () => {
  it('prints an address on 127.0.0.1 that carries the access token', () => {
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it('keeps running and serving after hostile HTTP and WebSocket input', async () => {
    const port = Number(url.port);
    for (const target of ['/%ZZ', '/%', '/%E0%A4%A', '/assets/%ff']) {
      expect((await rawRequest(port, target)).status, target).toBe(400);
    }
    expect((await rawRequest(port, '/', { Host: `evil.test:${port}` })).status).toBe(403);
    await expect(openLabSocket(port, { token: url.searchParams.get('token') })).rejects.toThrow(/HTTP 403/);
    await expect(openLabSocket(port, { origin: url.origin })).rejects.toThrow(/HTTP 403/);
    const ws = await openLabSocket(port, { token: url.searchParams.get('token'), origin: url.origin });
    try {
      expect(await ask(ws, '\u0000garbage')).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      const r = await ask(ws, { kind: 'request', id: 3, method: 'createCluster', args: [{ nodes: 1, tickMs: 10, heartbeatTicks: 2, electionTicks: 15, preVote: true, checkQuorum: true, snapshotEvery: 0, seed: 1, dataDir: '/tmp/raft-lab-anywhere' }] });
      expect(r).toMatchObject({ ok: false, error: { code: 'failed' } });
    } finally {
      ws.close();
    }
    expect(child.exitCode, output).toBeNull();
    expect((await rawRequest(port, '/')).status).toBe(200);
  });
});
