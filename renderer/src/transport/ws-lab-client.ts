/**
 * LabApi over a WebSocket to the browser host (electron/web/server.ts), speaking the frames of
 * shared/protocol/lab-wire.ts. Reconnects with backoff; calls made while disconnected wait for
 * the connection, calls in flight when it drops fail with a clear error.
 */
import { exportDownloadPath } from '../../../shared/protocol/export-save';
import type { LabApi, LabEvent } from '../../../shared/protocol/lab';
import type { LabMethod, LabRequestFrame, LabServerFrame } from '../../../shared/protocol/lab-wire';
import { LAB_METHODS } from '../../../shared/protocol/lab-wire';
import { parseLabEvents, parseLabResult } from '../../../shared/protocol/lab-schema';
import { startDownload } from './download-link';
import type { ConnectionStatus, LabClient } from './lab-client-types';

/** Calls waiting for a connection; beyond this, new calls fail at once rather than pile up. */
const MAX_QUEUED = 1_000;

interface Outstanding {
  readonly method: LabMethod;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
}

/** `refusal`: why this page cannot connect at all (no access token); every call fails with it. */
export function connectWebSocketLab(url: string, refusal: string | null = null): LabClient {
  let socket: WebSocket | null = null;
  let status: ConnectionStatus = 'connecting';
  let nextId = 1;
  let retryMs = 250;
  const outstanding = new Map<number, Outstanding>();
  const queued: string[] = [];
  const eventListeners = new Set<(events: readonly LabEvent[]) => void>();
  const statusListeners = new Set<(s: ConnectionStatus) => void>();

  function setStatus(s: ConnectionStatus): void {
    status = s;
    for (const l of statusListeners) l(s);
  }

  function open(): void {
    if (refusal !== null) {
      setStatus('closed');
      return;
    }
    const ws = new WebSocket(url);
    socket = ws;
    setStatus('connecting');
    ws.addEventListener('open', () => {
      retryMs = 250;
      setStatus('open');
      for (const frame of queued.splice(0)) ws.send(frame);
    });
    ws.addEventListener('message', (ev) => onFrame(String(ev.data)));
    ws.addEventListener('close', () => {
      socket = null;
      setStatus('closed');
      for (const [id, o] of outstanding) {
        outstanding.delete(id);
        o.reject(new Error(`${o.method}: connection to the lab host was lost`));
      }
      // Why: the host may be restarting; keep trying, but back off so a dead host costs nothing.
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 5_000);
    });
  }

  function onFrame(text: string): void {
    let frame: LabServerFrame;
    try {
      frame = JSON.parse(text) as LabServerFrame;
    } catch {
      console.warn('lab host sent a frame that is not JSON; ignored');
      return;
    }
    if (frame.kind === 'events') {
      let events: LabEvent[];
      try {
        events = parseLabEvents(frame.events);
      } catch (err) {
        console.warn(`lab host sent malformed events; batch ignored: ${(err as Error).message}`);
        return;
      }
      for (const l of eventListeners) l(events);
      return;
    }
    const o = outstanding.get(frame.id);
    if (!o) return;
    outstanding.delete(frame.id);
    if (!frame.ok) {
      o.reject(new Error(frame.error.message));
      return;
    }
    try {
      o.resolve(parseLabResult(o.method, frame.result));
    } catch (err) {
      o.reject(err as Error);
    }
  }

  function request(method: LabMethod, args: readonly unknown[]): Promise<unknown> {
    const id = nextId++;
    const frame: LabRequestFrame = { kind: 'request', id, method, args } as LabRequestFrame;
    const text = JSON.stringify(frame);
    return new Promise((resolve, reject) => {
      if (refusal !== null) {
        reject(new Error(refusal));
        return;
      }
      const open = socket !== null && socket.readyState === WebSocket.OPEN;
      if (!open && queued.length >= MAX_QUEUED) {
        reject(new Error(`${method}: not connected to the lab host (${queued.length} calls already waiting)`));
        return;
      }
      outstanding.set(id, { method, resolve, reject });
      if (open) socket?.send(text);
      else queued.push(text);
    });
  }

  open();

  const methods = Object.fromEntries(
    LAB_METHODS.map((m) => [m, (...args: unknown[]) => request(m, args)]),
  ) as unknown as Omit<LabApi, 'onEvents'>;

  return {
    ...methods,
    transport: 'websocket',
    // The host streams the file from disk at /exports/<id> to the browser's download.
    saveExport(file) {
      startDownload(new URL(exportDownloadPath(file.id), window.location.href).toString(), file.fileName);
      return Promise.resolve({ kind: 'downloading' });
    },
    connectionStatus: () => status,
    onConnectionStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    onEvents(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
  };
}
