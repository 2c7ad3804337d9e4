/**
 * Bounded property tests of the browser host's input handling: the HTTP path decoder on its own,
 * then the real host on a loopback port fed random request targets, random JSON and random
 * request frames over its WebSocket, and raw garbage after a WebSocket handshake. Whatever
 * arrives, the host answers (or closes that one connection) and keeps serving.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabController } from '../../electron/lab/controller';
import { WorkerHost } from '../../electron/host/worker-host';
import { decodeRequestPath } from '../../electron/web/request-path';
import { startWebHost, type WebHost } from '../../electron/web/web-host';
import { LAB_METHODS } from '../../shared/protocol/lab-wire';
import { ask, openLabSocket, rawRequest } from './raw-client';

/** Characters that make paths interesting: separators, dots, percent signs, hex digits, NUL. */
const pathChar = fc.constantFrom('/', '\\', '.', '%', '0', '2', '5', 'c', 'e', 'f', 'F', 'Z', 'a', '?', '#', '\u0000', 'é', ' ');
const pathish = fc.oneof(
  fc.array(pathChar, { maxLength: 40 }).map((cs) => `/${cs.join('')}`),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

describe('decodeRequestPath', () => {
  it('never throws, and what it accepts is a plain absolute path with no dot segments', () => {
    fc.assert(fc.property(pathish, (target) => {
      const r = decodeRequestPath(target);
      if (!r.ok) {
        expect(r.status).toBe(400);
        return;
      }
      expect(r.path.startsWith('/')).toBe(true);
      expect(r.path.includes('\u0000') || r.path.includes('\\')).toBe(false);
      expect(r.path.split('/').some((s) => s === '..' || s === '.')).toBe(false);
    }), { numRuns: 3000 });
  });

  it('refuses exactly the targets whose percent-encoding is malformed (among plain segments)', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom('%', 'a', 'E0', 'A4', '2', 'ff', 'zz'), { maxLength: 12 }), (parts) => {
      const target = `/x${parts.join('')}`;
      let malformed = false;
      try {
        decodeURIComponent(target);
      } catch {
        malformed = true;
      }
      const r = decodeRequestPath(target);
      if (malformed) expect(r).toMatchObject({ ok: false, status: 400 });
      else expect(r.ok).toBe(true);
    }), { numRuns: 2000 });
  });

  it('decodes encoded segments back to the segments (query and fragment dropped)', () => {
    const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 })
      .filter((s) => !s.includes('/') && !s.includes('\\') && !s.includes('\u0000') && s !== '.' && s !== '..');
    fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.string({ maxLength: 8 }), (segments, query) => {
      const target = `/${segments.map(encodeURIComponent).join('/')}?${encodeURIComponent(query)}`;
      expect(decodeRequestPath(target)).toEqual({ ok: true, path: `/${segments.join('/')}` });
    }), { numRuns: 1000 });
  });
});

describe('the real host under random input', () => {
  let dir: string;
  let host: WebHost;
  let lab: LabController;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'raft-lab-fuzz-'));
    await mkdir(join(dir, 'static'));
    await writeFile(join(dir, 'static', 'index.html'), '<!doctype html><title>lab</title>');
    await writeFile(join(dir, 'secret.txt'), 'not for the web');
    lab = new LabController({ host: new WorkerHost(), dataRoot: join(dir, 'data') });
    host = await startWebHost({ lab, staticDir: join(dir, 'static'), port: 0 });
  });
  afterAll(async () => {
    await lab?.destroyCluster();
    await host?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function stillServes(): Promise<void> {
    expect((await rawRequest(host.port, '/')).status).toBe(200);
    const ws = await openLabSocket(host.port, { token: host.token, origin: `http://127.0.0.1:${host.port}` });
    try {
      expect(await ask(ws, { kind: 'request', id: 1, method: 'crashNode', args: [1] })).toMatchObject({ id: 1, ok: false, error: { code: 'failed' } });
    } finally {
      ws.close();
    }
  }

  it('answers random request targets with a status and never leaks a file outside its folder', async () => {
    const target = fc.oneof(
      pathish.map((s) => Buffer.from(s.replace(/[\r\n]/g, ''), 'utf8')),
      fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b.filter((x) => x !== 10 && x !== 13))),
    );
    await fc.assert(fc.asyncProperty(target, async (bytes) => {
      const r = await rawRequest(host.port, bytes);
      expect([200, 400, 403, 404, 405]).toContain(r.status);
      expect(r.text).not.toContain('not for the web');
    }), { numRuns: 150 });
    await stillServes();
  });

  it('answers every random text or binary frame with one response and keeps serving', async () => {
    const ws = await openLabSocket(host.port, { token: host.token, origin: `http://127.0.0.1:${host.port}` });
    try {
      const frame = fc.oneof(
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 60 }),
        fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
        fc.record({
          kind: fc.constantFrom('request', 'response', 'events'),
          id: fc.oneof(fc.integer(), fc.double(), fc.string()),
          method: fc.oneof(fc.constantFrom(...LAB_METHODS), fc.string()),
          args: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.jsonValue()),
        }).filter((f) => f.method !== 'createCluster' && f.method !== 'addNode').map((f) => JSON.stringify(f)),
      );
      await fc.assert(fc.asyncProperty(frame, async (f) => {
        const r = await ask(ws, f);
        expect(r.kind).toBe('response');
      }), { numRuns: 300 });
    } finally {
      ws.close();
    }
    await stillServes();
  });

  it('survives raw garbage after a WebSocket handshake', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (garbage) => {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(host.port, '127.0.0.1');
        let upgraded = false;
        const timer = setTimeout(() => socket.destroy(), 300);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          if (upgraded) resolve();
          else reject(new Error('the handshake was refused'));
        });
        socket.on('data', (d: Buffer) => {
          if (upgraded || !d.toString('latin1').startsWith('HTTP/1.1 101')) return;
          upgraded = true;
          socket.write(Buffer.from(garbage));
        });
        socket.write([
          `GET /lab?token=${host.token} HTTP/1.1`, `Host: 127.0.0.1:${host.port}`, `Origin: http://127.0.0.1:${host.port}`,
          'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', '', '',
        ].join('\r\n'));
      });
    }), { numRuns: 60 });
    await stillServes();
  });
});
