/**
 * The main-process side of the preload's API: one `ipcMain.handle` channel per LabApi method
 * (`lab:createCluster`, ...), each validating its arguments with the zod schemas of
 * shared/protocol/lab-schema.ts before the lab controller sees them, and one push channel
 * (`lab:events`) carrying the lab's event batches to the window.
 *
 * A request that does not match its schema is rejected with an error naming the method and the
 * offending field, and the controller is not called. A request from anything but the app's own
 * top-level page is rejected too.
 */
import type { IpcMainInvokeEvent, WebFrameMain } from 'electron';
import type { LabApi, LabEvent } from '../../shared/protocol/lab';
import { bindLabCall, LAB_EVENTS_CHANNEL, LAB_METHODS, labChannel } from '../../shared/protocol/lab-wire';

/** The part of Electron's `ipcMain` used here. */
export interface InvokeHandlerRegistry {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** Where event batches go: the window's web contents. */
export interface LabEventSink {
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

export interface LabIpcOptions {
  readonly isTrustedSender: (frame: WebFrameMain | null) => boolean;
}

/** Registers every lab channel. Returns a function that removes them again. */
export function registerLabIpc(ipc: InvokeHandlerRegistry, lab: LabApi, options: LabIpcOptions): () => void {
  for (const method of LAB_METHODS) {
    ipc.handle(labChannel(method), async (event, ...args) => {
      if (!options.isTrustedSender(event.senderFrame)) {
        throw new Error(`${method}: refused, the request did not come from the Raft Lab window`);
      }
      // Throws LabInputError (naming method and field) before the controller is touched.
      const call = bindLabCall(lab, method, args);
      const result = await call();
      // `void` results travel as null, as the wire schemas expect.
      return result ?? null;
    });
  }
  return () => {
    for (const method of LAB_METHODS) ipc.removeHandler(labChannel(method));
  };
}

/** Forwards every lab event batch to `target` while it lives. Returns the unsubscribe function. */
export function forwardLabEvents(lab: LabApi, target: LabEventSink): () => void {
  return lab.onEvents((events: readonly LabEvent[]) => {
    if (!target.isDestroyed()) target.send(LAB_EVENTS_CHANNEL, events);
  });
}
