/**
 * The browser host's downloads of exports: `GET /exports/<id>` streams the file that
 * `LabApi.exportRun` wrote (electron/lab/export-store.ts) to the page's download, straight from
 * disk, and deletes it once it was sent whole. The page starts it with an `<a download>` link.
 *
 * Who may fetch it: the request has passed the host's Host check (web-host.ts) before it gets
 * here; it must not come from another site (an `Origin` must be this host's own, and the
 * browser's `Sec-Fetch-Site`, when sent, must say same-origin or a typed address); and it must
 * name the export's id, 32 random bytes that only a page holding this start's token can have
 * (the id is the answer to an exportRun over the token-checked WebSocket). The token itself is
 * not put in the link, which would leave it in the browser's download list. An id is good for
 * one download, for EXPORT_KEEP_MS at most.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { EXPORTS_PATH, exportIdSchema } from '../../shared/protocol/export-save';
import type { ExportFiles } from '../lab/export-store';
import { originAllowed } from './access';
import { decodeRequestPath } from './request-path';
import { plain } from './static-files';

/** Whether a request target is for the downloads (the rest is the static files'). */
export function isExportRequest(target: string): boolean {
  return target.startsWith(EXPORTS_PATH);
}

/** `attachment` with the file name, ASCII for old clients and RFC 5987 UTF-8 for the rest. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Whether the request may come from this page: no foreign Origin, no cross-site fetch. */
function sameSite(req: IncomingMessage, port: number): boolean {
  if (req.headers.origin !== undefined && !originAllowed(req, port)) return false;
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

export async function serveExportDownload(files: ExportFiles, req: IncomingMessage, res: ServerResponse, port: number): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  if (!sameSite(req, port)) {
    plain(res, 403, 'forbidden: exports download only from this host\'s own page');
    return;
  }
  const decoded = decodeRequestPath(req.url ?? '/');
  if (!decoded.ok) {
    plain(res, decoded.status, `bad request: ${decoded.reason}`);
    return;
  }
  const id = decoded.path.slice(EXPORTS_PATH.length);
  const file = exportIdSchema.safeParse(id).success ? files.get(id) : null;
  if (file === null) {
    plain(res, 404, 'no such export: an export downloads once, within 10 minutes; export again');
    return;
  }
  res.writeHead(200, {
    'Content-Type': file.mimeType,
    'Content-Length': String(file.bytes),
    'Content-Disposition': contentDisposition(file.fileName),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    // Opened rather than saved, the file must not run anything.
    'Content-Security-Policy': "default-src 'none'; sandbox",
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(file.path), res);
  } catch {
    // The page went away or the file could not be read: the download failed, the export stays
    // until it expires (the page may try again).
    res.destroy();
    return;
  }
  await files.remove(id);
}
