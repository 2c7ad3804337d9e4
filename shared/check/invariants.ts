/**
 * The live invariant checker. It lives apart from the code it checks: it never looks inside a
 * RawNode, it only watches what each node's host saw happen (Ready batches, durable writes, sends,
 * crashes, restarts) and keeps its own model of every node's volatile and durable state. The
 * simulator and the real multi-process runtime feed it the same observations.
 *
 * Properties (Raft paper Figure 3, plus three host-level ones):
 * - election-safety: at most one leader per term;
 * - leader-append-only: a leader never overwrites or deletes entries of its own log in its term;
 * - log-matching: two logs holding an entry with the same index and term hold the same entry and
 *   agree on every earlier index (checked inductively: every copy of (index, term) carries the
 *   same entry and the same predecessor term);
 * - leader-completeness: an entry committed in term T is in the log of every leader of a later term;
 * - state-machine-safety: no two nodes apply different entries at the same index;
 * - monotonic-term: a node's term never goes back, across crashes too (but not across a
 *   `discard`: the person gave the node's disk up, and it comes back as a new member);
 * - monotonic-commit: a node's commit index never goes back while it lives;
 * - persisted-before-sent: no message leaves that depends on a term, vote or entries that are not
 *   yet durable on its sender.
 *
 * "Committed" is the checker's own judgement: an entry is committed once a leader's commit index
 * covers it; it is remembered with the leader's term.
 */
import type { Entry, HardState, Message, NodeId, PersistedState, Ready, Role } from '../raft/types';
import type { SafetyProperty, Violation } from '../protocol/lab';

/** What a host reports. `seq` is the sequence number of the lab event that carried it. */
export type Observation =
  /** The node produced `ready` and the host took it: the node's volatile state now includes it. */
  | { readonly type: 'ready'; readonly seq: number; readonly node: NodeId; readonly ready: Ready }
  /** The durable part (snapshot, entries, hard state) of an earlier `ready` is now on disk. */
  | { readonly type: 'persisted'; readonly seq: number; readonly node: NodeId; readonly ready: Ready }
  /** The host put these messages on the wire. */
  | { readonly type: 'sent'; readonly seq: number; readonly node: NodeId; readonly messages: readonly Message[] }
  /** The node died: whatever was not durable is gone. */
  | { readonly type: 'crash'; readonly seq: number; readonly node: NodeId }
  /** The node came back from what its disk held. */
  | { readonly type: 'restart'; readonly seq: number; readonly node: NodeId; readonly persisted: PersistedState }
  /** The node's files were deliberately deleted; it starts again as a node that never ran. */
  | { readonly type: 'discard'; readonly seq: number; readonly node: NodeId }
  /**
   * The host wrote a snapshot at `index` and the node compacted its log up to it. The checker
   * forgets what no node can touch again: indexes every node holds in a snapshot.
   */
  | { readonly type: 'compacted'; readonly seq: number; readonly node: NodeId; readonly index: number };

export interface InvariantCheckerOptions {
  /** Properties not to check (to show that another property still catches a deliberate bug). */
  readonly ignore?: readonly SafetyProperty[];
  /** Stop recording after this many violations (one bug tends to cause a cascade). */
  readonly maxViolations?: number;
}

/**
 * The checker's copy of one log, as parallel arrays (this runs on every append of every node,
 * so no object per entry). Indexes up to `base` are in the node's snapshot (only committed
 * entries; the checker keeps no copy of them); `baseTerm` is the term at `base` (0 at 0).
 */
class LogModel {
  base = 0;
  baseTerm = 0;
  /** terms[k] and ids[k] describe index base + 1 + k. */
  terms: number[] = [];
  ids: string[] = [];

  get lastIndex(): number {
    return this.base + this.terms.length;
  }

  /** The term at `index`; null past the end or inside the snapshot (below its last index). */
  termAt(index: number): number | null {
    if (index === this.base) return this.baseTerm;
    if (index < this.base) return null;
    const t = this.terms[index - this.base - 1];
    return t === undefined ? null : t;
  }

  /** The entry id at `index`; null past the end or inside the snapshot. */
  idAt(index: number): string | null {
    if (index <= this.base) return null;
    return this.ids[index - this.base - 1] ?? null;
  }

  push(term: number, id: string): void {
    this.terms.push(term);
    this.ids.push(id);
  }

  /** Drops the entries from `index` on (never the snapshot). */
  truncateFrom(index: number): void {
    const keep = Math.max(0, index - this.base - 1);
    if (keep < this.terms.length) {
      this.terms.length = keep;
      this.ids.length = keep;
    }
  }

  /** A snapshot at `index` replaces the log (an installed snapshot, or a restart's). */
  resetTo(index: number, term: number): void {
    this.base = index;
    this.baseTerm = term;
    this.terms = [];
    this.ids = [];
  }

  /** The host compacted up to `index`: entries up to it move into the snapshot. */
  compact(index: number): void {
    const term = this.termAt(index);
    if (index <= this.base || term === null) return;
    const drop = index - this.base;
    this.terms = this.terms.slice(drop);
    this.ids = this.ids.slice(drop);
    this.base = index;
    this.baseTerm = term;
  }

  copy(): LogModel {
    const m = new LogModel();
    m.base = this.base;
    m.baseTerm = this.baseTerm;
    m.terms = this.terms.slice();
    m.ids = this.ids.slice();
    return m;
  }
}

/** A slot whose content is not known (inside a snapshot the checker did not see committed). */
const UNKNOWN_ID = '?';

interface NodeModel {
  // Volatile: what the node is running with now.
  role: Role;
  term: number;
  commit: number;
  /** Term in which the node was last seen as leader (0 if never). */
  leaderTerm: number;
  log: LogModel;
  alive: boolean;
  // Durable: what survives a crash.
  durable: { term: number; vote: NodeId; commit: number; log: LogModel };
  /** Highest term this node has ever been seen at (volatile or durable), across lives. */
  maxTermSeen: number;
}

/** Marks an index with no record in an IndexRecords table. */
const NO_RECORD = -3;

/**
 * One record per log index, as parallel arrays (no object per index: the live checker runs for as
 * long as a lab session, and a heap of small objects is what makes long runs slow). `a` and `b`
 * are two integers whose meaning the owner defines. Indexes up to `base` are forgotten.
 */
class IndexRecords {
  base = 0;
  private readonly terms: number[] = [];
  private readonly ids: string[] = [];
  private readonly as: number[] = [];
  private readonly bs: number[] = [];

  /** One past the highest index with a slot. */
  get end(): number {
    return this.base + 1 + this.terms.length;
  }

  has(i: number): boolean {
    if (i <= this.base) return false;
    const t = this.terms[i - this.base - 1];
    return t !== undefined && t !== NO_RECORD;
  }

  term(i: number): number {
    return this.terms[i - this.base - 1]!;
  }

  id(i: number): string {
    return this.ids[i - this.base - 1]!;
  }

  a(i: number): number {
    return this.as[i - this.base - 1]!;
  }

  b(i: number): number {
    return this.bs[i - this.base - 1]!;
  }

  /** Records index `i` (ignored at or below the forgotten base). */
  set(i: number, term: number, id: string, a: number, b: number): void {
    if (i <= this.base) return;
    const k = i - this.base - 1;
    while (this.terms.length <= k) {
      this.terms.push(NO_RECORD);
      this.ids.push('');
      this.as.push(0);
      this.bs.push(0);
    }
    this.terms[k] = term;
    this.ids[k] = id;
    this.as[k] = a;
    this.bs[k] = b;
  }

  /** Forgets every index up to `index`. */
  forgetThrough(index: number): void {
    if (index <= this.base) return;
    const drop = Math.min(index - this.base, this.terms.length);
    this.terms.splice(0, drop);
    this.ids.splice(0, drop);
    this.as.splice(0, drop);
    this.bs.splice(0, drop);
    this.base = index;
  }
}

/** Two contents at one (index, term) differ only if both are known and unequal. */
function differ(x: string, y: string): boolean {
  return x !== y && x !== UNKNOWN_ID && y !== UNKNOWN_ID;
}

/**
 * Canonical content of an entry (its term is kept beside it). A command is its data string as is
 * (no copy); noop and conf entries get ids starting with NUL, which no command data starts with.
 */
export function entryId(e: Entry): string {
  switch (e.kind) {
    case 'noop':
      return NOOP_ID;
    case 'command':
      return e.data.charCodeAt(0) === 0 ? `\u0000cmd:${e.data}` : e.data;
    case 'conf':
      return `\u0000conf:${e.change.type}:${e.change.node}`;
  }
}

const NOOP_ID = '\u0000noop';

/** An id for messages: short, printable. */
function showId(id: string): string {
  const printable = id.split('\u0000').join('');
  return printable.length > 80 ? `${printable.slice(0, 77)}...` : printable;
}

export class InvariantChecker {
  private readonly nodes = new Map<NodeId, NodeModel>();
  /** The leader of each term, once one was seen. */
  private readonly leaders = new Map<number, NodeId>();
  /** The entry judged committed at each index; a = the committing leader's term, b = that leader. */
  private readonly committed = new IndexRecords();
  /** The first entry any node applied at each index; a = that node. */
  private readonly applied = new IndexRecords();
  /** The first (index, term) seen at each index in any log; a = predecessor term, b = node. */
  private readonly seen = new IndexRecords();
  /** Further terms seen at an index (rare: only where logs diverged), keyed by index. */
  private readonly seenMore = new Map<number, { term: number; id: string; prevTerm: number; node: NodeId }[]>();
  private readonly ignored: ReadonlySet<SafetyProperty>;
  private readonly maxViolations: number;
  private readonly found: Violation[] = [];

  constructor(options: InvariantCheckerOptions = {}) {
    this.ignored = new Set(options.ignore ?? []);
    this.maxViolations = options.maxViolations ?? 100;
  }

  /** Every violation found so far, oldest first. */
  get violations(): readonly Violation[] {
    return this.found;
  }

  /** The checker's view of what is committed: the highest index it judged committed. */
  get committedIndex(): number {
    for (let i = this.committed.end - 1; i > this.committed.base; i--) if (this.committed.has(i)) return i;
    // Everything forgotten was inside every node's snapshot: committed.
    return this.committed.base;
  }

  /**
   * Log indexes the checker keeps records of (cluster-wide tables and every node's logs): bounded
   * by what is not yet in every node's snapshot, however long the run, when nodes compact.
   */
  get retainedIndexes(): number {
    let n = this.committed.end - this.committed.base;
    for (const m of this.nodes.values()) n += m.log.lastIndex - m.log.base + (m.durable.log.lastIndex - m.durable.log.base);
    return n;
  }

  /** Feed one observation; returns the violations it revealed (also kept in `violations`). */
  observe(obs: Observation): readonly Violation[] {
    const before = this.found.length;
    switch (obs.type) {
      case 'ready':
        this.onReady(obs.seq, obs.node, obs.ready);
        break;
      case 'persisted':
        this.onPersisted(obs.node, obs.ready);
        break;
      case 'sent':
        this.onSent(obs.seq, obs.node, obs.messages);
        break;
      case 'crash':
        this.onCrash(obs.node);
        break;
      case 'restart':
        this.onRestart(obs.seq, obs.node, obs.persisted);
        break;
      case 'discard':
        // Its own history (term, commit, durable log) is gone; cluster-wide records stay.
        this.nodes.delete(obs.node);
        break;
      case 'compacted':
        this.onCompacted(obs.node, obs.index);
        break;
    }
    return this.found.length === before ? NO_VIOLATIONS : this.found.slice(before);
  }

  /**
   * The usual sequence for a host that honours the Ready contract: the node produced `ready`,
   * the host persisted it, then sent its messages.
   */
  observeHandledReady(seq: number, node: NodeId, ready: Ready): readonly Violation[] {
    const a = this.observe({ type: 'ready', seq, node, ready });
    const b = this.observe({ type: 'persisted', seq, node, ready });
    const c = ready.messages.length > 0 ? this.observe({ type: 'sent', seq, node, messages: ready.messages }) : NO_VIOLATIONS;
    return a.length + b.length + c.length === 0 ? NO_VIOLATIONS : [...a, ...b, ...c];
  }

  // -------------------------------------------------------------------------------------------

  private model(node: NodeId): NodeModel {
    let m = this.nodes.get(node);
    if (m === undefined) {
      m = {
        role: 'follower',
        term: 0,
        commit: 0,
        leaderTerm: 0,
        log: new LogModel(),
        alive: true,
        durable: { term: 0, vote: 0, commit: 0, log: new LogModel() },
        maxTermSeen: 0,
      };
      this.nodes.set(node, m);
    }
    return m;
  }

  private report(property: SafetyProperty, v: Omit<Violation, 'property'>): void {
    if (this.ignored.has(property) || this.found.length >= this.maxViolations) return;
    this.found.push({ property, ...v });
  }

  private onReady(seq: number, node: NodeId, ready: Ready): void {
    const m = this.model(node);
    m.alive = true;
    const wasLeaderInTerm = m.role === 'leader' ? m.term : 0;

    // Terms and commit only move forward.
    const hs = ready.hardState;
    if (hs !== null) {
      if (hs.term < m.term) {
        this.report('monotonic-term', { nodes: [node], indexes: [], term: hs.term, eventSeq: seq, message: `node ${node} went from term ${m.term} back to term ${hs.term}` });
      }
      if (hs.commit < m.commit) {
        this.report('monotonic-commit', { nodes: [node], indexes: [m.commit, hs.commit], term: hs.term, eventSeq: seq, message: `node ${node} moved its commit index back from ${m.commit} to ${hs.commit}` });
      }
      m.term = hs.term;
      if (hs.term > m.maxTermSeen) m.maxTermSeen = hs.term;
    }
    m.role = ready.softState.role;

    // Election safety: one leader per term, across the whole run.
    let becameLeader = false;
    if (m.role === 'leader') {
      const other = this.leaders.get(m.term);
      if (other === undefined) this.leaders.set(m.term, node);
      else if (other !== node) {
        this.report('election-safety', { nodes: [other, node], indexes: [], term: m.term, eventSeq: seq, message: `nodes ${other} and ${node} were both leader in term ${m.term}` });
      }
      becameLeader = wasLeaderInTerm !== m.term;
      m.leaderTerm = m.term;
    }

    // Snapshot: the log now starts at the snapshot, which holds committed entries only.
    if (ready.snapshot !== null) this.applySnapshot(m.log, ready.snapshot.meta.index, ready.snapshot.meta.term);

    // Entries: append (truncating a conflicting suffix), checking append-only and log matching.
    if (ready.entries.length > 0) {
      const first = ready.entries[0]!.index;
      if (wasLeaderInTerm !== 0 && wasLeaderInTerm === m.term && m.role === 'leader' && first <= m.log.lastIndex) {
        this.report('leader-append-only', {
          nodes: [node], indexes: [first, m.log.lastIndex], term: m.term, eventSeq: seq,
          message: `leader ${node} of term ${m.term} rewrote its log from index ${first} (it held up to ${m.log.lastIndex})`,
        });
      }
      this.appendEntries(seq, node, m.log, ready.entries, true);
    }

    // Leader completeness at the moment of election: the new leader holds everything committed.
    if (becameLeader) this.checkLeaderHoldsCommitted(seq, node, m, 1);

    // Commit: a leader's commit index decides what is committed.
    const commit = hs !== null ? hs.commit : m.commit;
    if (commit > m.commit && m.role === 'leader') this.recordCommitted(seq, node, m, m.commit + 1, commit);
    m.commit = Math.max(m.commit, commit);

    // Applied entries: state machine safety.
    for (const e of ready.committedEntries) this.recordApplied(seq, node, e);
  }

  /** A snapshot at (index, term) replaces `log` (it holds committed entries only). */
  private applySnapshot(log: LogModel, index: number, term: number): void {
    log.resetTo(index, term);
  }

  /** The host compacted `node`'s log; then forget what every node holds in a snapshot. */
  private onCompacted(node: NodeId, index: number): void {
    const m = this.nodes.get(node);
    if (m === undefined) return;
    m.log.compact(index);
    m.durable.log.compact(index);
    this.forgetSettled();
  }

  /**
   * Indexes at or below every node's snapshot (volatile and durable) can no longer be appended,
   * applied or committed by any node: their records go. A node that never compacts keeps it all.
   */
  private forgetSettled(): void {
    let floor = Infinity;
    for (const m of this.nodes.values()) floor = Math.min(floor, m.log.base, m.durable.log.base);
    if (!Number.isFinite(floor) || floor <= this.committed.base) return;
    this.committed.forgetThrough(floor);
    this.applied.forgetThrough(floor);
    this.seen.forgetThrough(floor);
    for (const index of this.seenMore.keys()) if (index <= floor) this.seenMore.delete(index);
  }

  private appendEntries(seq: number, node: NodeId, log: LogModel, entries: readonly Entry[], check: boolean): void {
    const first = entries[0]!.index;
    if (first > log.lastIndex + 1) {
      // A gap means the host or core lost entries; the log no longer matches anyone's.
      if (check) {
        this.report('log-matching', { nodes: [node], indexes: [log.lastIndex, first], term: entries[0]!.term, eventSeq: seq, message: `node ${node} appended index ${first} after a log ending at ${log.lastIndex}` });
      }
      while (log.lastIndex + 1 < first) log.push(-1, UNKNOWN_ID);
    }
    log.truncateFrom(first);
    for (const e of entries) {
      const id = entryId(e);
      // -1: the predecessor is inside the snapshot below its last index, so not known here.
      const prevTerm = log.termAt(e.index - 1) ?? -1;
      if (check) this.checkLogMatching(seq, node, e.index, e.term, id, prevTerm);
      // Entries the snapshot already holds are not kept twice.
      if (e.index > log.base) log.push(e.term, id);
    }
  }

  private checkLogMatching(seq: number, node: NodeId, index: number, term: number, id: string, prevTerm: number): void {
    const first = this.seen;
    if (index <= first.base) return;
    if (!first.has(index)) {
      first.set(index, term, id, prevTerm, node);
      return;
    }
    let seen: { term: number; id: string; prevTerm: number; node: NodeId } | undefined;
    if (first.term(index) === term) seen = { term, id: first.id(index), prevTerm: first.a(index), node: first.b(index) };
    else {
      const more = this.seenMore.get(index) ?? [];
      for (const s of more) {
        if (s.term === term) {
          seen = s;
          break;
        }
      }
      if (seen === undefined) {
        more.push({ term, id, prevTerm, node });
        this.seenMore.set(index, more);
        return;
      }
    }
    if (differ(seen.id, id)) {
      this.report('log-matching', {
        nodes: [seen.node, node], indexes: [index], term, eventSeq: seq,
        message: `index ${index} term ${term} holds "${showId(seen.id)}" on node ${seen.node} but "${showId(id)}" on node ${node}`,
      });
    } else if (prevTerm >= 0 && seen.prevTerm >= 0 && seen.prevTerm !== prevTerm) {
      this.report('log-matching', {
        nodes: [seen.node, node], indexes: [index - 1, index], term, eventSeq: seq,
        message: `nodes ${seen.node} and ${node} both hold index ${index} term ${term} but disagree at index ${index - 1} (terms ${seen.prevTerm} and ${prevTerm})`,
      });
    }
  }

  private recordCommitted(seq: number, leader: NodeId, m: NodeModel, lo: number, hi: number): void {
    for (let i = Math.max(lo, m.log.base + 1); i <= hi; i++) {
      const term = m.log.termAt(i);
      const id = m.log.idAt(i);
      if (term === null || id === null) {
        this.report('leader-completeness', { nodes: [leader], indexes: [i], term: m.term, eventSeq: seq, message: `leader ${leader} committed index ${i} beyond its log (last ${m.log.lastIndex})` });
        return;
      }
      const c = this.committed;
      if (i <= c.base) continue;
      if (!c.has(i)) c.set(i, term, id, m.term, leader);
      else if (c.term(i) !== term || differ(c.id(i), id)) {
        this.report('leader-completeness', {
          nodes: [c.b(i), leader], indexes: [i], term: m.term, eventSeq: seq,
          message: `index ${i} was committed with term ${c.term(i)} by leader ${c.b(i)} (term ${c.a(i)}), but leader ${leader} of term ${m.term} committed term ${term} there`,
        });
      }
    }
    // Any leader of a later term that is already in office must hold these entries too.
    for (const [id, other] of this.nodes) {
      if (id !== leader && other.alive && other.role === 'leader' && other.term > m.term) this.checkLeaderHoldsCommitted(seq, id, other, lo);
    }
  }

  /** Every entry committed in a term before `m.term`, from index `from`, must be in m's log. */
  private checkLeaderHoldsCommitted(seq: number, node: NodeId, m: NodeModel, from: number): void {
    const log = m.log;
    const c = this.committed;
    // Below the leader's snapshot it holds committed entries only; its last one is checked.
    const start = Math.max(1, from, c.base + 1, log.base);
    for (let i = start; i < c.end; i++) {
      // c.a(i) is the term in which index i was committed; only earlier terms bind this leader.
      if (!c.has(i) || c.a(i) >= m.term) continue;
      const term = log.termAt(i);
      const id = i === log.base ? c.id(i) : log.idAt(i);
      if (term === null || id === null || term !== c.term(i) || differ(id, c.id(i))) {
        const has = term === null ? 'nothing' : `term ${term}`;
        this.report('leader-completeness', {
          nodes: [c.b(i), node], indexes: [i], term: m.term, eventSeq: seq,
          message: `leader ${node} of term ${m.term} holds ${has} at index ${i}, which leader ${c.b(i)} committed with term ${c.term(i)} in term ${c.a(i)}`,
        });
        return;
      }
    }
  }

  private recordApplied(seq: number, node: NodeId, e: Entry): void {
    const id = entryId(e);
    const ap = this.applied;
    if (e.index <= ap.base) return;
    if (!ap.has(e.index)) ap.set(e.index, e.term, id, node, 0);
    else if (ap.term(e.index) !== e.term || ap.id(e.index) !== id) {
      const other = ap.a(e.index);
      this.report('state-machine-safety', {
        nodes: [other, node], indexes: [e.index], term: e.term, eventSeq: seq,
        message: `node ${other} applied "${showId(ap.id(e.index))}" (term ${ap.term(e.index)}) at index ${e.index}, node ${node} applied "${showId(id)}" (term ${e.term})`,
      });
    }
  }

  private onPersisted(node: NodeId, ready: Ready): void {
    const d = this.model(node).durable;
    if (ready.snapshot !== null) this.applySnapshot(d.log, ready.snapshot.meta.index, ready.snapshot.meta.term);
    if (ready.entries.length > 0) this.appendEntries(0, node, d.log, ready.entries, false);
    if (ready.hardState !== null) this.setDurableHardState(d, ready.hardState);
  }

  private setDurableHardState(d: NodeModel['durable'], hs: HardState): void {
    d.term = hs.term;
    d.vote = hs.vote;
    d.commit = hs.commit;
  }

  private onSent(seq: number, node: NodeId, messages: readonly Message[]): void {
    const m = this.model(node);
    for (const msg of messages) {
      const problem = this.undurableDependency(node, m, msg);
      if (problem !== null) {
        this.report('persisted-before-sent', { nodes: [node, msg.to], indexes: problem.indexes, term: msg.term, eventSeq: seq, message: `node ${node} sent ${msg.type} to ${msg.to} ${problem.why}` });
      }
    }
  }

  /** What durable state a message depends on that its sender does not have on disk, or null. */
  private undurableDependency(node: NodeId, m: NodeModel, msg: Message): { why: string; indexes: number[] } | null {
    const d = m.durable;
    // Pre-vote traffic carries a prospective term and changes nobody's state.
    const preVote = (msg.type === 'RequestVote' || msg.type === 'RequestVoteResponse') && msg.preVote;
    if (!preVote && msg.term > d.term) return { why: `in term ${msg.term} while its durable term is ${d.term}`, indexes: [] };
    switch (msg.type) {
      case 'RequestVote':
        if (!msg.preVote && d.vote !== node) return { why: `for term ${msg.term} before its vote for itself was durable (durable vote ${d.vote})`, indexes: [] };
        return null;
      case 'RequestVoteResponse':
        if (!msg.preVote && msg.granted && (d.term !== msg.term || d.vote !== msg.to)) return { why: `granting its vote in term ${msg.term} before the vote was durable (durable term ${d.term}, vote ${d.vote})`, indexes: [] };
        return null;
      case 'AppendEntriesResponse':
        if (msg.success && !durableHolds(m, msg.matchIndex)) return { why: `acknowledging index ${msg.matchIndex} before it was durable (durable log ends at ${d.log.lastIndex})`, indexes: [msg.matchIndex] };
        return null;
      case 'AppendEntries': {
        const last = msg.entries.length > 0 ? msg.entries[msg.entries.length - 1]!.index : 0;
        if (last > 0 && !durableHolds(m, last)) return { why: `with entries up to ${last} before its own log was durable (durable log ends at ${d.log.lastIndex})`, indexes: [last] };
        return null;
      }
      default:
        return null;
    }
  }

  private onCrash(node: NodeId): void {
    const m = this.model(node);
    m.alive = false;
    m.role = 'follower';
    m.log = m.durable.log.copy();
  }

  private onRestart(seq: number, node: NodeId, persisted: PersistedState): void {
    const m = this.model(node);
    const hs = persisted.hardState;
    if (hs.term < m.maxTermSeen) {
      this.report('monotonic-term', { nodes: [node], indexes: [], term: hs.term, eventSeq: seq, message: `node ${node} restarted at term ${hs.term} after having reached term ${m.maxTermSeen} (its term was not durable)` });
    }
    m.alive = true;
    m.role = 'follower';
    m.term = hs.term;
    m.maxTermSeen = Math.max(m.maxTermSeen, hs.term);
    m.commit = hs.commit;
    // Rebuild both logs from what the disk really holds.
    const log = new LogModel();
    if (persisted.snapshot !== null) this.applySnapshot(log, persisted.snapshot.meta.index, persisted.snapshot.meta.term);
    if (persisted.entries.length > 0) this.appendEntries(seq, node, log, persisted.entries, false);
    m.log = log;
    m.durable = { term: hs.term, vote: hs.vote, commit: hs.commit, log: log.copy() };
    this.forgetSettled();
  }
}

/** Whether the durable log holds index `index` with the term the running node has there. */
function durableHolds(m: NodeModel, index: number): boolean {
  // Inside the durable snapshot: durable, and committed.
  if (index <= m.durable.log.base) return true;
  const durableTerm = m.durable.log.termAt(index);
  return durableTerm !== null && durableTerm === m.log.termAt(index);
}

const NO_VIOLATIONS: readonly Violation[] = Object.freeze([]);

/** One line per violation, for logs and bug reports. */
export function describeViolation(v: Violation): string {
  const idx = v.indexes.length > 0 ? ` indexes=${v.indexes.join(',')}` : '';
  return `${v.property} at event ${v.eventSeq}: nodes=${v.nodes.join(',')} term=${v.term}${idx}: ${v.message}`;
}
