/**
 * The Raft core's data types: log entries, messages, persisted state, snapshots, configuration,
 * and the Ready bundle. Every type here is plain JSON (numbers, strings, booleans, arrays, plain
 * objects; no Map, no undefined-vs-missing distinctions that matter), because recordings, IPC and
 * the node databases carry them as they are.
 *
 * Bump PROTOCOL_VERSION when any shape here changes incompatibly; readers reject other versions.
 */

export const PROTOCOL_VERSION = 1 as const;

/** Node ids are small positive integers (1, 2, 3, ...). 0 means "none". */
export type NodeId = number;
export const NONE: NodeId = 0;

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

// ---------------------------------------------------------------------------------------------
// Membership

/**
 * A single-server membership change. Raft Lab uses single-server changes, one at a time
 * (Ongaro's dissertation §4.1), see docs/membership.md.
 * - `add-learner`: the node joins as a non-voting learner (receives the log, does not vote).
 * - `add-voter`: the node joins as a voter, or a learner is promoted to voter.
 * - `remove`: the node (voter or learner) leaves the configuration.
 */
export type ConfChange =
  | { readonly type: 'add-voter'; readonly node: NodeId }
  | { readonly type: 'add-learner'; readonly node: NodeId }
  | { readonly type: 'remove'; readonly node: NodeId };

/** A cluster configuration. `voters` and `learners` are disjoint and sorted ascending. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

// ---------------------------------------------------------------------------------------------
// Log

/**
 * A log entry. `index` starts at 1. The entry kinds:
 * - `noop`: appended by a new leader at the start of its term (commits earlier terms' entries);
 * - `command`: an opaque client command (the KV state machine encodes/decodes `data`);
 * - `conf`: a membership change.
 */
export type Entry =
  | { readonly kind: 'noop'; readonly term: number; readonly index: number }
  | { readonly kind: 'command'; readonly term: number; readonly index: number; readonly data: string }
  | { readonly kind: 'conf'; readonly term: number; readonly index: number; readonly change: ConfChange };

/** Term and vote: what a node must never forget across a crash. */
export interface HardState {
  readonly term: number;
  /** The node voted for in `term`, or NONE. */
  readonly vote: NodeId;
  /** The highest index known committed. Persisted so restarts do not re-apply from scratch. */
  readonly commit: number;
}

export interface SnapshotMeta {
  /** Last index the snapshot covers (inclusive). */
  readonly index: number;
  /** Term of the entry at `index`. */
  readonly term: number;
  /** The configuration in effect at `index`. */
  readonly conf: ConfState;
}

/** A state-machine snapshot. `data` is opaque to the core (the KV store serialises itself). */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: string;
}

/** Everything a node persists; what a restarted node is rebuilt from. */
export interface PersistedState {
  readonly hardState: HardState;
  /** The latest snapshot, or null if the log was never compacted. */
  readonly snapshot: Snapshot | null;
  /** Entries after the snapshot (or from index 1), contiguous, ascending. */
  readonly entries: readonly Entry[];
}

// ---------------------------------------------------------------------------------------------
// Messages (node to node). Every message carries from, to and the sender's term.

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

export interface RequestVote extends MessageBase {
  readonly type: 'RequestVote';
  /** A PreVote probe: `term` is the term the sender would campaign in; nobody's state changes. */
  readonly preVote: boolean;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /** Set when the election was triggered by a leadership transfer (bypasses leader lease checks). */
  readonly transfer: boolean;
}

export interface RequestVoteResponse extends MessageBase {
  readonly type: 'RequestVoteResponse';
  readonly preVote: boolean;
  readonly granted: boolean;
}

export interface AppendEntries extends MessageBase {
  readonly type: 'AppendEntries';
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  /** Empty for a heartbeat. */
  readonly entries: readonly Entry[];
  readonly leaderCommit: number;
  /** ReadIndex round this heartbeat confirms leadership for (0 when none). */
  readonly readCtx: number;
}

export interface AppendEntriesResponse extends MessageBase {
  readonly type: 'AppendEntriesResponse';
  readonly success: boolean;
  /**
   * On success: the follower's last index known to match the leader's log. On rejection: the
   * request's prevLogIndex that was rejected (lets the leader ignore stale rejections).
   */
  readonly matchIndex: number;
  /**
   * On rejection, the fast-backtracking hint (dissertation §5.3 "optimization"): the follower's
   * last log index and, when the follower has an entry at prevLogIndex with another term, that
   * term and the first index the follower holds for it. The leader skips a whole term per round
   * trip instead of one entry.
   */
  readonly rejectHint: { readonly lastIndex: number; readonly conflictTerm: number; readonly conflictIndex: number } | null;
  /** Echo of the request's readCtx. */
  readonly readCtx: number;
}

export interface InstallSnapshot extends MessageBase {
  readonly type: 'InstallSnapshot';
  readonly snapshot: Snapshot;
}

export interface InstallSnapshotResponse extends MessageBase {
  readonly type: 'InstallSnapshotResponse';
  /** The follower's last index after handling the snapshot. */
  readonly matchIndex: number;
}

/** Leadership transfer: tells the target to campaign at once (dissertation §3.10). */
export interface TimeoutNow extends MessageBase {
  readonly type: 'TimeoutNow';
}

export type Message =
  | RequestVote
  | RequestVoteResponse
  | AppendEntries
  | AppendEntriesResponse
  | InstallSnapshot
  | InstallSnapshotResponse
  | TimeoutNow;

export type MessageType = Message['type'];

// ---------------------------------------------------------------------------------------------
// Configuration of one node

/**
 * Deliberate bugs, for proving the invariant checker finds them. All default to false; the app
 * and every normal test run with all of them off.
 */
export interface UnsafeOptions {
  /** Commit previous-term entries by counting replicas (the Figure 8 bug). */
  readonly commitPreviousTermByCount?: boolean;
  /** Grant votes without the up-to-date log check (§5.4.1). */
  readonly skipVoteLogCheck?: boolean;
  /** Grant a second vote in the same term to a different candidate. */
  readonly allowDoubleVote?: boolean;
  /**
   * Send messages before the persisted state they depend on is durable. The core only flags it in
   * Ready (`messagesBeforePersist`); the host (simulator, node process) is what honours it.
   */
  readonly replyBeforePersist?: boolean;
}

export interface RaftConfig {
  readonly id: NodeId;
  /** Ticks between heartbeats a leader sends. */
  readonly heartbeatTicks: number;
  /**
   * Base election timeout in ticks. Each node draws its randomized timeout uniformly from
   * [electionTicks, 2 * electionTicks - 1] on every reset (§5.2).
   */
  readonly electionTicks: number;
  /** Use PreVote (dissertation §9.6). */
  readonly preVote: boolean;
  /** Leader steps down if it has not heard from a quorum within an election timeout (§6.2). */
  readonly checkQuorum: boolean;
  /** Max entries per AppendEntries message. */
  readonly maxEntriesPerMsg: number;
  /** Max AppendEntries in flight per follower in replicate state (flow control). */
  readonly maxInflightMsgs: number;
  /** Enable lease-based reads (separate from ReadIndex; requires checkQuorum). */
  readonly leaseRead: boolean;
  readonly unsafe?: UnsafeOptions;
}

export const DEFAULT_RAFT_CONFIG: Omit<RaftConfig, 'id'> = {
  heartbeatTicks: 1,
  electionTicks: 10,
  preVote: true,
  checkQuorum: true,
  maxEntriesPerMsg: 64,
  maxInflightMsgs: 16,
  leaseRead: false,
};

// ---------------------------------------------------------------------------------------------
// Outputs

/** A ReadIndex request that became safe to serve: serve it once `applied >= index`. */
export interface ReadState {
  /** The caller's request id, as passed to readIndex(). */
  readonly ctx: string;
  readonly index: number;
}

/** Why a proposal was refused on the spot (not an error: the client should retry elsewhere). */
export type ProposalRefusal =
  | { readonly reason: 'not-leader'; readonly leader: NodeId }
  | { readonly reason: 'transfer-in-progress'; readonly leader: NodeId }
  | { readonly reason: 'conf-change-pending'; readonly leader: NodeId }
  | { readonly reason: 'invalid-conf-change'; readonly leader: NodeId; readonly detail: string };

/** Volatile state the UI shows; not persisted. */
export interface SoftState {
  readonly role: Role;
  readonly leader: NodeId;
}

/**
 * One batch of work for the host. The host must, in this order:
 * 1. persist `snapshot` (if any), then `entries` (truncating the stored log at entries[0].index
 *    first if it overlaps), then `hardState` (if any) — durably, BEFORE step 2;
 * 2. send `messages`;
 * 3. apply `committedEntries` to the state machine (they are already durable in the log);
 *    if `snapshot` is set, restore the state machine from it first;
 * 4. serve `readStates` once applied >= their index;
 * 5. call `advance(ready)`.
 * Empty fields mean nothing to do.
 */
export interface Ready {
  readonly softState: SoftState;
  /** Set when term, vote or commit changed since the last Ready. */
  readonly hardState: HardState | null;
  /** Log entries to persist. May overwrite a stored suffix (truncate from entries[0].index). */
  readonly entries: readonly Entry[];
  /**
   * A snapshot to persist and restore the state machine from: one received from the leader (it
   * replaces the whole stored log), or a fresh node's bootstrap snapshot at index 0 (data '':
   * the empty state machine; it carries the initial configuration).
   */
  readonly snapshot: Snapshot | null;
  /** Messages to send after persisting. */
  readonly messages: readonly Message[];
  /** Committed entries to apply, ascending, contiguous from the last applied + 1. */
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
  /** True only under the `replyBeforePersist` deliberate bug: the host sends before persisting. */
  readonly messagesBeforePersist: boolean;
}

// ---------------------------------------------------------------------------------------------
// Inspection

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** The leader's view of one peer (only meaningful on the leader). */
export interface PeerProgress {
  readonly id: NodeId;
  /** Highest index known replicated on the peer. Invariant: match < next. */
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly inflight: number;
  readonly recentActive: boolean;
  readonly learner: boolean;
}

/** A full read-only view of a node, for the UI, the checker and tests. */
export interface NodeStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly leader: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
  /** The configuration in effect (the latest in the log, committed or not). */
  readonly conf: ConfState;
  readonly electionElapsed: number;
  readonly randomizedElectionTicks: number;
  readonly heartbeatElapsed: number;
  /** Leader only; empty otherwise. Ascending by id. */
  readonly progress: readonly PeerProgress[];
  readonly leadTransferee: NodeId;
  /** Index of the uncommitted conf entry, or 0. */
  readonly pendingConfIndex: number;
}
