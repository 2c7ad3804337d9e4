/**
 * The Raft state machine of one node: state, role transitions, and the message dispatcher that
 * handles terms and votes before handing the message to the current role's step function
 * (step-leader.ts, step-candidate.ts, step-follower.ts). Roles swap their step and tick
 * handlers on transition, as in etcd-raft. No I/O: outgoing messages collect in `msgs`, and
 * RawNode (raw-node.ts) turns state changes into Ready bundles.
 */
import { assert } from './assert';
import { ConfHistory, isMember, isVoter, members, validateChange } from './conf';
import { RaftLog } from './log';
import { Progress } from './progress';
import { hasQuorum, voteResult } from './quorum';
import type { VoteResult } from './quorum';
import { ReadIndexQueue } from './read-index';
import { bcastAppend, bcastHeartbeat, maybeCommit, sendAppend, sendTimeoutNow } from './replicate';
import { stepCandidate } from './step-candidate';
import { stepFollower } from './step-follower';
import { stepLeader } from './step-leader';
import type { ProposeResult, ReadIndexOptions, ReadIndexResult } from './api';
import type { RaftState, WaitingRead } from './raft-state';
import type { Rng } from '../util/rng';
import type {
  ConfChange,
  ConfState,
  Entry,
  Message,
  NodeId,
  RaftConfig,
  ReadState,
  RequestVote,
  Role,
  Snapshot,
} from './types';
import { NONE } from './types';

export type StepFn = (r: Raft, m: Message) => void;
export type TickFn = (r: Raft) => void;

export class Raft implements RaftState {
  readonly id: NodeId;
  readonly cfg: RaftConfig;
  private readonly rng: Rng;

  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: Role = 'follower';
  /** Highest index known committed. Never decreases. */
  commit = 0;
  /** Highest index the host has applied (acknowledged through advance). */
  applied = 0;

  readonly log: RaftLog;
  readonly confs: ConfHistory;

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTicks = 0;

  /** Votes received in the current (pre-)election. */
  readonly votes = new Map<NodeId, boolean>();
  /** Leader only: progress of every other member. */
  readonly prs = new Map<NodeId, Progress>();
  /** Leader only: the keys of `prs`, ascending (the order messages go out in). */
  peerIds: NodeId[] = [];
  leadTransferee: NodeId = NONE;
  readonly reads = new ReadIndexQueue();
  /** ReadIndex requests waiting for the leader's first commit in its term. */
  waitingReads: WaitingRead[] = [];

  /** Outputs collected for the next Ready. */
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  /** A snapshot received from a leader (or the bootstrap one) that the host must persist. */
  pendingSnapshot: Snapshot | null = null;

  private stepFn: StepFn = stepFollower;
  private tickFn: TickFn = tickElection;

  constructor(cfg: RaftConfig, rng: Rng, snapshot: Snapshot | null, entries: readonly Entry[]) {
    validateConfig(cfg);
    this.id = cfg.id;
    this.cfg = cfg;
    this.rng = rng;
    this.log = new RaftLog(snapshot, entries);
    this.confs = new ConfHistory(snapshot === null ? { voters: [], learners: [] } : snapshot.meta.conf);
    for (const e of entries) this.confs.onAppend(e);
    this.commit = this.log.snapshotIndex;
    this.applied = this.log.snapshotIndex;
    this.becomeFollower(0, NONE);
  }

  // -------------------------------------------------------------------------------------------
  // Small queries

  conf(): ConfState {
    return this.confs.current();
  }

  /** May this node start elections? Only voters of the configuration it knows. */
  promotable(): boolean {
    return isVoter(this.conf(), this.id);
  }

  /** Index of the uncommitted conf entry, or 0. */
  pendingConfIndex(): number {
    const i = this.confs.latestIndex();
    return i > this.commit ? i : 0;
  }

  /** Queue a message for the next Ready. Messages are built as literals of one fixed shape. */
  send(m: Message): void {
    this.msgs.push(m);
  }

  // -------------------------------------------------------------------------------------------
  // Role transitions

  private reset(term: number): void {
    if (term !== this.term) {
      assert(term > this.term, `term moves back from ${this.term} to ${term}`);
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = NONE;
    this.votes.clear();
    this.prs.clear();
    this.peerIds = [];
    this.reads.reset();
    this.waitingReads = [];
  }

  /** Draw a new election timeout in [electionTicks, 2 * electionTicks - 1] (§5.2). */
  resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTicks = this.rng.range(this.cfg.electionTicks, 2 * this.cfg.electionTicks - 1);
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
    this.stepFn = stepFollower;
    this.tickFn = tickElection;
  }

  becomePreCandidate(): void {
    assert(this.role !== 'leader', 'invalid transition leader -> pre-candidate');
    // PreVote changes neither term nor vote (§9.6): it only asks whether an election could win.
    this.votes.clear();
    this.lead = NONE;
    this.electionElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.role = 'pre-candidate';
    this.stepFn = stepCandidate;
    this.tickFn = tickElection;
  }

  becomeCandidate(): void {
    assert(this.role !== 'leader', 'invalid transition leader -> candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.stepFn = stepCandidate;
    this.tickFn = tickElection;
  }

  becomeLeader(): void {
    assert(this.role !== 'follower', 'invalid transition follower -> leader');
    const vote = this.vote;
    this.reset(this.term);
    this.vote = vote;
    this.lead = this.id;
    this.role = 'leader';
    this.stepFn = stepLeader;
    this.tickFn = tickHeartbeat;
    this.syncProgress(false);
    // A no-op entry of the new term: committing it commits every earlier entry (§5.4.2, §8).
    this.appendLocal({ kind: 'noop', term: this.term, index: this.log.lastIndex() + 1 });
    bcastAppend(this);
    // A single-voter cluster commits its no-op at once.
    maybeCommit(this);
  }

  /**
   * Make the leader's progress set match the configuration. Peers added while leading are
   * assumed empty and sent our snapshot first, which is how a joiner learns the configuration.
   * A peer being removed keeps receiving the log until its removal commits (without counting
   * toward any majority), so it learns it was removed and does not campaign.
   */
  syncProgress(newPeersGetSnapshot: boolean): void {
    const conf = this.conf();
    const committedConf = this.confs.at(this.commit);
    for (const id of new Set([...members(conf), ...members(committedConf)])) {
      if (id === this.id) continue;
      const learner = !isVoter(conf, id);
      const pr = this.prs.get(id);
      if (pr !== undefined) {
        pr.learner = learner;
        continue;
      }
      const fresh = new Progress(this.log.lastIndex() + 1, this.cfg.maxInflightMsgs, learner);
      this.prs.set(id, fresh);
      this.peerIds = [...this.prs.keys()].sort((a, b) => a - b);
      if (newPeersGetSnapshot) sendAppend(this, id, true, true);
    }
    for (const id of [...this.prs.keys()]) {
      if (!isMember(conf, id) && !isMember(committedConf, id)) this.prs.delete(id);
    }
    this.peerIds = [...this.prs.keys()].sort((a, b) => a - b);
    if (this.leadTransferee !== NONE && !isVoter(conf, this.leadTransferee)) this.leadTransferee = NONE;
  }

  // -------------------------------------------------------------------------------------------
  // Log changes (configurations follow the log)

  /** Leader: append one entry of our own. */
  appendLocal(e: Entry): void {
    this.log.append([e]);
    if (this.confs.onAppend(e) && this.role === 'leader') this.syncProgress(true);
  }

  /** Follower: append entries from the leader that we verified to follow our log. */
  appendFromLeader(ents: readonly Entry[]): void {
    const conflict = this.log.findConflict(ents);
    if (conflict === 0) return;
    assert(conflict > this.commit, `entry ${conflict} from the leader conflicts with committed ${this.commit}`);
    const first = (ents[0] as Entry).index;
    const rest = ents.slice(conflict - first);
    if (conflict <= this.log.lastIndex()) this.confs.truncateFrom(conflict);
    this.log.append(rest);
    for (const e of rest) this.confs.onAppend(e);
  }

  commitTo(index: number): void {
    if (index <= this.commit) return;
    assert(index <= this.log.lastIndex(), `commit ${index} beyond last index ${this.log.lastIndex()}`);
    this.commit = index;
  }

  /** Follower: replace our log by the leader's snapshot. */
  restoreSnapshot(s: Snapshot): void {
    this.log.restore(s);
    this.confs.reset(s.meta.conf);
    this.commit = s.meta.index;
    // The host restores its state machine from the snapshot before applying anything after it.
    this.applied = s.meta.index;
    this.pendingSnapshot = s;
  }

  // -------------------------------------------------------------------------------------------
  // Inputs

  tick(): void {
    this.tickFn(this);
  }

  /** The election timeout fired (or the user fired it). `transfer`: a leadership transfer. */
  hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.promotable()) return;
    if (this.cfg.preVote && !transfer) this.campaign('pre', false);
    else this.campaign('real', transfer);
  }

  campaign(kind: 'pre' | 'real', transfer: boolean): void {
    let voteTerm: number;
    if (kind === 'pre') {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      // A single-voter cluster wins at once.
      if (kind === 'pre') this.campaign('real', transfer);
      else this.becomeLeader();
      return;
    }
    this.requestVotes(voteTerm, kind === 'pre', transfer);
  }

  /** Asks every voter that has not answered yet. */
  private requestVotes(voteTerm: number, preVote: boolean, transfer: boolean): void {
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const id of this.conf().voters) {
      if (id === this.id || this.votes.has(id)) continue;
      this.send({ type: 'RequestVote', from: this.id, to: id, term: voteTerm, preVote, lastLogIndex, lastLogTerm, transfer });
    }
  }

  /**
   * One tick into a pre-vote, ask the voters that stayed silent once more. Nodes tick on their
   * own clocks, so a follower's count of the time since it last heard the leader can trail
   * ours by a tick: it still holds the leader's lease and ignores a pre-vote that our count
   * says is due (the same trap as etcd-io/etcd#10483). Without this second ask, the cluster
   * waits for another full randomized timeout. A pre-vote changes no state, so asking twice is
   * harmless.
   */
  repeatPreVote(): void {
    if (this.role === 'pre-candidate' && this.cfg.checkQuorum) this.requestVotes(this.term + 1, true, false);
  }

  /** Record a vote and say how the election stands. */
  poll(from: NodeId, granted: boolean): VoteResult {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    return voteResult(this.conf().voters, this.votes);
  }

  step(m: Message): void {
    if (m.to !== this.id) return;
    if (m.term > this.term) {
      if (m.type === 'RequestVote' && !m.transfer && this.inLeaderLease()) {
        // Leader stickiness (§4.2.3, §9.6): we heard from a live leader recently, so a
        // (pre-)candidate is disrupting a healthy cluster. Ignore it without adopting its term.
        return;
      }
      if (m.type === 'RequestVote' && m.preVote) {
        // A pre-vote request changes nothing here.
      } else if (m.type === 'RequestVoteResponse' && m.preVote && m.granted) {
        // Granted pre-votes carry the term we would campaign in; not a newer term.
      } else {
        const fromLeader = m.type === 'AppendEntries' || m.type === 'InstallSnapshot' || m.type === 'TimeoutNow';
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.term) {
      // A stale sender. Tell it our term so it steps down (a returning old leader, a candidate of
      // an old term); everything else from the past is ignored.
      if (m.type === 'AppendEntries') {
        this.send({ type: 'AppendEntriesResponse', from: this.id, to: m.from, term: this.term, success: false, matchIndex: m.prevLogIndex, rejectHint: null, readCtx: 0 });
      } else if (m.type === 'RequestVote') {
        this.send({ type: 'RequestVoteResponse', from: this.id, to: m.from, term: this.term, preVote: m.preVote, granted: false });
      }
      return;
    }
    if (m.type === 'RequestVote') {
      this.handleVoteRequest(m);
      return;
    }
    this.stepFn(this, m);
  }

  /** A follower that heard from a leader within the election timeout keeps following it. */
  private inLeaderLease(): boolean {
    return this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed < this.cfg.electionTicks;
  }

  private handleVoteRequest(m: RequestVote): void {
    const unsafe = this.cfg.unsafe ?? {};
    // At most one vote per term, first come first served (§5.2); a pre-vote for a later term is
    // not a vote. We also refuse while we know a leader of this term.
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.preVote && m.term > this.term) ||
      unsafe.allowDoubleVote === true;
    // Only for candidates whose log holds everything ours does (§5.4.1).
    const upToDate = unsafe.skipVoteLogCheck === true || this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    if (canVote && upToDate) {
      this.send({ type: 'RequestVoteResponse', from: this.id, to: m.from, term: m.term, preVote: m.preVote, granted: true });
      if (!m.preVote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: 'RequestVoteResponse', from: this.id, to: m.from, term: this.term, preVote: m.preVote, granted: false });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Leader-only requests

  propose(data: string): ProposeResult {
    if (this.role !== 'leader') return { ok: false, refusal: { reason: 'not-leader', leader: this.lead } };
    if (this.leadTransferee !== NONE) return { ok: false, refusal: { reason: 'transfer-in-progress', leader: this.id } };
    return this.proposeEntry((index, term) => ({ kind: 'command', term, index, data }));
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    if (this.role !== 'leader') return { ok: false, refusal: { reason: 'not-leader', leader: this.lead } };
    if (this.leadTransferee !== NONE) return { ok: false, refusal: { reason: 'transfer-in-progress', leader: this.id } };
    const invalid = validateChange(this.conf(), change);
    if (invalid !== null) return { ok: false, refusal: { reason: 'invalid-conf-change', leader: this.id, detail: invalid } };
    // One change at a time, and not before an entry of our own term is committed (Ongaro's
    // raft-dev correction to single-server changes): otherwise two leaders of different terms
    // could each add a different server and commit with disjoint majorities.
    if (this.pendingConfIndex() !== 0 || this.log.termAt(this.commit) !== this.term) {
      return { ok: false, refusal: { reason: 'conf-change-pending', leader: this.id } };
    }
    return this.proposeEntry((index, term) => ({ kind: 'conf', term, index, change }));
  }

  private proposeEntry(make: (index: number, term: number) => Entry): ProposeResult {
    const e = make(this.log.lastIndex() + 1, this.term);
    this.appendLocal(e);
    if (this.role === 'leader') {
      bcastAppend(this);
      maybeCommit(this);
    }
    return { ok: true, index: e.index, term: e.term };
  }

  readIndex(ctx: string, options: ReadIndexOptions = {}): ReadIndexResult {
    if (this.role !== 'leader') return { ok: false, refusal: { reason: 'not-leader', leader: this.lead } };
    const lease = options.lease ?? this.cfg.leaseRead;
    if (this.log.termAt(this.commit) !== this.term) {
      // Our commit index may lag the cluster's until our no-op commits (§6.4 step 1): wait.
      this.waitingReads.push({ ctx, lease });
      return { ok: true };
    }
    this.startRead(ctx, lease);
    return { ok: true };
  }

  /** Begin confirming leadership for a read at the current commit index (by lease when asked and it holds). */
  startRead(ctx: string, lease: boolean): void {
    const voters = this.conf().voters;
    if (lease && this.cfg.checkQuorum && this.quorumActive()) {
      // Lease read (§6.4.1): a majority heard from us within the current election timeout, and
      // with CheckQuorum those followers refuse other candidates for an election timeout after
      // hearing from us, so no other leader exists yet: serve without a round trip. Relies on
      // bounded clock drift between nodes; without a recent quorum, fall back to ReadIndex.
      this.readStates.push({ ctx, index: this.commit });
      return;
    }
    if (voters.length === 1 && voters[0] === this.id) {
      this.readStates.push({ ctx, index: this.commit });
      return;
    }
    this.reads.add(ctx, this.commit, this.id);
    bcastHeartbeat(this);
  }

  transferLeadership(to: NodeId): void {
    if (this.role !== 'leader' || to === this.id || !isVoter(this.conf(), to)) return;
    if (this.leadTransferee === to) return;
    this.leadTransferee = to;
    // The transfer must finish within an election timeout, or it is abandoned (see tickHeartbeat).
    this.electionElapsed = 0;
    const pr = this.prs.get(to) as Progress;
    if (pr.match === this.log.lastIndex()) sendTimeoutNow(this, to);
    else sendAppend(this, to, true, false);
  }

  /** The host compacted its log up to `index` with state-machine snapshot `data`. */
  compact(index: number, data: string): void {
    if (index <= this.log.snapshotIndex) return;
    // The host can only snapshot what it applied: anything else is a host bug, refused unchanged.
    if (index > this.applied) throw new RangeError(`compact: index ${index} is beyond the applied index ${this.applied}`);
    const term = this.log.termAt(index) as number;
    this.log.compact({ meta: { index, term, conf: this.confs.at(index) }, data });
    this.confs.compactTo(index);
  }

  // -------------------------------------------------------------------------------------------
  // Leader checks

  /** CheckQuorum: did a majority of voters (us included) talk to us lately? */
  quorumActive(): boolean {
    return hasQuorum(this.conf().voters, (id) => id === this.id || this.prs.get(id)?.recentActive === true);
  }
}

// ---------------------------------------------------------------------------------------------
// Tick handlers (swapped with the role)

/** Followers and candidates: start an election once the randomized timeout passes. */
export function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (r.promotable() && r.electionElapsed >= r.randomizedElectionTicks) {
    r.electionElapsed = 0;
    r.hup(false);
  } else if (r.electionElapsed === 1) {
    r.repeatPreVote();
  }
}

/** Leaders: heartbeats, CheckQuorum, transfer timeout, lost-snapshot timeout. */
export function tickHeartbeat(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.cfg.electionTicks) {
    r.electionElapsed = 0;
    if (r.cfg.checkQuorum) {
      if (!r.quorumActive()) {
        // We cannot reach a majority: a new leader may exist elsewhere. Stop serving (§6.2).
        r.becomeFollower(r.term, NONE);
        return;
      }
      for (const pr of r.prs.values()) pr.recentActive = false;
    }
    // A transfer that did not finish within an election timeout is abandoned (§3.10).
    r.leadTransferee = NONE;
  }
  for (const pr of r.prs.values()) {
    if (pr.state === 'snapshot' && ++pr.snapshotElapsedTicks >= r.cfg.electionTicks) pr.becomeProbe();
  }
  if (r.heartbeatElapsed >= r.cfg.heartbeatTicks) {
    r.heartbeatElapsed = 0;
    bcastHeartbeat(r);
  }
}

function validateConfig(cfg: RaftConfig): void {
  const bad = (what: string) => {
    throw new RangeError(`raft config: ${what}`);
  };
  if (!Number.isInteger(cfg.id) || cfg.id <= 0) bad(`id must be a positive integer, got ${cfg.id}`);
  if (!Number.isInteger(cfg.heartbeatTicks) || cfg.heartbeatTicks < 1) bad(`heartbeatTicks must be >= 1, got ${cfg.heartbeatTicks}`);
  if (!Number.isInteger(cfg.electionTicks) || cfg.electionTicks <= cfg.heartbeatTicks) {
    bad(`electionTicks must be an integer > heartbeatTicks (${cfg.heartbeatTicks}), got ${cfg.electionTicks}`);
  }
  if (!Number.isInteger(cfg.maxEntriesPerMsg) || cfg.maxEntriesPerMsg < 1) bad(`maxEntriesPerMsg must be >= 1, got ${cfg.maxEntriesPerMsg}`);
  if (!Number.isInteger(cfg.maxInflightMsgs) || cfg.maxInflightMsgs < 1) bad(`maxInflightMsgs must be >= 1, got ${cfg.maxInflightMsgs}`);
}
