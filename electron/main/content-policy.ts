/**
 * The renderer's Content-Security-Policy, sent as a response header on every page of the app's
 * session (security.ts). renderer/index.html carries a meta-tag policy too; a browser enforces
 * both, so the effective policy is the stricter of the two.
 *
 * Built app: scripts and styles only from the app's own files, no inline code, no eval, no
 * network, no plugins, no frames, no forms. Vite's dev server (`electron-vite dev`) injects
 * styles inline and talks to the page over a WebSocket, so only then are those two opened, and
 * only towards the dev server's own origin.
 */

export interface ContentPolicyOptions {
  /** Origin of Vite's dev server (`http://localhost:5173`) when running `electron-vite dev`. */
  readonly devServerOrigin?: string;
}

export function contentSecurityPolicy(options: ContentPolicyOptions = {}): string {
  const dev = options.devServerOrigin;
  const devSocket = dev ? dev.replace(/^http/, 'ws') : null;
  const directives: Record<string, readonly string[]> = {
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
  return Object.entries(directives).map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}
