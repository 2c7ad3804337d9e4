/**
 * What the role step functions (step-*.ts) and the replication helpers (replicate.ts) may read and
 * change on one node's Raft state. `Raft` (raft.ts) implements it; those modules import this leaf
 * instead of raft.ts, so raft.ts can install them as handlers without an import cycle.
 */
import type { ConfHistory } from './conf';
import type { RaftLog } from './log';
import type { Progress } from './progress';
import type { VoteResult } from './quorum';
import type { ReadIndexQueue } from './read-index';
import type { ConfState, Entry, Message, NodeId, RaftConfig, ReadState, Role, Snapshot } from './types';

/** A read asked before the leader's first commit in its term, and whether it asked for a lease read. */
export interface WaitingRead {
  readonly ctx: string;
  readonly lease: boolean;
}

export interface RaftState {
  readonly id: NodeId;
  readonly cfg: RaftConfig;
  readonly term: number;
  lead: NodeId;
  readonly role: Role;
  /** Highest index known committed; changed only through commitTo. */
  readonly commit: number;
  readonly log: RaftLog;
  readonly confs: ConfHistory;
  electionElapsed: number;
  /** Leader only: progress of every other member. */
  readonly prs: Map<NodeId, Progress>;
  /** Leader only: the keys of `prs`, ascending. */
  readonly peerIds: readonly NodeId[];
  readonly leadTransferee: NodeId;
  readonly reads: ReadIndexQueue;
  /** ReadIndex requests waiting for the leader's first commit in its term. */
  waitingReads: WaitingRead[];
  readonly readStates: ReadState[];

  conf(): ConfState;
  pendingConfIndex(): number;
  send(m: Message): void;
  becomeFollower(term: number, lead: NodeId): void;
  becomeLeader(): void;
  syncProgress(newPeersGetSnapshot: boolean): void;
  appendFromLeader(ents: readonly Entry[]): void;
  commitTo(index: number): void;
  restoreSnapshot(s: Snapshot): void;
  hup(transfer: boolean): void;
  campaign(kind: 'pre' | 'real', transfer: boolean): void;
  poll(from: NodeId, granted: boolean): VoteResult;
  startRead(ctx: string, lease: boolean): void;
}
