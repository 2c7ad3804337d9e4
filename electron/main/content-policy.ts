/**
 * The renderer's Content-Security-Policy, the one policy of the app: sent as a response header
 * by the app scheme (security.ts) and by the browser host (electron/web), and written into the
 * built renderer/index.html as a meta tag by `contentPolicyMetaPlugin` (both Vite builds), so the
 * two can never disagree.
 *
 * Built app: scripts and styles only from the app's own files, no inline code, no eval, no
 * network but the page's own origin (in the browser host that is its WebSocket: CSP's 'self'
 * admits ws: to the page's own host and port), no plugins, no frames, no forms. Vite's dev
 * server (`electron-vite dev`) injects styles inline and talks to the page over a WebSocket, so
 * only then are those two opened, and only towards the dev server's own origin; dev pages get no
 * meta tag (the header alone governs).
 */
import type { Plugin } from 'vite';

export interface ContentPolicyOptions {
  /** Origin of Vite's dev server (`http://localhost:5173`) when running `electron-vite dev`. */
  readonly devServerOrigin?: string;
}

/** Directives a browser ignores (with a console warning) when they come from a meta tag. */
const HEADER_ONLY = new Set(['frame-ancestors', 'report-uri', 'sandbox']);

function directives(options: ContentPolicyOptions): Record<string, readonly string[]> {
  const dev = options.devServerOrigin;
  const devSocket = dev ? dev.replace(/^http/, 'ws') : null;
  return {
    'default-src': ["'none'"],
    'script-src': ["'self'"],
    'style-src': dev ? ["'self'", "'unsafe-inline'"] : ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': devSocket ? ["'self'", devSocket] : ["'self'"],
    'worker-src': ["'self'"],
    'object-src': ["'none'"],
    'frame-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
  };
}

function serialise(entries: readonly (readonly [string, readonly string[]])[]): string {
  return entries.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}

export function contentSecurityPolicy(options: ContentPolicyOptions = {}): string {
  return serialise(Object.entries(directives(options)));
}

/** The built app's policy as a meta tag can carry it: the header's, less the header-only directives. */
export function metaContentSecurityPolicy(): string {
  return serialise(Object.entries(directives({})).filter(([name]) => !HEADER_ONLY.has(name)));
}

/** Writes the policy into the built index.html; renderer/index.html itself carries none. */
export function contentPolicyMetaPlugin(): Plugin {
  return {
    name: 'raft-lab:content-policy-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: metaContentSecurityPolicy() }, injectTo: 'head-prepend' },
    ],
  };
}
