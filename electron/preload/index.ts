/**
 * The preload: exposes `window.raftLab` through contextBridge, one function per LabApi intent
 * plus the two subscriptions (lab events, menu commands) and the export save dialog. It never hands the page `ipcRenderer`
 * itself or a way to name a channel: each function invokes exactly one fixed channel, and the
 * main process validates every argument (lab-ipc.ts). Runs sandboxed, so it is bundled into one
 * CommonJS file with no imports but `electron`.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { LabApi, LabEvent } from '../../shared/protocol/lab';
import { LAB_EVENTS_CHANNEL, LAB_METHODS, labChannel } from '../../shared/protocol/lab-wire';
import type { LabMethod } from '../../shared/protocol/lab-wire';
import { isMenuCommand, MENU_COMMAND_CHANNEL, MENU_LISTENERS_CHANNEL } from '../../shared/protocol/app-menu';
import type { MenuCommand, RaftLabBridge } from '../../shared/protocol/app-menu';
import { SAVE_EXPORT_CHANNEL, type SaveExportResult } from '../../shared/protocol/export-save';

type LabRequests = Pick<LabApi, LabMethod>;

function invoker<M extends LabMethod>(method: M): LabApi[M] {
  const channel = labChannel(method);
  // Arguments are passed through as given; main checks them against the method's schema.
  return ((...args: unknown[]) => ipcRenderer.invoke(channel, ...args)) as LabApi[M];
}

function buildRequests(): LabRequests {
  const requests: Partial<Record<LabMethod, unknown>> = {};
  for (const method of LAB_METHODS) requests[method] = invoker(method);
  return requests as LabRequests;
}

function onEvents(listener: (events: readonly LabEvent[]) => void): () => void {
  const handler = (_event: IpcRendererEvent, events: readonly LabEvent[]) => listener(events);
  ipcRenderer.on(LAB_EVENTS_CHANNEL, handler);
  return () => {
    ipcRenderer.removeListener(LAB_EVENTS_CHANNEL, handler);
  };
}

let menuListeners = 0;

function onMenuCommand(listener: (command: MenuCommand) => void): () => void {
  const handler = (_event: IpcRendererEvent, command: unknown) => {
    if (isMenuCommand(command)) listener(command);
  };
  ipcRenderer.on(MENU_COMMAND_CHANNEL, handler);
  ipcRenderer.send(MENU_LISTENERS_CHANNEL, ++menuListeners);
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    ipcRenderer.removeListener(MENU_COMMAND_CHANNEL, handler);
    ipcRenderer.send(MENU_LISTENERS_CHANNEL, --menuListeners);
  };
}

/** Main shows the save dialog and moves the export's file; the id is checked there. */
function saveExport(id: string): Promise<SaveExportResult> {
  return ipcRenderer.invoke(SAVE_EXPORT_CHANNEL, id) as Promise<SaveExportResult>;
}

const bridge: RaftLabBridge = { ...buildRequests(), onEvents, onMenuCommand, saveExport };

contextBridge.exposeInMainWorld('raftLab', bridge);
