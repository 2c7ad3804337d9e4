/**
 * The lab API: the one interface through which the renderer (via the Electron preload or the
 * browser host's WebSocket bridge) and the command line drive a cluster. The lab controller in
 * electron/lab implements it; transports carry it as LabRequest / LabResponse / LabEvent JSON.
 * Schemas for runtime validation live in lab-schema.ts beside this file.
 */
import type { ConfChange, Entry, Message, NodeId, NodeStatus, Role } from '../raft/types';

// ---------------------------------------------------------------------------------------------
// Cluster creation and per-node facts

export interface ClusterOptions {
  /** 3, 5 or 7 nodes (1 to MAX_NODES, 9, accepted). */
  readonly nodes: number;
  /** Milliseconds per tick at speed 1. */
  readonly tickMs: number;
  readonly heartbeatTicks: number;
  readonly electionTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** Log entries between automatic snapshots (0: never). */
  readonly snapshotEvery: number;
  /** Seed for the nodes' RNGs (election timeout draws). */
  readonly seed: number;
  /**
   * Folder for the nodes' SQLite files; a temporary one when omitted. From a page it is a name
   * the host resolves inside its data root (electron/lab/data-root.ts), never a path.
   */
  readonly dataDir?: string;
  /**
   * Create the cluster paused (default false): no node ticks before the first step, so the first
   * election timeout is the first thing that can happen and every message of that election waits.
   */
  readonly startPaused?: boolean;
  /** The pace the cluster starts at (default REAL_PACE). */
  readonly pace?: Pace;
}

/**
 * How fast the lab runs. `speed` scales lab time against real time (0.01 to 10); `networkMs` is
 * the time every message spends on its link, in lab ms, before link faults add their delay.
 * Timers, ticks and message delivery all run on lab time, so a speed change scales them together.
 */
export interface Pace {
  readonly speed: number;
  /** 0 to MAX_NETWORK_MS. */
  readonly networkMs: number;
}

/**
 * For learning: an election takes a few seconds on screen and every message visibly travels
 * (100 lab ms = 0.5 s at 0.2x; the default 1-2 s election timeout then lasts 5-10 s).
 */
export const WATCH_PACE: Pace = { speed: 0.2, networkMs: 100 };
/** The nodes' own timing: full speed, messages cross as fast as the machine passes them. */
export const REAL_PACE: Pace = { speed: 1, networkMs: 0 };

export const DEFAULT_CLUSTER_OPTIONS: ClusterOptions = {
  nodes: 5,
  tickMs: 100,
  heartbeatTicks: 1,
  electionTicks: 10,
  preVote: true,
  checkQuorum: true,
  snapshotEvery: 1000,
  seed: 1,
};

/** Process lifecycle of one node, as the supervisor sees it. */
export type NodeLife = 'starting' | 'running' | 'paused' | 'stopped' | 'crashed';

export interface NodeView {
  readonly id: NodeId;
  readonly life: NodeLife;
  /** Null while the process is not running. */
  readonly status: NodeStatus | null;
  /** Why the node last stopped, when it did. */
  readonly exit: NodeExit | null;
}

export type NodeExit =
  | { readonly reason: 'clean-exit' }
  | { readonly reason: 'killed' }
  | { readonly reason: 'crashed'; readonly detail: string }
  | { readonly reason: 'refused-to-start'; readonly detail: string };

// ---------------------------------------------------------------------------------------------
// Network faults (per directed link)

export interface LinkFault {
  /** Messages on this link are dropped (a cut; one-way when only one direction is set). */
  readonly cut: boolean;
  /** Probability in [0, 1] that a message is lost. */
  readonly loss: number;
  readonly delayMs: number;
  readonly jitterMs: number;
  /** Probability in [0, 1] that a message is delivered twice. */
  readonly duplicate: number;
  /** Probability in [0, 1] that a message is held back and delivered after a later one. */
  readonly reorder: number;
}

export const HEALTHY_LINK: LinkFault = { cut: false, loss: 0, delayMs: 0, jitterMs: 0, duplicate: 0, reorder: 0 };

/** A link with no fault set on it. */
export function isHealthyLink(l: LinkFault): boolean {
  return !l.cut && l.loss === 0 && l.delayMs === 0 && l.jitterMs === 0 && l.duplicate === 0 && l.reorder === 0;
}

export interface DirectedLink {
  readonly from: NodeId;
  readonly to: NodeId;
}

export type NamedPartition =
  | { readonly kind: 'isolate'; readonly node: NodeId }
  | { readonly kind: 'isolate-leader' }
  | { readonly kind: 'split'; readonly groups: readonly (readonly NodeId[])[] }
  | { readonly kind: 'ring' }
  | { readonly kind: 'heal' };

// ---------------------------------------------------------------------------------------------
// Step mode: what a paused cluster holds

export type PendingItem =
  | { readonly kind: 'message'; readonly id: string; readonly message: Message; readonly heldAtMs: number }
  | { readonly kind: 'timeout'; readonly id: string; readonly node: NodeId; readonly timeout: 'election' | 'heartbeat' };

// ---------------------------------------------------------------------------------------------
// Client operations (the replicated key-value store)

export type KvOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string }
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'delete'; readonly key: string }
  | { readonly type: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string };

export type KvResult =
  | { readonly ok: true; readonly value: string | null; readonly index: number; readonly leader: NodeId }
  | {
    readonly ok: false;
    readonly error: 'timeout' | 'no-leader' | 'not-leader' | 'cas-mismatch' | 'stopped';
    readonly detail: string;
    readonly value?: string | null;
    /** For `not-leader`: the leader the asked node believes in (absent when it knows none). */
    readonly leaderHint?: NodeId;
  };

/**
 * How a `get` is served. `log`: proposed, committed and applied like a write (costs a log entry
 * and a replication round; assumes nothing). `read-index`: the leader notes its commit index,
 * confirms it still leads with one heartbeat round to a majority, and answers once it has
 * applied that index (dissertation §6.4; no log entry, assumes nothing about clocks). `lease`:
 * the leader answers from its state with no round while its lease holds, i.e. CheckQuorum heard
 * from a majority within the election timeout (§6.4.1; assumes bounded clock drift between
 * nodes), and falls back to a ReadIndex round when it does not hold.
 */
export type ReadMode = 'log' | 'read-index' | 'lease';

export const READ_MODES: readonly ReadMode[] = ['log', 'read-index', 'lease'];

/** Options of one client request (`LabApi.submit`). */
export interface SubmitOptions {
  /** The client session (default: an automatic one). */
  readonly client?: string;
  readonly timeoutMs?: number;
  /**
   * Ask exactly this node, with no redirect: a node that is not the leader answers `not-leader`
   * with its leader hint, and a stale leader accepts the entry it can no longer commit.
   */
  readonly node?: NodeId;
  /**
   * For a `get` only (default `log`; any other op with a mode other than `log` is refused): how
   * the read is served (see ReadMode). Reads served by ReadIndex or lease are not log entries:
   * no session bookkeeping, answered by the leader with the index they were served at, and
   * retried at the leader like writes. Each still enters the client history as a get.
   */
  readonly read?: ReadMode;
}

/** Why `options.read` cannot be used with `op`, or null when it can. */
export function readModeProblem(op: KvOp, read: ReadMode | undefined): string | null {
  if (read === undefined || read === 'log' || op.type === 'get') return null;
  return `read mode ${read} is for a get; a ${op.type} always goes through the log`;
}

// ---------------------------------------------------------------------------------------------
// Invariants

export type SafetyProperty =
  | 'election-safety'
  | 'leader-append-only'
  | 'log-matching'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'monotonic-term'
  | 'monotonic-commit'
  | 'persisted-before-sent';

export interface Violation {
  readonly property: SafetyProperty;
  readonly nodes: readonly NodeId[];
  readonly indexes: readonly number[];
  readonly term: number;
  /** Sequence number of the lab event that revealed it. */
  readonly eventSeq: number;
  readonly message: string;
}

// ---------------------------------------------------------------------------------------------
// The event stream (batched to the UI)

export type LabEvent =
  | { readonly type: 'cluster-created'; readonly seq: number; readonly atMs: number; readonly options: ClusterOptions; readonly nodes: readonly NodeId[] }
  | { readonly type: 'node-life'; readonly seq: number; readonly atMs: number; readonly node: NodeId; readonly life: NodeLife; readonly exit: NodeExit | null }
  | { readonly type: 'node-status'; readonly seq: number; readonly atMs: number; readonly status: NodeStatus }
  | { readonly type: 'role-change'; readonly seq: number; readonly atMs: number; readonly node: NodeId; readonly role: Role; readonly term: number }
  | { readonly type: 'message-sent'; readonly seq: number; readonly atMs: number; readonly msgId: string; readonly message: Message }
  | { readonly type: 'message-delivered'; readonly seq: number; readonly atMs: number; readonly msgId: string; readonly message: Message }
  | { readonly type: 'message-dropped'; readonly seq: number; readonly atMs: number; readonly msgId: string; readonly message: Message; readonly why: 'cut' | 'loss' | 'crashed' | 'user' }
  | { readonly type: 'entries-applied'; readonly seq: number; readonly atMs: number; readonly node: NodeId; readonly from: number; readonly to: number }
  /** `read`: how a get is served, when not through the log (absent: through the log). */
  | { readonly type: 'client-invoke'; readonly seq: number; readonly atMs: number; readonly opId: string; readonly client: string; readonly op: KvOp; readonly read?: 'read-index' | 'lease' }
  | { readonly type: 'client-complete'; readonly seq: number; readonly atMs: number; readonly opId: string; readonly result: KvResult }
  | { readonly type: 'run-state'; readonly seq: number; readonly atMs: number; readonly paused: boolean; readonly speed: number; readonly networkMs?: number }
  | { readonly type: 'pending'; readonly seq: number; readonly atMs: number; readonly items: readonly PendingItem[] }
  | { readonly type: 'faults'; readonly seq: number; readonly atMs: number; readonly links: readonly (DirectedLink & LinkFault)[] }
  | { readonly type: 'violation'; readonly seq: number; readonly atMs: number; readonly violation: Violation };

export type LabEventType = LabEvent['type'];

// ---------------------------------------------------------------------------------------------
// Export of the run for analysis (the app's Export menu; the CLI's `raft-lab export` does the same
// from a recording file)

/**
 * What to export. `replay`: the recording itself (JSON Lines, loads back into the lab);
 * `shiviz`: a ShiViz log; `perfetto`: Chrome Trace Event JSON; `history`: the client history for a
 * linearizability checker (Porcupine JSON or Knossos EDN); `sqlite`: one node's database as a
 * complete SQLite file; `archive`: all of it (every node's database included) as one tar file.
 */
export type ExportFormat =
  | { readonly kind: 'replay' }
  | { readonly kind: 'shiviz' }
  | { readonly kind: 'perfetto' }
  | { readonly kind: 'history'; readonly flavor: 'porcupine' | 'knossos' }
  | { readonly kind: 'sqlite'; readonly node: NodeId }
  | { readonly kind: 'archive' };

export type ExportFormatKind = ExportFormat['kind'];

/**
 * An export the host has written to a file of its own. Only this description crosses the bridge,
 * never the content (a long run's export is gigabytes): the page saves the file through its
 * transport (renderer/src/transport: in Electron main shows a save dialog and moves the file to
 * the chosen path; in a browser the page downloads it from the host's `/exports/<id>`, streamed).
 * The host keeps the file for one save or download, or EXPORT_KEEP_MS, whichever comes first.
 */
export interface ExportedFile {
  /** The file's handle for the save or download: a secret (EXPORT_ID_CHARS URL-safe characters). */
  readonly id: string;
  /** The name to save it as (no folders), e.g. `recording-1712345678901.tar`. */
  readonly fileName: string;
  readonly mimeType: string;
  /** Size of the file, in bytes. */
  readonly bytes: number;
}

export { EXPORT_ID_CHARS, EXPORT_KEEP_MS } from '../limits';

// ---------------------------------------------------------------------------------------------
// Searching the whole run's recording (the Events tab's "Search whole run")

/** One record of the recording that matches, in the recording's one-line text (describeEvent). */
export interface RunMatch {
  /** Line of the recording file (1 is the header). */
  readonly line: number;
  /** Seconds since the run started (the header's createdAtMs). */
  readonly atS: number;
  readonly text: string;
}

export interface RunSearch {
  /** The query as matched: trimmed, lower case. */
  readonly query: string;
  /** The first matches, in file order (at most the limit asked for). */
  readonly matches: readonly RunMatch[];
  /** Every match, counting those past the limit. */
  readonly total: number;
  /** Records searched. */
  readonly records: number;
}

export { RUN_SEARCH_LIMIT, RUN_SEARCH_LIMIT_MAX, RUN_SEARCH_QUERY_MAX } from '../limits';

// ---------------------------------------------------------------------------------------------
// The API

export interface ClusterSnapshot {
  readonly options: ClusterOptions;
  readonly dataDir: string;
  readonly nodes: readonly NodeView[];
  readonly paused: boolean;
  readonly speed: number;
  /** Lab ms every message spends on its link (see Pace). */
  readonly networkMs: number;
  readonly pending: readonly PendingItem[];
  readonly links: readonly (DirectedLink & LinkFault)[];
  readonly violations: readonly Violation[];
  /** Seq of the last event folded into this snapshot. */
  readonly seq: number;
}

/** Most ticks one `tickOnce` call advances, and most entries one `readLog` call returns (shared/limits.ts). */
export { MAX_LOG_READ, MAX_NETWORK_MS, MAX_TICKS_PER_STEP } from '../limits';

/** Part of one node's log, as `readLog` answers it. */
export interface LogRange {
  readonly node: NodeId;
  /** The entries held with index in [lo, hi), in order (none below firstIndex: compacted into the snapshot). */
  readonly entries: readonly Entry[];
  /** First index still in the log (snapshot index + 1). */
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly commit: number;
}

export interface LabApi {
  createCluster(options: ClusterOptions): Promise<ClusterSnapshot>;
  /** Stop every node cleanly and forget the cluster. */
  destroyCluster(): Promise<void>;
  snapshot(): Promise<ClusterSnapshot>;

  // Node lifecycle
  crashNode(node: NodeId): Promise<void>;
  restartNode(node: NodeId): Promise<void>;
  stopNode(node: NodeId): Promise<void>;
  setNodePaused(node: NodeId, paused: boolean): Promise<void>;
  /**
   * For a node whose storage was refused at start (its exit is `refused-to-start`): delete its
   * files and start it empty, so it rejoins and catches up from the leader. Refused for any
   * other node. Like any lost disk, this is safe only while the other voters still hold what
   * the node had acknowledged (and its vote in the current term).
   */
  discardNodeData(node: NodeId): Promise<void>;

  // Membership
  addNode(options: { readonly learner: boolean }): Promise<NodeId>;
  changeMembership(change: ConfChange): Promise<{ readonly ok: boolean; readonly detail: string }>;
  transferLeadership(to: NodeId): Promise<void>;

  // Time and step mode
  setPaused(paused: boolean): Promise<void>;
  /** 0.01 to 10; the network time stays. */
  setSpeed(speed: number): Promise<void>;
  /** Speed and network time together (WATCH_PACE, REAL_PACE or any other). */
  setPace(pace: Pace): Promise<void>;
  deliver(pendingId: string): Promise<void>;
  drop(pendingId: string): Promise<void>;
  fireTimeout(node: NodeId): Promise<void>;
  /**
   * While paused: every node advances `ticks` ticks (default 1, at most MAX_TICKS_PER_STEP), one
   * tick at a time; messages they send are held as pending.
   */
  tickOnce(ticks?: number): Promise<void>;

  // Faults
  setLinkFault(link: DirectedLink, fault: Partial<LinkFault>): Promise<void>;
  partition(partition: NamedPartition): Promise<void>;

  // Clients
  submit(op: KvOp, options?: SubmitOptions): Promise<KvResult>;

  // Inspection
  /**
   * The entries node `node` holds with index in [lo, hi) (1 <= lo <= hi, at most MAX_LOG_READ of
   * them), so a page that connects to a running cluster can show entries it never saw sent.
   * Rejects with a clear reason for a bad range or a node that is not running.
   */
  readLog(node: NodeId, lo: number, hi: number): Promise<LogRange>;

  // Export and search of the run's recording (read from its file as a stream, never held whole)
  /**
   * Writes the current (or last) run in `format` to a file on the host, streamed (a run that is
   * still going is exported as far as it is recorded, closed with an end record), and describes
   * that file; the page then saves it through its transport (see ExportedFile). Rejects with a
   * clear reason when there is nothing to export.
   */
  exportRun(format: ExportFormat): Promise<ExportedFile>;
  /**
   * Every record of the current (or last) run's recording whose one-line text contains `query`
   * (case-insensitive; at most RUN_SEARCH_QUERY_MAX characters), read from the file on the host:
   * the first `limit` matches (default RUN_SEARCH_LIMIT, at most RUN_SEARCH_LIMIT_MAX) and the
   * count of all. Rejects with a clear reason when there is no recording.
   */
  searchRun(query: string, limit?: number): Promise<RunSearch>;

  /** Subscribe to the batched event stream. Returns an unsubscribe function. */
  onEvents(listener: (events: readonly LabEvent[]) => void): () => void;
}
