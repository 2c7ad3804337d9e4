/**
 * Who may talk to the browser host. The host binds 127.0.0.1, but any web page the user opens
 * can make the browser send requests to it, and any local program can connect. So:
 * - every HTTP request and WebSocket upgrade must name this host in its Host header: a loopback
 *   name with this port (a DNS-rebound name is refused, so a foreign page cannot read ours);
 * - a WebSocket must come from this host's own origin, compared exactly (scheme, host and port),
 *   and a missing Origin is refused;
 * - and it must present the secret token of this start, which only the printed address carries
 *   (as Jupyter does), so another local program or a page elsewhere cannot drive the lab.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1'] as const;

/** A fresh access token: 32 random bytes, URL-safe. */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The `host[:port]` forms a browser sends for this host (no port when it is the default 80). */
function hostForms(port: number): Set<string> {
  return new Set(LOOPBACK_NAMES.map((name) => (port === 80 ? name : `${name}:${port}`)));
}

/** Whether the request's Host header names a loopback host with this port. */
export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  return typeof host === 'string' && hostForms(port).has(host.toLowerCase());
}

/** Whether the upgrade's Origin is exactly this host's own page origin. */
export function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return false;
  for (const form of hostForms(port)) if (origin === `http://${form}`) return true;
  return false;
}

/** Whether the upgrade's `?token=` is this start's token (compared in constant time). */
export function tokenAllowed(req: IncomingMessage, token: string): boolean {
  let given: string | null;
  try {
    given = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('token');
  } catch {
    return false;
  }
  if (given === null) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(token, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
