/**
 * RawNode: the Raft state machine behind the host-facing contract (api.ts). It turns the state
 * changes of raft.ts into Ready bundles and takes the host's acknowledgements back in advance().
 *
 * Usage: after any input, `while (node.hasReady()) { const rd = node.ready(); handle(rd);
 * node.advance(rd); }`. Steps may happen between ready() and advance() (an asynchronous host),
 * but ready() must not be called again before advance().
 */
import type { ProposeResult, RaftNodeApi, ReadIndexOptions, ReadIndexResult } from './api';
import { assert } from './assert';
import { validateConfState } from './conf';
import { Raft } from './raft';
import type { Rng } from '../util/rng';
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  NodeStatus,
  PeerProgress,
  PersistedState,
  RaftConfig,
  Ready,
  SoftState,
  Snapshot,
} from './types';
import { NONE } from './types';

export class RawNode implements RaftNodeApi {
  private readonly r: Raft;
  /** The hard state as of the last Ready (null: never reported, so the first Ready carries it). */
  private prevHard: HardState | null;
  private prevSoft: SoftState;
  private outstanding = false;

  private constructor(r: Raft, persistedHard: HardState | null) {
    this.r = r;
    this.prevHard = persistedHard;
    this.prevSoft = { role: r.role, leader: r.lead };
  }

  /**
   * A member of a brand-new cluster with initial configuration `conf`. The configuration lives in
   * a bootstrap snapshot at index 0, term 0 (data '': the empty state machine), so every member
   * starts from the same point and the first election is for term 1. The snapshot and hard state
   * come out in the first Ready, to be persisted like any other.
   */
  static bootstrap(config: RaftConfig, rng: Rng, conf: ConfState): RawNode {
    const bad = validateConfState(conf);
    if (bad !== null) throw new RangeError(`bootstrap: invalid configuration: ${bad}`);
    if (conf.voters.length === 0) throw new RangeError('bootstrap: the configuration needs at least one voter');
    const snap: Snapshot = { meta: { index: 0, term: 0, conf }, data: '' };
    const r = new Raft(config, rng, snap, []);
    r.pendingSnapshot = snap;
    return new RawNode(r, null);
  }

  /**
   * A node to be added to a running cluster. It starts with no log and no configuration, never
   * campaigns, and rejects AppendEntries until the leader sends its snapshot (see
   * docs/membership.md).
   */
  static join(config: RaftConfig, rng: Rng): RawNode {
    return new RawNode(new Raft(config, rng, null, []), null);
  }

  /**
   * A restart from what the host persisted. Applied = the snapshot index (the host restores its
   * state machine from its snapshot); committed entries after it come out again in Ready.
   * Throws a RangeError naming the problem if `persisted` is inconsistent; nothing is changed.
   */
  static restore(config: RaftConfig, rng: Rng, persisted: PersistedState): RawNode {
    const problem = checkPersisted(persisted);
    if (problem !== null) throw new RangeError(`restore: persisted state is inconsistent: ${problem}`);
    const r = new Raft(config, rng, persisted.snapshot, persisted.entries);
    r.log.unstableFrom = r.log.lastIndex() + 1;
    const hs = persisted.hardState;
    r.becomeFollower(hs.term, NONE);
    r.vote = hs.vote;
    r.commitTo(hs.commit);
    return new RawNode(r, { term: r.term, vote: r.vote, commit: r.commit });
  }

  get id(): NodeId {
    return this.r.id;
  }

  tick(): void {
    this.r.tick();
  }

  step(msg: Message): void {
    this.r.step(msg);
  }

  campaign(): void {
    this.r.electionElapsed = 0;
    this.r.hup(false);
  }

  propose(data: string): ProposeResult {
    return this.r.propose(data);
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    return this.r.proposeConfChange(change);
  }

  readIndex(ctx: string, options?: ReadIndexOptions): ReadIndexResult {
    return this.r.readIndex(ctx, options);
  }

  transferLeadership(to: NodeId): void {
    this.r.transferLeadership(to);
  }

  compact(index: number, data: string): void {
    this.r.compact(index, data);
  }

  confAt(index: number): ConfState {
    const log = this.r.log;
    if (!Number.isInteger(index) || index < log.snapshotIndex || index > log.lastIndex()) {
      throw new RangeError(`confAt: index ${index} is outside the log [${log.snapshotIndex}, ${log.lastIndex()}]`);
    }
    return this.r.confs.at(index);
  }

  hasReady(): boolean {
    const r = this.r;
    if (r.msgs.length > 0 || r.readStates.length > 0 || r.pendingSnapshot !== null) return true;
    if (r.log.unstableFrom <= r.log.lastIndex() || r.commit > r.applied) return true;
    const h = this.prevHard;
    if (h === null || h.term !== r.term || h.vote !== r.vote || h.commit !== r.commit) return true;
    return this.prevSoft.role !== r.role || this.prevSoft.leader !== r.lead;
  }

  ready(): Ready {
    assert(!this.outstanding, 'ready() called again before advance() of the previous Ready');
    const r = this.r;
    const softState: SoftState = { role: r.role, leader: r.lead };
    const h = this.prevHard;
    const hardState =
      h === null || h.term !== r.term || h.vote !== r.vote || h.commit !== r.commit ? { term: r.term, vote: r.vote, commit: r.commit } : null;
    const messages = r.msgs;
    r.msgs = [];
    const readStates = r.readStates;
    r.readStates = [];
    const rd: Ready = {
      softState,
      hardState,
      entries: r.log.unstableEntries(),
      snapshot: r.pendingSnapshot,
      messages,
      committedEntries: r.commit > r.applied ? r.log.slice(r.applied + 1, r.commit + 1) : [],
      readStates,
      messagesBeforePersist: r.cfg.unsafe?.replyBeforePersist === true,
    };
    if (hardState !== null) this.prevHard = hardState;
    this.prevSoft = softState;
    this.outstanding = true;
    return rd;
  }

  advance(rd: Ready): void {
    assert(this.outstanding, 'advance() without a Ready');
    this.outstanding = false;
    const r = this.r;
    const n = rd.entries.length;
    if (n > 0) {
      const first = rd.entries[0] as Entry;
      const last = rd.entries[n - 1] as Entry;
      r.log.stableTo(first.index, last.index, last.term);
    }
    if (rd.snapshot !== null && r.pendingSnapshot === rd.snapshot) r.pendingSnapshot = null;
    const c = rd.committedEntries.length;
    if (c > 0) r.applied = Math.max(r.applied, (rd.committedEntries[c - 1] as Entry).index);
  }

  status(): NodeStatus {
    const r = this.r;
    const progress: PeerProgress[] = [];
    if (r.role === 'leader') {
      const last = r.log.lastIndex();
      for (const [id, pr] of r.prs) {
        progress.push({ id, match: pr.match, next: pr.next, state: pr.state, inflight: pr.inflights.count, recentActive: pr.recentActive, learner: pr.learner });
      }
      progress.push({ id: r.id, match: last, next: last + 1, state: 'replicate', inflight: 0, recentActive: true, learner: !r.conf().voters.includes(r.id) });
      progress.sort((a, b) => a.id - b.id);
    }
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      leader: r.lead,
      commit: r.commit,
      applied: r.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      lastTerm: r.log.lastTerm(),
      snapshotIndex: r.log.snapshotIndex,
      snapshotTerm: r.log.snapshotTerm,
      conf: r.conf(),
      electionElapsed: r.electionElapsed,
      randomizedElectionTicks: r.randomizedElectionTicks,
      heartbeatElapsed: r.heartbeatElapsed,
      progress,
      leadTransferee: r.leadTransferee,
      pendingConfIndex: r.pendingConfIndex(),
    };
  }

  entries(lo: number, hi: number): Entry[] {
    return this.r.log.slice(lo, hi);
  }

  termAt(index: number): number | null {
    return this.r.log.termAt(index);
  }

  /** Votes received in the current (pre-)election, ascending by voter (for inspection). */
  votes(): { readonly id: NodeId; readonly granted: boolean }[] {
    return [...this.r.votes].map(([id, granted]) => ({ id, granted })).sort((a, b) => a.id - b.id);
  }
}

/** Why `p` cannot be a node's persisted state, or null if it can. */
export function checkPersisted(p: PersistedState): string | null {
  const h = p.hardState;
  if (!Number.isInteger(h.term) || h.term < 0) return `hardState.term must be a non-negative integer, got ${h.term}`;
  if (!Number.isInteger(h.vote) || h.vote < 0) return `hardState.vote must be a non-negative integer, got ${h.vote}`;
  const snapIndex = p.snapshot === null ? 0 : p.snapshot.meta.index;
  let prevTerm = p.snapshot === null ? 0 : p.snapshot.meta.term;
  if (p.snapshot !== null) {
    const bad = validateConfState(p.snapshot.meta.conf);
    if (bad !== null) return `snapshot configuration: ${bad}`;
  }
  let expect = snapIndex + 1;
  for (const e of p.entries) {
    if (e.index !== expect) return `entries must be contiguous from ${snapIndex + 1}: found index ${e.index} where ${expect} was expected`;
    if (e.term < prevTerm) return `entry ${e.index} has term ${e.term}, lower than the previous ${prevTerm}`;
    prevTerm = e.term;
    expect++;
  }
  if (prevTerm > h.term) return `log holds term ${prevTerm}, beyond hardState.term ${h.term}`;
  const last = expect - 1;
  if (h.commit > last) return `hardState.commit ${h.commit} is beyond the last log index ${last}`;
  if (p.snapshot === null && p.entries.length > 0) return 'entries without a snapshot (a node gets its configuration from a snapshot first)';
  return null;
}
