/**
 * Plain-socket clients for the browser host tests: an HTTP request written byte for byte (so a
 * test can send any request target and any Host header, which fetch and http.request would
 * normalise or refuse), and WebSocket connections with chosen Origin and Host headers.
 */
import { connect } from 'node:net';
import WebSocket from 'ws';
import type { LabResponseFrame } from '../../shared/protocol/lab-wire';

export interface RawAnswer {
  /** The status code, or null when the host closed the connection without one. */
  readonly status: number | null;
  readonly text: string;
}

/** One HTTP/1.1 request on its own connection; resolves when the host closes it. */
export function rawRequest(port: number, target: string | Buffer, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<RawAnswer> {
  const head = Object.entries({ Host: `127.0.0.1:${port}`, Connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const targetBytes = typeof target === 'string' ? Buffer.from(target, 'latin1') : target;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${JSON.stringify(targetBytes.toString('latin1'))} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m?.[1] !== undefined ? Number(m[1]) : null, text });
    });
    socket.write(Buffer.concat([Buffer.from('GET '), targetBytes, Buffer.from(` HTTP/1.1\r\n${head}\r\n`)]));
  });
}

export interface WsOptions {
  readonly token?: string | null;
  /** Omitted: no Origin header at all. */
  readonly origin?: string;
  readonly host?: string;
  readonly hostName?: 'localhost' | '127.0.0.1';
}

/** Opens /lab; rejects with `HTTP <status>` when the host refuses the upgrade. */
export function openLabSocket(port: number, options: WsOptions = {}): Promise<WebSocket> {
  const query = options.token === undefined || options.token === null ? '' : `?token=${encodeURIComponent(options.token)}`;
  const headers: Record<string, string> = options.host !== undefined ? { Host: options.host } : {};
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${options.hostName ?? '127.0.0.1'}:${port}/lab${query}`, {
      ...(options.origin !== undefined ? { origin: options.origin } : {}),
      headers,
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`HTTP ${res.statusCode}`));
      res.resume();
      ws.terminate();
    });
  });
}

/** Sends one frame and resolves with the next response frame (event frames are skipped). */
export function ask(ws: WebSocket, frame: unknown, timeoutMs = 10_000): Promise<LabResponseFrame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      reject(new Error('no response frame'));
    }, timeoutMs);
    const onMessage = (data: WebSocket.RawData): void => {
      const parsed = JSON.parse(String(data)) as { kind: string };
      if (parsed.kind !== 'response') return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(parsed as LabResponseFrame);
    };
    ws.on('message', onMessage);
    if (Buffer.isBuffer(frame)) ws.send(frame, { binary: true });
    else ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  });
}
