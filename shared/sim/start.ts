/**
 * Starting a simulation from given node states instead of a fresh cluster, and what a host
 * hears while it runs. A branch of a recording (shared/replay/) builds a SimStart from the
 * recorded nodes at one event and then drives the Simulator like any run.
 */
import type { RaftNodeApi } from '../raft/api';
import type { Message, NodeId, PersistedState, RaftConfig, Ready } from '../raft/types';
import type { Violation } from '../protocol/lab';
import type { KvStateMachine } from '../kv';
import type { AppliedResult, ServedRead } from '../protocol/node-ipc';

export interface SimStartNode {
  readonly id: NodeId;
  readonly config: RaftConfig;
  /** The running instance, exactly as it was (volatile state included); null: the node is down. */
  readonly api: RaftNodeApi | null;
  /** What its disk holds: a down node restarts from this; a running one persists on top of it. */
  readonly persisted: PersistedState;
  /** Its KV state machine (applied up to the node's applied index); ignored for a down node. */
  readonly kv: KvStateMachine;
}

export interface SimStart {
  /** Node ids 1..N in order. */
  readonly nodes: readonly SimStartNode[];
  /** Messages on their way, in send order: they cross the network again from the start. */
  readonly inFlight: readonly Message[];
  /** Start paused: the in-flight messages are then pending, to deliver or drop one by one. */
  readonly paused: boolean;
}

/** Something that happened in the run, for a host that shows it live. Ids are the trace's message ids. */
export type SimNotice =
  | { readonly kind: 'sent'; readonly id: number; readonly msg: Message }
  | { readonly kind: 'delivered'; readonly id: number; readonly msg: Message }
  | { readonly kind: 'dropped'; readonly id: number; readonly msg: Message; readonly why: 'cut' | 'loss' | 'crashed' | 'user' }
  /** A node's Ready was handled (persisted, sent, applied, advanced). */
  | { readonly kind: 'ready'; readonly node: NodeId; readonly ready: Ready }
  | { readonly kind: 'life'; readonly node: NodeId; readonly up: boolean }
  /** A node applied client requests, and served reads (for a host that routes its own clients). */
  | { readonly kind: 'answered'; readonly results: readonly AppliedResult[] }
  | { readonly kind: 'served'; readonly node: NodeId; readonly reads: readonly ServedRead[] }
  | { readonly kind: 'violation'; readonly violation: Violation };
