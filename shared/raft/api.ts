/**
 * The contract of one Raft node as the hosts (simulator, node process, replay) see it.
 * The implementation is `RawNode` in raw-node.ts; everything else programs against this.
 *
 * Inputs: tick(), step(message), propose(), proposeConfChange(), readIndex(),
 * transferLeadership(), campaign(), compact(). Outputs: ready() / advance().
 * The node never does I/O, never reads a clock and draws randomness only from the injected Rng.
 *
 * Constructing nodes (static factories of RawNode):
 * - `RawNode.bootstrap(config, rng, conf)`: a member of a brand-new cluster whose initial
 *   configuration is `conf`. Its bootstrap state comes out in its first Ready, so hosts persist
 *   it through the normal path.
 * - `RawNode.join(config, rng)`: a node added to a running cluster; it starts empty and learns
 *   the configuration from the leader.
 * - `RawNode.restore(config, rng, persisted)`: a restart from what the host persisted.
 */
import type {
  ConfChange,
  ConfState,
  Entry,
  Message,
  NodeId,
  NodeStatus,
  PersistedState,
  ProposalRefusal,
  RaftConfig,
  Ready,
} from './types';
import type { Rng } from '../util/rng';

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly refusal: ProposalRefusal };

export type ReadIndexResult = { readonly ok: true } | { readonly ok: false; readonly refusal: ProposalRefusal };

/** How one read asks to be served (readIndex's second argument). */
export interface ReadIndexOptions {
  /**
   * Serve from the leader's state without a heartbeat round while its lease holds: CheckQuorum
   * is on and a quorum of voters was heard from within the current election timeout (§6.4.1).
   * Relies on bounded clock drift between nodes. When the lease does not hold, the read falls
   * back to a ReadIndex round. Absent: RaftConfig.leaseRead decides.
   */
  readonly lease?: boolean;
}

export interface RaftNodeApi {
  readonly id: NodeId;

  /** Advance logical time by one tick (elections and heartbeats are counted in ticks). */
  tick(): void;
  /** Handle one message from a peer. Messages with a stale term or for another node are ignored. */
  step(msg: Message): void;
  /**
   * Fire this node's election timeout now (the UI's "fire timeout"): as if the randomized
   * election timeout had elapsed. With PreVote on, this starts a pre-vote. Leaders ignore it.
   */
  campaign(): void;

  /** Leader only: append a client command. */
  propose(data: string): ProposeResult;
  /** Leader only: append a membership change (one at a time; see docs/membership.md). */
  proposeConfChange(change: ConfChange): ProposeResult;
  /**
   * Leader only: request a linearizable read point. A ReadState with the same ctx appears in a
   * later Ready once a quorum has confirmed leadership (ReadIndex, dissertation §6.4), or in the
   * next Ready when `options.lease` asks for a lease read and the lease holds (§6.4.1).
   */
  readIndex(ctx: string, options?: ReadIndexOptions): ReadIndexResult;
  /** Leader only: hand leadership to `to` (dissertation §3.10). */
  transferLeadership(to: NodeId): void;

  /**
   * The host took a state-machine snapshot `data` at `index` (<= applied) and has persisted it:
   * the node discards its log up to `index` and serves that snapshot to followers that fall
   * behind. Compaction is the host's own action, so it does not come back in a Ready. The
   * persisted snapshot's meta is { index, term: termAt(index), conf: confAt(index) }.
   */
  compact(index: number, data: string): void;
  /**
   * The configuration in effect at `index` (snapshot index <= index <= last index): what a
   * snapshot taken at `index` must carry. It differs from status().conf whenever a conf entry
   * lies after `index`, so hosts persisting a compaction snapshot must use this.
   */
  confAt(index: number): ConfState;

  hasReady(): boolean;
  /** The pending batch of work. Call advance() with it once handled. */
  ready(): Ready;
  advance(ready: Ready): void;

  status(): NodeStatus;
  /** Log entries with index in [lo, hi), only those still in the log (after the snapshot). */
  entries(lo: number, hi: number): Entry[];
  /** Term of the entry at `index`, or null if compacted away or beyond the log. */
  termAt(index: number): number | null;
}

/**
 * How hosts build nodes: RawNode's static factories satisfy it, so hosts pass the class; wrappers
 * such as the recording factory implement it too.
 */
export interface RaftNodeFactory {
  bootstrap(config: RaftConfig, rng: Rng, conf: ConfState): RaftNodeApi;
  join(config: RaftConfig, rng: Rng): RaftNodeApi;
  restore(config: RaftConfig, rng: Rng, persisted: PersistedState): RaftNodeApi;
  /** Optional notice from the host that it dropped `node`'s instance (a crash). */
  crashed?(node: NodeId): void;
}
