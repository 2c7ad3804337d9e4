/**
 * The renderer's one way to reach the lab. In the Electron app the preload exposes the LabApi as
 * `window.raftLab`; in a plain browser (`npm run web`) the same API travels over a WebSocket to
 * the browser host. Stores depend only on `LabClient`, never on which transport is underneath.
 */
import type { RaftLabBridge } from '../../../shared/protocol/app-menu';
import type { LabApi } from '../../../shared/protocol/lab';
import type { ConnectionStatus, ExportSaveOutcome, LabClient } from './lab-client-types';
import { connectWebSocketLab } from './ws-lab-client';
import { MISSING_TOKEN_MESSAGE, pageAccessToken } from './access-token';

export type { ConnectionStatus, ExportSaveOutcome, LabClient };

declare global {
  interface Window {
    /** Set by the Electron preload (contextBridge). Absent in a plain browser. */
    readonly raftLab?: RaftLabBridge;
  }
}

export function createLabClient(): LabClient {
  const bridged = window.raftLab;
  if (bridged) return wrapPreload(bridged);
  const url = new URL('/lab', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = pageAccessToken();
  if (token === null) return connectWebSocketLab(url.toString(), MISSING_TOKEN_MESSAGE);
  url.searchParams.set('token', token);
  return connectWebSocketLab(url.toString());
}

/** The preload's API is already typed and validated by the main process; add connection facts. */
function wrapPreload(api: RaftLabBridge): LabClient {
  // contextBridge objects are frozen proxies: delegate method by method instead of spreading.
  const call = <K extends keyof LabApi>(k: K): LabApi[K] => ((...args: unknown[]) => (api[k] as (...a: unknown[]) => unknown)(...args)) as LabApi[K];
  return {
    transport: 'electron',
    connectionStatus: () => 'open',
    onConnectionStatus: () => () => {},
    createCluster: call('createCluster'),
    destroyCluster: call('destroyCluster'),
    snapshot: call('snapshot'),
    crashNode: call('crashNode'),
    restartNode: call('restartNode'),
    stopNode: call('stopNode'),
    setNodePaused: call('setNodePaused'),
    discardNodeData: call('discardNodeData'),
    addNode: call('addNode'),
    changeMembership: call('changeMembership'),
    transferLeadership: call('transferLeadership'),
    setPaused: call('setPaused'),
    setSpeed: call('setSpeed'),
    setPace: call('setPace'),
    deliver: call('deliver'),
    drop: call('drop'),
    fireTimeout: call('fireTimeout'),
    tickOnce: call('tickOnce'),
    setLinkFault: call('setLinkFault'),
    partition: call('partition'),
    submit: call('submit'),
    readLog: call('readLog'),
    exportRun: call('exportRun'),
    searchRun: call('searchRun'),
    onEvents: call('onEvents'),
    // Main shows the save dialog and moves the host's file: the content never enters the page.
    saveExport: (file): Promise<ExportSaveOutcome> => api.saveExport(file.id),
  };
}
