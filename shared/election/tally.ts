/**
 * Vote tallies of every (pre-)election in a run, rebuilt from the lab's event stream alone, so
 * the live lab, a branch and a replay (all of which speak LabEvents) show the same tally.
 *
 * A campaign is one round of asking: candidate, kind (pre-vote or vote) and term. For each voter
 * it follows the request (sent, held, dropped, delivered, ignored) and the reply (granted or
 * denied, and whether it reached the candidate). Why a voter denied is read off the voter's last
 * reported status when the request arrived, with Raft's rules (§5.2, §5.4.1, PreVote §9.6): the
 * core does not say why, and the answer itself (granted or not) always comes from the reply.
 *
 * Bounded: at most MAX_CAMPAIGNS campaigns are kept (the oldest are forgotten).
 */
import type { ClusterOptions, LabEvent, NodeLife, PendingItem } from '../protocol/lab';
import { majority } from '../raft/quorum';
import type { Message, NodeId, NodeStatus, RequestVote } from '../raft/types';

export const MAX_CAMPAIGNS = 200;

export type VoteKind = 'pre-vote' | 'vote';

/** Why a voter said no. */
export type DenyReason =
  | { readonly kind: 'already-voted'; readonly for: NodeId; readonly term: number }
  | { readonly kind: 'log-behind'; readonly candidateIndex: number; readonly candidateTerm: number; readonly voterIndex: number; readonly voterTerm: number }
  | { readonly kind: 'stale-term'; readonly voterTerm: number }
  | { readonly kind: 'knows-leader'; readonly leader: NodeId; readonly term: number }
  | { readonly kind: 'unknown' };

/** Why the candidate has no answer from a voter (yet). */
export type NoAnswer =
  /** The request is on its way. */
  | { readonly kind: 'in-flight' }
  /** Step mode holds the request at the voter, waiting for someone to deliver it. */
  | { readonly kind: 'held' }
  | { readonly kind: 'dropped'; readonly why: 'cut' | 'loss' | 'crashed' | 'user' }
  | { readonly kind: 'down'; readonly life: NodeLife }
  /** The voter heard from a leader within an election timeout and ignores the request (CheckQuorum). */
  | { readonly kind: 'lease'; readonly leader: NodeId; readonly elapsedTicks: number; readonly electionTicks: number }
  /** Never asked (the candidate did not send to it, or we did not see the send). */
  | { readonly kind: 'not-asked' };

/** Where a voter's reply is. Only a delivered reply counts for the candidate. */
export type ReplyState =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'in-flight' }
  | { readonly kind: 'held' }
  | { readonly kind: 'dropped'; readonly why: 'cut' | 'loss' | 'crashed' | 'user' };

export type VoterVote =
  | { readonly kind: 'self' }
  | { readonly kind: 'granted'; readonly reply: ReplyState }
  | { readonly kind: 'denied'; readonly reply: ReplyState; readonly reason: DenyReason }
  | { readonly kind: 'silent'; readonly why: NoAnswer };

export type CampaignOutcome =
  | { readonly kind: 'open' }
  | { readonly kind: 'won' }
  /** So many denials arrived that a majority is out of reach: the candidate gave up. */
  | { readonly kind: 'lost' }
  /** The candidate's timer ran out first and it started over (a split vote, or silent voters). */
  | { readonly kind: 'timed-out' }
  /** It became follower for another reason: a leader of its term (`leader`, when known), or a newer term. */
  | { readonly kind: 'stepped-down'; readonly term: number; readonly leader: NodeId; readonly newerTerm: boolean }
  | { readonly kind: 'crashed' };

export interface Campaign {
  readonly id: string;
  readonly candidate: NodeId;
  readonly kind: VoteKind;
  /** The term the candidate asks votes for (for a pre-vote: the term it would campaign in). */
  readonly term: number;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  readonly voters: readonly NodeId[];
  /** Votes needed to win: a majority of the voters. */
  readonly needed: number;
  readonly startSeq: number;
  readonly outcome: CampaignOutcome;
  readonly endSeq: number | null;
  /** One entry per voter, in `voters` order. */
  readonly votes: ReadonlyMap<NodeId, VoterVote>;
}

/** The counts a candidate shows. */
export interface Tally {
  /** Granted votes the candidate has received (its own included). */
  readonly granted: number;
  /** Granted replies still travelling to the candidate. */
  readonly grantedOnTheWay: number;
  readonly denied: number;
  readonly deniedOnTheWay: number;
  readonly needed: number;
  readonly voters: number;
}

export function tallyOf(c: Campaign): Tally {
  let granted = 0;
  let grantedOnTheWay = 0;
  let denied = 0;
  let deniedOnTheWay = 0;
  for (const v of c.votes.values()) {
    if (v.kind === 'self') granted++;
    else if (v.kind === 'granted') {
      if (v.reply.kind === 'delivered') granted++;
      else if (v.reply.kind !== 'dropped') grantedOnTheWay++;
    } else if (v.kind === 'denied') {
      if (v.reply.kind === 'delivered') denied++;
      else if (v.reply.kind !== 'dropped') deniedOnTheWay++;
    }
  }
  return { granted, grantedOnTheWay, denied, deniedOnTheWay, needed: c.needed, voters: c.voters.length };
}

// ---------------------------------------------------------------------------------------------

type MsgPlace = 'in-flight' | 'held' | 'delivered' | { readonly dropped: 'cut' | 'loss' | 'crashed' | 'user' };

interface Ask {
  requestId: string | null;
  request: MsgPlace;
  /** Set when the request arrived and the voter ignored it under a leader's lease. */
  ignored: Extract<NoAnswer, { kind: 'lease' }> | null;
  /** The denial reason worked out when the request arrived. */
  reasonIfDenied: DenyReason;
  reply: { id: string; granted: boolean; place: MsgPlace; reason: DenyReason } | null;
}

interface MutableCampaign {
  readonly id: string;
  readonly candidate: NodeId;
  readonly kind: VoteKind;
  readonly term: number;
  lastLogIndex: number;
  lastLogTerm: number;
  voters: NodeId[];
  readonly startSeq: number;
  outcome: CampaignOutcome;
  endSeq: number | null;
  readonly asks: Map<NodeId, Ask>;
}

const kindOf = (preVote: boolean): VoteKind => (preVote ? 'pre-vote' : 'vote');

/** Whether a log ending at (index, term) is at least as up to date as the status's log (§5.4.1). */
function upToDate(index: number, term: number, s: NodeStatus): boolean {
  return term > s.lastTerm || (term === s.lastTerm && index >= s.lastIndex);
}

/**
 * Why `voter` would refuse `m`, given its status when the request arrived; mirrors the core's
 * vote rules (shared/raft/raft.ts step and handleVoteRequest).
 */
export function denyReason(m: RequestVote, voter: NodeStatus | null): DenyReason {
  if (voter === null) return { kind: 'unknown' };
  if (m.term < voter.term) return { kind: 'stale-term', voterTerm: voter.term };
  // A real vote for a newer term makes the voter adopt that term first, forgetting its vote.
  const sameTerm = m.term === voter.term;
  if (sameTerm && voter.vote !== 0 && voter.vote !== m.from) return { kind: 'already-voted', for: voter.vote, term: voter.term };
  if (!upToDate(m.lastLogIndex, m.lastLogTerm, voter)) {
    return { kind: 'log-behind', candidateIndex: m.lastLogIndex, candidateTerm: m.lastLogTerm, voterIndex: voter.lastIndex, voterTerm: voter.lastTerm };
  }
  if (sameTerm && voter.vote === 0 && voter.leader !== 0) return { kind: 'knows-leader', leader: voter.leader, term: voter.term };
  return { kind: 'unknown' };
}

/** Folds LabEvents into campaigns. Feed every event in seq order; `reset` on a new cluster. */
export class ElectionTracker {
  private options: Pick<ClusterOptions, 'checkQuorum' | 'electionTicks'> = { checkQuorum: true, electionTicks: 10 };
  private readonly status = new Map<NodeId, NodeStatus>();
  private readonly life = new Map<NodeId, NodeLife>();
  private campaigns: MutableCampaign[] = [];
  /** The newest campaign of each candidate per kind. */
  private readonly latest = new Map<string, MutableCampaign>();
  /** Request and reply message ids to their campaign and voter. */
  private readonly byMsg = new Map<string, { campaign: MutableCampaign; voter: NodeId; reply: boolean }>();
  private held = new Set<string>();
  /**
   * Votes seen in the events (a granted vote reply, a candidate's vote for itself), newer than a
   * reported status can be: a running node reports its status at most every 100 ms.
   */
  private readonly votedByEvents = new Map<NodeId, { readonly term: number; readonly for: NodeId }>();
  /** The last leader each node heard from (an AppendEntries or InstallSnapshot delivered to it). */
  private readonly heardLeader = new Map<NodeId, { readonly leader: NodeId; readonly term: number }>();
  /** Bumps on every change, for consumers that re-render on change. */
  version = 0;

  reset(options?: Pick<ClusterOptions, 'checkQuorum' | 'electionTicks'>): void {
    if (options) this.options = { checkQuorum: options.checkQuorum, electionTicks: options.electionTicks };
    this.status.clear();
    this.life.clear();
    this.campaigns = [];
    this.latest.clear();
    this.byMsg.clear();
    this.held = new Set();
    this.votedByEvents.clear();
    this.heardLeader.clear();
    this.version++;
  }

  /** The cluster's lease rules, for a page that joined a running cluster (it saw no cluster-created). */
  setRules(options: Pick<ClusterOptions, 'checkQuorum' | 'electionTicks'>): void {
    this.options = { checkQuorum: options.checkQuorum, electionTicks: options.electionTicks };
  }

  apply(events: readonly LabEvent[]): void {
    for (const e of events) this.applyOne(e);
  }

  applyOne(e: LabEvent): void {
    switch (e.type) {
      case 'cluster-created':
        this.reset(e.options);
        return;
      case 'node-status':
        this.status.set(e.status.id, e.status);
        return;
      case 'node-life':
        this.life.set(e.node, e.life);
        if (e.life === 'crashed' || e.life === 'stopped') this.endCampaignsOf(e.node, { kind: 'crashed' }, e.seq);
        this.version++;
        return;
      case 'role-change':
        this.onRole(e.node, e.role, e.term, e.seq);
        return;
      case 'message-sent':
        this.onSent(e.msgId, e.message, e.seq);
        return;
      case 'message-delivered':
        this.onDelivered(e.msgId, e.message, e.seq);
        return;
      case 'message-dropped':
        this.setPlace(e.msgId, { dropped: e.why });
        return;
      case 'pending':
        this.onPending(e.items);
        return;
      case 'run-state':
        if (!e.paused && this.held.size > 0) this.onPending([]);
        return;
      default:
        return;
    }
  }

  /** Every campaign kept, oldest first. */
  all(): Campaign[] {
    return this.campaigns.map((c) => this.view(c));
  }

  /** The newest campaign of `candidate` (either kind), or null. */
  latestOf(candidate: NodeId): Campaign | null {
    for (let i = this.campaigns.length - 1; i >= 0; i--) {
      const c = this.campaigns[i] as MutableCampaign;
      if (c.candidate === candidate) return this.view(c);
    }
    return null;
  }

  /** The campaign a vote request or reply belongs to, with the voter it concerns. */
  campaignOfMessage(msgId: string): { campaign: Campaign; voter: NodeId } | null {
    const at = this.byMsg.get(msgId);
    return at ? { campaign: this.view(at.campaign), voter: at.voter } : null;
  }

  // -------------------------------------------------------------------------------------------

  private view(c: MutableCampaign): Campaign {
    const votes = new Map<NodeId, VoterVote>();
    for (const v of c.voters) votes.set(v, this.voteOf(c, v));
    return {
      id: c.id, candidate: c.candidate, kind: c.kind, term: c.term, lastLogIndex: c.lastLogIndex, lastLogTerm: c.lastLogTerm,
      voters: c.voters, needed: majority(c.voters.length), startSeq: c.startSeq, outcome: c.outcome, endSeq: c.endSeq, votes,
    };
  }

  private voteOf(c: MutableCampaign, voter: NodeId): VoterVote {
    if (voter === c.candidate) return { kind: 'self' };
    const ask = c.asks.get(voter);
    if (!ask) return { kind: 'silent', why: this.downOr(voter, { kind: 'not-asked' }) };
    if (ask.reply) {
      const reply = replyState(ask.reply.place);
      return ask.reply.granted ? { kind: 'granted', reply } : { kind: 'denied', reply, reason: ask.reply.reason };
    }
    if (ask.ignored) return { kind: 'silent', why: ask.ignored };
    const p = ask.request;
    if (typeof p === 'object') {
      const dropped: NoAnswer = { kind: 'dropped', why: p.dropped };
      // Lost at a node that is still down: say it is down.
      return { kind: 'silent', why: p.dropped === 'crashed' ? this.downOr(voter, dropped) : dropped };
    }
    if (p === 'held') return { kind: 'silent', why: this.downOr(voter, { kind: 'held' }) };
    return { kind: 'silent', why: this.downOr(voter, { kind: 'in-flight' }) };
  }

  private downOr(voter: NodeId, otherwise: NoAnswer): NoAnswer {
    const life = this.life.get(voter);
    return life === 'crashed' || life === 'stopped' ? { kind: 'down', life } : otherwise;
  }

  private start(candidate: NodeId, kind: VoteKind, term: number, seq: number, lastLogIndex: number, lastLogTerm: number): MutableCampaign {
    const key = `${candidate}:${kind}`;
    const prev = this.latest.get(key);
    if (prev && prev.outcome.kind === 'open') this.end(prev, { kind: 'timed-out' }, seq);
    const s = this.status.get(candidate);
    const voters = s ? [...s.conf.voters] : [candidate];
    const c: MutableCampaign = {
      id: `${candidate}:${kind}:${term}:${seq}`, candidate, kind, term, lastLogIndex, lastLogTerm,
      voters, startSeq: seq, outcome: { kind: 'open' }, endSeq: null, asks: new Map(),
    };
    this.latest.set(key, c);
    this.campaigns.push(c);
    if (this.campaigns.length > MAX_CAMPAIGNS) {
      const gone = this.campaigns.shift() as MutableCampaign;
      for (const ask of gone.asks.values()) {
        if (ask.requestId !== null) this.byMsg.delete(ask.requestId);
        if (ask.reply) this.byMsg.delete(ask.reply.id);
      }
    }
    return c;
  }

  private end(c: MutableCampaign, outcome: CampaignOutcome, seq: number): void {
    if (c.outcome.kind !== 'open') return;
    c.outcome = outcome;
    c.endSeq = seq;
  }

  private endCampaignsOf(node: NodeId, outcome: CampaignOutcome, seq: number): void {
    for (const kind of ['pre-vote', 'vote'] as const) {
      const c = this.latest.get(`${node}:${kind}`);
      if (c) this.end(c, outcome, seq);
    }
  }

  private onRole(node: NodeId, role: NodeStatus['role'], term: number, seq: number): void {
    const s = this.status.get(node);
    const lastIndex = s?.lastIndex ?? 0;
    const lastTerm = s?.lastTerm ?? 0;
    const pre = this.latest.get(`${node}:pre-vote`);
    const real = this.latest.get(`${node}:vote`);
    if (role === 'pre-candidate') {
      if (real) this.end(real, { kind: 'timed-out' }, seq);
      // Its requests may have been reported before its new role (a branch reports roles after).
      const sameRound = pre !== undefined && pre.outcome.kind === 'open' && pre.term === term + 1;
      if (!sameRound) this.start(node, 'pre-vote', term + 1, seq, lastIndex, lastTerm);
    } else if (role === 'candidate') {
      if (pre && pre.term === term) this.end(pre, { kind: 'won' }, seq);
      else if (pre) this.end(pre, { kind: 'timed-out' }, seq);
      if (!real || real.term !== term) this.start(node, 'vote', term, seq, lastIndex, lastTerm);
    } else if (role === 'leader') {
      if (real && real.term === term) this.end(real, { kind: 'won' }, seq);
    } else {
      for (const c of [pre, real]) {
        if (!c || c.outcome.kind !== 'open') continue;
        const t = tallyOf(this.view(c));
        if (t.denied > t.voters - t.needed) {
          this.end(c, { kind: 'lost' }, seq);
          continue;
        }
        const heard = this.heardLeader.get(node);
        const leader = heard && heard.term === term ? heard.leader : s && s.term === term ? s.leader : 0;
        this.end(c, { kind: 'stepped-down', term, leader, newerTerm: c.kind === 'pre-vote' ? term >= c.term : term > c.term }, seq);
      }
    }
    this.version++;
  }

  private campaignFor(m: RequestVote, seq: number): MutableCampaign {
    const kind = kindOf(m.preVote);
    const c = this.latest.get(`${m.from}:${kind}`);
    if (c && c.term === m.term) {
      // A pre-candidate whose round ran out asks everyone again for the same term; a repeat to the
      // voters still silent (Raft.repeatPreVote) belongs to the same round.
      const answered = c.asks.get(m.to)?.reply != null;
      if (!(kind === 'pre-vote' && answered)) {
        c.lastLogIndex = m.lastLogIndex;
        c.lastLogTerm = m.lastLogTerm;
        return c;
      }
    }
    return this.start(m.from, kind, m.term, seq, m.lastLogIndex, m.lastLogTerm);
  }

  private onSent(msgId: string, m: Message, seq: number): void {
    if (m.type === 'RequestVote') {
      if (!m.preVote) this.noteVote(m.from, m.term, m.from);
      // Already seen: its delivery was reported first.
      if (this.byMsg.has(msgId)) return;
      const c = this.campaignFor(m, seq);
      if (!c.voters.includes(m.to)) c.voters = [...c.voters, m.to].sort((a, b) => a - b);
      c.asks.set(m.to, { requestId: msgId, request: this.held.has(msgId) ? 'held' : 'in-flight', ignored: null, reasonIfDenied: { kind: 'unknown' }, reply: null });
      this.byMsg.set(msgId, { campaign: c, voter: m.to, reply: false });
      this.version++;
    } else if (m.type === 'RequestVoteResponse') {
      if (m.granted && !m.preVote) this.noteVote(m.from, m.term, m.to);
      const c = this.latest.get(`${m.to}:${kindOf(m.preVote)}`);
      if (!c) return;
      // A granted reply names the campaign's term; a refusal carries the voter's own term.
      if (m.granted && m.term !== c.term) return;
      let ask = c.asks.get(m.from);
      if (!ask) {
        ask = { requestId: null, request: 'delivered', ignored: null, reasonIfDenied: { kind: 'unknown' }, reply: null };
        c.asks.set(m.from, ask);
      }
      ask.reply = { id: msgId, granted: m.granted, place: this.held.has(msgId) ? 'held' : 'in-flight', reason: ask.reasonIfDenied };
      this.byMsg.set(msgId, { campaign: c, voter: m.from, reply: true });
      this.version++;
    }
  }

  private onDelivered(msgId: string, m: Message, seq: number): void {
    if (m.type === 'RequestVote') {
      let at = this.byMsg.get(msgId);
      if (!at) {
        // The receiver's report can reach the lab before the sender's.
        this.onSent(msgId, m, seq);
        at = this.byMsg.get(msgId);
        if (!at) return;
      }
      const ask = at.campaign.asks.get(at.voter);
      if (!ask || ask.requestId !== msgId) return;
      ask.request = 'delivered';
      const s = this.statusOf(m.to);
      const { checkQuorum, electionTicks } = this.options;
      if (s && checkQuorum && m.term > s.term && !m.transfer && s.leader !== 0 && s.electionElapsed < electionTicks) {
        ask.ignored = { kind: 'lease', leader: s.leader, elapsedTicks: s.electionElapsed, electionTicks };
      } else {
        ask.ignored = null;
        ask.reasonIfDenied = denyReason(m, s);
      }
      this.version++;
      return;
    }
    if (m.type === 'AppendEntries' || m.type === 'InstallSnapshot') this.heardLeader.set(m.to, { leader: m.from, term: m.term });
    this.setPlace(msgId, 'delivered');
  }

  private noteVote(voter: NodeId, term: number, votedFor: NodeId): void {
    const known = this.votedByEvents.get(voter);
    if (!known || term >= known.term) this.votedByEvents.set(voter, { term, for: votedFor });
  }

  /** A node's last reported status, with a vote the events show it cast since. */
  private statusOf(node: NodeId): NodeStatus | null {
    const s = this.status.get(node) ?? null;
    const v = this.votedByEvents.get(node);
    if (!s || !v || v.term < s.term || (v.term === s.term && s.vote !== 0)) return s;
    return { ...s, term: v.term, vote: v.for, leader: v.term > s.term ? 0 : s.leader };
  }

  private setPlace(msgId: string, place: MsgPlace): void {
    const at = this.byMsg.get(msgId);
    if (!at) return;
    const ask = at.campaign.asks.get(at.voter);
    if (!ask) return;
    if (at.reply && ask.reply?.id === msgId) ask.reply.place = place;
    else if (!at.reply && ask.requestId === msgId) ask.request = place;
    this.version++;
  }

  private onPending(items: readonly PendingItem[]): void {
    const now = new Set<string>();
    for (const it of items) if (it.kind === 'message') now.add(it.id);
    for (const id of this.held) if (!now.has(id)) this.unhold(id);
    for (const id of now) if (!this.held.has(id)) this.setHeld(id);
    this.held = now;
  }

  private setHeld(msgId: string): void {
    const at = this.byMsg.get(msgId);
    if (!at) return;
    const ask = at.campaign.asks.get(at.voter);
    if (!ask) return;
    if (at.reply && ask.reply?.id === msgId && ask.reply.place === 'in-flight') ask.reply.place = 'held';
    else if (!at.reply && ask.requestId === msgId && ask.request === 'in-flight') ask.request = 'held';
    this.version++;
  }

  /** A held message left the pending list without a delivery or drop (yet): it is travelling. */
  private unhold(msgId: string): void {
    const at = this.byMsg.get(msgId);
    if (!at) return;
    const ask = at.campaign.asks.get(at.voter);
    if (!ask) return;
    if (at.reply && ask.reply?.id === msgId && ask.reply.place === 'held') ask.reply.place = 'in-flight';
    else if (!at.reply && ask.requestId === msgId && ask.request === 'held') ask.request = 'in-flight';
    this.version++;
  }
}

function replyState(p: MsgPlace): ReplyState {
  if (typeof p === 'object') return { kind: 'dropped', why: p.dropped };
  if (p === 'delivered') return { kind: 'delivered' };
  return { kind: p };
}
