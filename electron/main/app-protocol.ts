/**
 * The renderer is served from a private `raft-lab://app/` scheme rather than file:// (Electron's
 * security checklist: file:// pages can read other local files, and cannot carry response
 * headers). Every response carries the Content-Security-Policy header. Only files inside the
 * built renderer folder are served; anything else, including `..` escapes, is a 404.
 */
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

export const APP_SCHEME = 'raft-lab';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/**
 * The file inside `rootDir` that `url` names, or null when the URL is not an app URL or
 * points outside the folder. `raft-lab://app/` is index.html.
 */
export function resolveAppFile(rootDir: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const relativePath = path === '/' || path === '' ? 'index.html' : path.replace(/^\/+/, '');
  const root = resolve(rootDir);
  const file = resolve(root, relativePath);
  const inside = relative(root, file);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) return null;
  return file;
}

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Answers one request of the app scheme: the file's bytes with its type and the CSP header,
 * or a plain 404 (unknown or escaping paths, missing files). Never throws.
 */
export async function serveAppRequest(rootDir: string, url: string, csp: string): Promise<Response> {
  const headers = { 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff' };
  const file = resolveAppFile(rootDir, url);
  if (file === null) return new Response('not found', { status: 404, headers });
  try {
    const body = await readFile(file);
    return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': contentTypeOf(file) } });
  } catch {
    return new Response('not found', { status: 404, headers });
  }
}
