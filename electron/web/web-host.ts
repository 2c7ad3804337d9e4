/**
 * The browser host: serves the built renderer (out/web) over HTTP on 127.0.0.1 and carries the
 * LabApi over a WebSocket at /lab, validating every request with the same schemas as the
 * Electron IPC handlers (dispatchLabRequest) and pushing the lab's event batches to every page.
 *
 * Who may connect is access.ts's job (Host, exact Origin, the start's secret token); which files
 * are served is static-files.ts's, and export downloads (`/exports/<id>`) export-downloads.ts's. No input ends the process: every handler's failure becomes an
 * answer (400/403/404 on HTTP, a `bad-request` frame or a closed socket on the WebSocket).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { realpath, stat } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LabApi, LabEvent } from '../../shared/protocol/lab';
import { dispatchLabRequest, type LabEventsFrame, type LabResponseFrame } from '../../shared/protocol/lab-wire';
import type { ExportFiles } from '../lab/export-store';
import { hostAllowed, newAccessToken, originAllowed, tokenAllowed } from './access';
import { isExportRequest, serveExportDownload } from './export-downloads';
import { plain, serveStatic } from './static-files';

export interface WebHostOptions {
  readonly lab: LabApi;
  /** The files the lab's exportRun wrote, downloaded at `/exports/<id>` (export-downloads.ts). */
  readonly exports?: ExportFiles;
  /** Folder with the built renderer (index.html and assets/). */
  readonly staticDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** A page whose WebSocket lags this far behind is disconnected; it reconnects and resyncs. */
  readonly maxBufferedBytes?: number;
}

export interface WebHost {
  /** What the user opens: the page's address with this start's access token. */
  readonly url: string;
  readonly port: number;
  /** The WebSocket's access token, new at each start. */
  readonly token: string;
  /** Pages currently connected. */
  clients(): number;
  close(): Promise<void>;
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const root = await realpath(options.staticDir).catch(() => options.staticDir);
  await stat(join(root, 'index.html')).catch(() => {
    throw new Error(`web host: no built renderer at ${root} (run the web build first: vite build -c electron/web/vite.config.ts)`);
  });
  const maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024;
  const token = newAccessToken();
  let port = 0;

  const server: Server = createServer((req, res) => {
    onHttp(req, res).catch((e: unknown) => {
      console.error(`web host: ${req.method} ${req.url}: ${e instanceof Error ? e.message : String(e)}`);
      plain(res, 500, 'internal error');
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const sockets = new Set<WebSocket>();

  async function onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req, port)) {
      plain(res, 403, 'forbidden: this host answers only to its own loopback address');
      return;
    }
    if (options.exports !== undefined && isExportRequest(req.url ?? '')) await serveExportDownload(options.exports, req, res, port);
    else await serveStatic(root, req, res);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A socket that errors before or during the handshake must not take the process with it.
    socket.on('error', () => socket.destroy());
    try {
      const path = (req.url ?? '').split('?', 1)[0];
      if (path !== '/lab' || !hostAllowed(req, port) || !originAllowed(req, port) || !tokenAllowed(req, token)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } catch {
      socket.destroy();
    }
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // Protocol errors (bad frames, oversized payloads): ws closes the socket; only forget it here.
    ws.on('error', () => sockets.delete(ws));
    ws.on('message', (data, isBinary) => {
      onRequest(ws, isBinary ? null : data.toString()).catch((e: unknown) => {
        console.error(`web host: request handling failed: ${e instanceof Error ? e.message : String(e)}`);
        send(ws, badFrame(0, 'the host could not handle this request'));
      });
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
  port = (server.address() as AddressInfo).port;
  // Errors of the listening server after start (not of one connection): report, keep serving.
  server.on('error', (e) => console.error(`web host: ${e.message}`));

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
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
