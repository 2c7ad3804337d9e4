/**
 * The node entry's one view of its ports, whichever host started it: a worker_threads worker
 * (control port = `parentPort`, peer ports = worker MessagePorts sent beside a command as its
 * `port` field) or an Electron utility process (control port = `process.parentPort`, peer ports
 * = MessagePortMain in the message event's `ports`). Everything above this file is host-agnostic.
 */
import { MessagePort as WorkerMessagePort, parentPort as workerParentPort } from 'node:worker_threads';
import type { MessagePortMain, ParentPort } from 'electron';

export interface PeerPort {
  post(data: unknown): void;
  onMessage(listener: (raw: unknown) => void): void;
  /** The other end went away (its process ended or it closed the port). */
  onClose(listener: () => void): void;
  close(): void;
}

export interface ControlPort {
  post(data: unknown): void;
  /** Raw command data, and the peer ports transferred beside it (zero or one). */
  onMessage(listener: (raw: unknown, ports: readonly PeerPort[]) => void): void;
}

function wrapWorkerPort(port: WorkerMessagePort): PeerPort {
  return {
    post: (data) => port.postMessage(data),
    onMessage: (listener) => port.on('message', listener),
    onClose: (listener) => port.on('close', listener),
    close: () => port.close(),
  };
}

function wrapElectronPort(port: MessagePortMain): PeerPort {
  const peer: PeerPort = {
    post: (data) => port.postMessage(data),
    onMessage: (listener) => port.on('message', (event) => listener(event.data)),
    onClose: (listener) => port.on('close', listener),
    close: () => port.close(),
  };
  // MessagePortMain queues messages until started.
  port.start();
  return peer;
}

function workerControlPort(port: WorkerMessagePort): ControlPort {
  return {
    post: (data) => port.postMessage(data),
    onMessage: (listener) =>
      port.on('message', (raw: unknown) => {
        if (typeof raw === 'object' && raw !== null && 'port' in raw) {
          const { port: transferred, ...rest } = raw as { port: unknown };
          const ports = transferred instanceof WorkerMessagePort ? [wrapWorkerPort(transferred)] : [];
          listener(rest, ports);
        } else {
          listener(raw, []);
        }
      }),
  };
}

function electronControlPort(port: ParentPort): ControlPort {
  return {
    post: (data) => port.postMessage(data),
    onMessage: (listener) => port.on('message', (event) => listener(event.data, event.ports.map(wrapElectronPort))),
  };
}

/** The control port of this process, or an error saying it was not started by a known host. */
export function openControlPort(): ControlPort {
  const electronParent = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (electronParent) return electronControlPort(electronParent);
  if (workerParentPort) return workerControlPort(workerParentPort);
  throw new Error('node entry: no parent port (start it with WorkerHost or ElectronHost, not directly)');
}
