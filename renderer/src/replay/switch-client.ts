/**
 * The LabClient the app's stores hold, able to switch between the live lab and a replay. In
 * replay mode the stores hear only the replay's frames (each one a reset followed by the state
 * at the chosen event) and the lab's verbs are refused with a clear message, so nothing a user
 * does while scrubbing can touch the live cluster.
 */
import type { LabApi, LabEvent } from '../../../shared/protocol/lab';
import type { LabClient } from '../transport/lab-client';

export type ClientMode = 'live' | 'replay' | 'branch';

export interface SwitchableClient extends LabClient {
  mode(): ClientMode;
  /** Stop forwarding live events; the stores now show what `emitReplay` gives them. */
  enterReplay(): void;
  emitReplay(events: readonly LabEvent[]): void;
  /** The lab's verbs and events now go to and come from `branch` (a simulated cluster). */
  enterBranch(branch: LabApi): void;
}

type Listener = (events: readonly LabEvent[]) => void;

export function createSwitchableClient(live: LabClient): SwitchableClient {
  let mode: ClientMode = 'live';
  let branch: LabApi | null = null;
  let offBranch: (() => void) | null = null;
  const listeners = new Set<Listener>();
  const forward = (events: readonly LabEvent[]) => {
    for (const l of listeners) l(events);
  };
  live.onEvents((events) => {
    if (mode === 'live') forward(events);
  });
  const refuse = (what: string) => Promise.reject(new Error(`${what} is not available while replaying a recording (leave replay first)`));
  /** Forward a verb to the live lab, or refuse it in replay mode. */
  const verb = <K extends Exclude<keyof LabApi, 'onEvents'>>(k: K): LabApi[K] =>
    ((...args: unknown[]) => {
      if (mode === 'replay') return refuse(k);
      const target = mode === 'branch' && branch ? branch : live;
      return (target[k] as (...a: unknown[]) => Promise<unknown>).apply(target, args);
    }) as LabApi[K];
  return {
    transport: live.transport,
    connectionStatus: () => live.connectionStatus(),
    onConnectionStatus: (l) => live.onConnectionStatus(l),
    mode: () => mode,
    enterReplay: () => {
      offBranch?.();
      offBranch = null;
      branch = null;
      mode = 'replay';
    },
    emitReplay: (events) => {
      if (mode !== 'replay') throw new Error('emitReplay outside replay mode');
      forward(events);
    },
    enterBranch: (b) => {
      offBranch?.();
      mode = 'branch';
      branch = b;
      offBranch = b.onEvents(forward);
    },
    onEvents: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    createCluster: verb('createCluster'),
    destroyCluster: verb('destroyCluster'),
    snapshot: verb('snapshot'),
    crashNode: verb('crashNode'),
    restartNode: verb('restartNode'),
    stopNode: verb('stopNode'),
    setNodePaused: verb('setNodePaused'),
    discardNodeData: verb('discardNodeData'),
    addNode: verb('addNode'),
    changeMembership: verb('changeMembership'),
    transferLeadership: verb('transferLeadership'),
    setPaused: verb('setPaused'),
    setSpeed: verb('setSpeed'),
    setPace: verb('setPace'),
    deliver: verb('deliver'),
    drop: verb('drop'),
    fireTimeout: verb('fireTimeout'),
    tickOnce: verb('tickOnce'),
    setLinkFault: verb('setLinkFault'),
    partition: verb('partition'),
    submit: verb('submit'),
    // Replay frames carry each log exactly (replaceLogs), so readLog is refused there like any verb.
    readLog: verb('readLog'),
    exportRun: verb('exportRun'),
    searchRun: verb('searchRun'),
    // An export the live lab already wrote is saved whatever the mode now.
    saveExport: (file) => live.saveExport(file),
  };
}
