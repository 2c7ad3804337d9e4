/**
 * What the cluster engine (lab-engine.ts) needs of the nodes it drives, and what they tell it.
 * Two implementations: simulated nodes in this process (shared/sim/sim-substrate.ts: branches
 * and the simulator's lab face) and real node processes (electron/lab/process-substrate.ts:
 * worker threads or Electron utility processes).
 *
 * A substrate does mechanics only: start, stop and kill nodes, carry commands to them, hold and
 * release messages, and report what happened. Every rule a person can see (which command is
 * allowed when, what a node's life is, who leads, what is pending, which events go out and in
 * what words) is the engine's.
 */
import type { ProposeResult } from '../raft/api';
import type { ConfChange, Message, NodeId, NodeStatus, PersistedState, Ready, Role } from '../raft/types';
import type { KvOp, LinkFault, LogRange, NodeExit, PendingItem, Violation } from '../protocol/lab';
import type { AppliedResult, NodeStart, ProposeReply, ReadAskReply, ServedRead } from '../protocol/node-ipc';
import type { LabClock } from './clock';
import type { ChangedLink } from './link-table';

/** The cluster's run state as the person set it. */
export interface RunState {
  readonly paused: boolean;
  readonly speed: number;
  /** Lab ms every message spends on its link. */
  readonly networkMs: number;
}

/** What the engine tells a node as it starts: its run state (the cluster's, or its own pause) and outgoing links, read when it is linked. */
export interface StartContext {
  runOf(node: NodeId): RunState;
  linksFrom(node: NodeId): readonly { readonly to: NodeId; readonly fault: LinkFault }[];
}

/** A node's check-worthy moment, for the engine's invariant checker. */
export type Observation =
  | { readonly type: 'ready'; readonly node: NodeId; readonly ready: Ready }
  | { readonly type: 'crash'; readonly node: NodeId }
  | { readonly type: 'restart'; readonly node: NodeId; readonly persisted: PersistedState }
  | { readonly type: 'compacted'; readonly node: NodeId; readonly index: number };

export type SubstrateReport =
  /** A node's process (or instance) is being started: not linked yet, steps wait for it. */
  | { readonly kind: 'starting'; readonly node: NodeId }
  /** Started and linked: from now on it follows the run state. */
  | { readonly kind: 'up'; readonly node: NodeId }
  | { readonly kind: 'down'; readonly node: NodeId; readonly exit: NodeExit }
  /** A node handled a Ready in which it had this role (and thought `leader` led, 0 for none); `term` null: unchanged. */
  | { readonly kind: 'role'; readonly node: NodeId; readonly role: Role; readonly leader: NodeId; readonly term: number | null }
  /** A node applied entries from..to (inclusive). */
  | { readonly kind: 'applied'; readonly node: NodeId; readonly from: number; readonly to: number }
  /** A node's status as it reported it on its own (a start). */
  | { readonly kind: 'status'; readonly node: NodeId; readonly status: NodeStatus }
  | { readonly kind: 'conf-applied'; readonly index: number; readonly term: number }
  /** Client requests a node applied, and reads it served. */
  | { readonly kind: 'answered'; readonly results: readonly AppliedResult[] }
  | { readonly kind: 'read-served'; readonly node: NodeId; readonly reads: readonly ServedRead[] }
  /** What pending() returns has changed. */
  | { readonly kind: 'pending' }
  | { readonly kind: 'message'; readonly what: 'sent' | 'delivered'; readonly atMs?: number; readonly msgId: string; readonly message: Message }
  | { readonly kind: 'message'; readonly what: 'dropped'; readonly atMs?: number; readonly msgId: string; readonly message: Message; readonly why: 'cut' | 'loss' | 'crashed' | 'user' }
  /** For the engine's checker (node processes report what they did). */
  | { readonly kind: 'observe'; readonly observation: Observation }
  /** Found by the substrate's own checker (the simulator checks every step itself). */
  | { readonly kind: 'violation'; readonly violation: Violation }
  /** A node's own records, for the run's recording. */
  | { readonly kind: 'records'; readonly node: NodeId; readonly records: readonly unknown[] }
  /** Time passed on its own (a frame of a playing simulation): the engine brings its view up to date. */
  | { readonly kind: 'frame' };

/** A reply now (a simulated node) or later (a node process). */
export type Answer<T> = T | Promise<T>;

export interface Substrate {
  /** The engine's timers: wall time for node processes, simulated time for simulated nodes. */
  readonly clock: LabClock;
  /** `labMs` (cluster time, as the options count it) in clock ms at `speed`. */
  clockMs(labMs: number, speed: number): number;
  /** Where reports go (set once, by the engine). */
  listen(report: (r: SubstrateReport) => void): void;

  /** Starts nodes (each reported starting, then up); rejects naming a node that refused to start (reported down). */
  start(nodes: readonly NodeId[], start: NodeStart, context: StartContext): Promise<void>;
  crash(node: NodeId): Promise<void>;
  stop(node: NodeId): Promise<void>;
  /** The cluster's run state changed; `runOf` gives each node its own (its pause included). Pausing holds what is on its way. */
  setRun(run: RunState, runOf: (node: NodeId) => RunState): Promise<void>;
  /** One node's own pause changed (`run` is its run state now, the cluster's pause included). */
  setNodePaused(node: NodeId, paused: boolean, run: RunState): Promise<void>;
  /** Carries changed links to the network (`linksFrom` gives a node's every outgoing link as it now is). */
  setLinks(changed: readonly ChangedLink[], linksFrom: StartContext['linksFrom']): Promise<void>;

  /** Step mode. Each resolves once its effects have settled (what it sent is held at its receivers). */
  deliver(holder: NodeId, pendingId: string): Promise<void>;
  drop(holder: NodeId, pendingId: string): Promise<void>;
  fire(node: NodeId): Promise<void>;
  /** Every running node ticks once. */
  tick(): Promise<void>;
  /** What the running nodes hold, to be stepped (messages and, paused, due timeouts). */
  pending(): readonly PendingItem[];

  status(node: NodeId): Answer<NodeStatus>;
  propose(node: NodeId, client: string, seq: number, op: KvOp, timeoutMs: number): Answer<ProposeReply>;
  read(node: NodeId, id: string, key: string, lease: boolean, timeoutMs: number): Answer<ReadAskReply>;
  /** The last request number `client` used in the cluster's state machines (0 if none). */
  lastSeq(client: string): number;
  confChange(node: NodeId, change: ConfChange): Promise<ProposeResult>;
  transfer(leader: NodeId, to: NodeId): Promise<void>;
  readLog(node: NodeId, lo: number, hi: number): Promise<LogRange>;
  /** Stops every node (the engine is closing). */
  shutdown(): Promise<void>;
}
