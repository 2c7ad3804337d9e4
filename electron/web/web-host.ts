/**
 * The browser host: serves the built renderer (out/web) over HTTP on localhost and carries the
 * LabApi over a WebSocket at /lab, validating every request with the same schemas as the
 * Electron IPC handlers (dispatchLabRequest) and pushing the lab's event batches to every page.
 *
 * Only loopback: it binds 127.0.0.1 and refuses WebSocket upgrades whose Origin is not this
 * host, so a web page elsewhere cannot drive the lab through the user's browser.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LabApi, LabEvent } from '../../shared/protocol/lab';
import { contentSecurityPolicy } from '../main/content-policy';
import { dispatchLabRequest, type LabEventsFrame, type LabResponseFrame } from '../../shared/protocol/lab-wire';

export interface WebHostOptions {
  readonly lab: LabApi;
  /** Folder with the built renderer (index.html and assets/). */
  readonly staticDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** A page whose WebSocket lags this far behind is disconnected; it reconnects and resyncs. */
  readonly maxBufferedBytes?: number;
}

export interface WebHost {
  readonly url: string;
  readonly port: number;
  /** Pages currently connected. */
  clients(): number;
  close(): Promise<void>;
}

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

const CSP = contentSecurityPolicy();

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const root = resolve(options.staticDir);
  await stat(join(root, 'index.html')).catch(() => {
    throw new Error(`web host: no built renderer at ${root} (run the web build first: vite build -c electron/web/vite.config.ts)`);
  });
  const maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024;

  const server: Server = createServer((req, res) => {
    void serveStatic(root, req, res);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const sockets = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/lab' || !sameLoopbackOrigin(req)) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => sockets.delete(ws));
    ws.on('message', (data, isBinary) => {
      void onRequest(ws, isBinary ? null : data.toString());
    });
  });

  async function onRequest(ws: WebSocket, text: string | null): Promise<void> {
    let frame: unknown;
    try {
      if (text === null) throw new Error('binary frames are not accepted');
      frame = JSON.parse(text);
    } catch (err) {
      send(ws, badFrame(0, `request is not a JSON text frame: ${(err as Error).message}`));
      return;
    }
    if (typeof frame !== 'object' || frame === null) {
      send(ws, badFrame(0, 'request must be an object'));
      return;
    }
    const f = frame as Record<string, unknown>;
    const id = typeof f['id'] === 'number' && Number.isSafeInteger(f['id']) ? f['id'] : 0;
    if (f['kind'] !== 'request' || id <= 0) {
      send(ws, badFrame(id, 'a request needs kind "request" and a positive integer id'));
      return;
    }
    send(ws, await dispatchLabRequest(options.lab, id, f['method'], f['args']));
  }

  function send(ws: WebSocket, frame: LabResponseFrame | LabEventsFrame): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  }

  const unsubscribe = options.lab.onEvents((events: readonly LabEvent[]) => {
    if (sockets.size === 0) return;
    const text = JSON.stringify({ kind: 'events', events } satisfies LabEventsFrame);
    for (const ws of sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      // Why: a page that cannot keep up would make the host buffer without limit.
      if (ws.bufferedAmount > maxBuffered) ws.close(4000, 'too slow: reconnect and resync');
      else ws.send(text);
    }
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://localhost:${port}/`,
    port,
    clients: () => sockets.size,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

function badFrame(id: number, message: string): LabResponseFrame {
  return { kind: 'response', id, ok: false, error: { code: 'bad-request', message } };
}

/** Accept pages served by this host (or tools that send no Origin) on a loopback address. */
function sameLoopbackOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    const o = new URL(origin);
    return (o.hostname === 'localhost' || o.hostname === '127.0.0.1') && o.host === req.headers.host;
  } catch {
    return false;
  }
}

async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  const rel = normalize(path === '/' ? '/index.html' : path);
  const file = join(root, rel);
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  }
}
