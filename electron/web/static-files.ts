/**
 * The browser host's static file server: the built renderer, with a strict CSP. Only files that
 * really are inside the served folder are sent: the request path is decoded by request-path.ts
 * (malformed: 400), and the file's real path, after every symlink, must lie in the folder's real
 * path (403 otherwise). Never throws: every failure is an answer.
 */
import { realpath, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { decodeRequestPath } from './request-path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "connect-src 'self' ws://localhost:* ws://127.0.0.1:*", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'",
].join('; ');

/** `realRoot` is the served folder's real path (symlinks resolved). */
export async function serveStatic(realRoot: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const decoded = decodeRequestPath(req.url ?? '/');
  if (!decoded.ok) {
    plain(res, decoded.status, `bad request: ${decoded.reason}`);
    return;
  }
  const file = join(realRoot, decoded.path === '/' ? 'index.html' : decoded.path);
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    plain(res, 404, 'not found');
    return;
  }
  if (!real.startsWith(realRoot + sep)) {
    plain(res, 403, 'forbidden: outside the served folder');
    return;
  }
  let body: Buffer;
  try {
    body = await readFile(real);
  } catch {
    plain(res, 404, 'not found');
    return;
  }
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(real)] ?? 'application/octet-stream',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end(text);
}
