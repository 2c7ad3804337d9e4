/**
 * The browser host's export downloads (`GET /exports/<id>`), on the real host over real sockets:
 * the file exportRun left in the lab's export store is streamed to the page's download with its
 * name and type, once; it is refused to another Host, another site, an unknown or malformed id,
 * and to anything but GET/HEAD, and nothing it receives takes the host down.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabController } from '../../electron/lab/controller';
import { WorkerHost } from '../../electron/host/worker-host';
import { contentDisposition } from '../../electron/web/export-downloads';
import { startWebHost, type WebHost } from '../../electron/web/web-host';
import { exportDownloadPath } from '../../shared/protocol/export-save';
import type { ExportedFile } from '../../shared/protocol/lab';
import { rawRequest } from './raw-client';

let dir: string;
let host: WebHost;
let lab: LabController;
const content = randomBytes(3 * 1024 * 1024 + 17);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'raft-lab-web-exports-'));
  const staticDir = join(dir, 'static');
  await mkdir(staticDir);
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>lab</title>');
  lab = new LabController({ host: new WorkerHost(), exportsRoot: dir, traceMessages: false });
  host = await startWebHost({ lab, exports: lab.exports, staticDir, port: 0 });
});
afterAll(async () => {
  await host?.close();
  await lab?.exports.close();
  await rm(dir, { recursive: true, force: true });
});

/** An export as exportRun leaves one: a file in the lab's store. */
function keep(fileName: string, bytes: Buffer = content): Promise<ExportedFile> {
  return lab.exports.add(fileName, 'application/x-tar', (path) => writeFile(path, bytes, { flag: 'wx' }));
}

const url = (file: ExportedFile | string): string => `http://127.0.0.1:${host.port}${exportDownloadPath(typeof file === 'string' ? file : file.id)}`;

describe('browser host: export downloads', () => {
  it('streams the file with its name, type and size, once, then deletes it', async () => {
    const file = await keep('recording-1700000000000.tar');
    const kept = lab.exports.get(file.id)!;
    const head = await fetch(url(file), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(content.length));
    const r = await fetch(url(file), { headers: { 'Sec-Fetch-Site': 'same-origin' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-tar');
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="recording-1700000000000.tar"; filename*=UTF-8''recording-1700000000000.tar`);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await r.arrayBuffer()).equals(content)).toBe(true);
    await expect.poll(() => lab.exports.get(file.id)).toBeNull();
    expect(await readdir(join(kept.path, '..'))).not.toContain(kept.path.split('/').pop());
    expect((await fetch(url(file))).status).toBe(404);
  });

  it('refuses another Host, another site, a foreign Origin, unknown or malformed ids and other methods', async () => {
    const file = await keep('kept.tar', Buffer.from('kept'));
    const target = exportDownloadPath(file.id);
    expect((await rawRequest(host.port, target, { Host: `evil.test:${host.port}` })).status).toBe(403);
    expect((await rawRequest(host.port, target, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await rawRequest(host.port, target, { 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    expect((await rawRequest(host.port, target, { Origin: 'http://evil.test' })).status).toBe(403);
    expect((await rawRequest(host.port, target, { Origin: `http://127.0.0.1:${host.port + 1}` })).status).toBe(403);
    expect((await fetch(url(file), { method: 'POST' })).status).toBe(405);
    const unknown = randomBytes(32).toString('base64url');
    for (const id of [unknown, 'short', `${file.id}x`, `${file.id.slice(0, -1)}=`, '../static/index.html']) {
      const r = await rawRequest(host.port, exportDownloadPath(id));
      expect([400, 404], id).toContain(r.status);
      expect(r.text).not.toContain('kept');
    }
    // Still there for the page's own download, and the host still serves.
    const own = await rawRequest(host.port, target, { 'Sec-Fetch-Site': 'same-origin', Origin: `http://127.0.0.1:${host.port}` });
    expect(own.status).toBe(200);
    expect(own.text.endsWith('kept')).toBe(true);
    expect((await rawRequest(host.port, '/')).status).toBe(200);
  });

  it('names files safely for every client', () => {
    expect(contentDisposition('a "b"\\c.tar')).toBe(`attachment; filename="a _b__c.tar"; filename*=UTF-8''a%20%22b%22%5Cc.tar`);
    expect(contentDisposition('选举.tar')).toBe(`attachment; filename="__.tar"; filename*=UTF-8''%E9%80%89%E4%B8%BE.tar`);
  });
});
