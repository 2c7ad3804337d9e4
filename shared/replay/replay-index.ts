/**
 * The cluster as it was at any event of a recording, for scrubbing. One pass replays every
 * node through the real core (shared/record/replay.ts, causal order) and keeps, per event, the
 * acting node's status in flat typed arrays, plus every log write per node and index. Asking for
 * the state at event k then costs O(checkpointEvery + nodes), not O(k): checkpoints remember,
 * every `checkpointEvery` events, which event last touched each node.
 *
 * The pass can run as a file is read (`partial`, `add`, `finish`): records are replayed as soon
 * as their causes are (shared/record/causal.ts CausalStream), and `indexed` is the last position up to which every
 * record is replayed. Positions up to it are final; later ones are refused until indexed.
 *
 * Positions: k = 0 is before the first body record; k = i means records 1..i have happened
 * (record i is the one on line i + 1 of the file).
 */
import { InvariantChecker } from '../check/invariants';
import type { Violation } from '../protocol/lab';
import type { ConfState, Entry, NodeId, NodeStatus, Role } from '../raft/types';
import { STATUS_DIGEST } from '../record/digest';
import { isNodeRecord, type BodyRecord, type EndRecord, type HeaderRecord, type Located, type NodeRecord, type Recording } from '../record/format';
import type { NodeFactory } from '../record/node-factory';
import { NodeReplayer, type Divergence } from '../record/replay';
import { observeReplayed } from '../record/check';
import { CausalStream } from '../record/causal';
import { branchPointAt, type NodeBranchState } from './branch-point';

export type { NodeBranchState } from './branch-point';

export const CHECKPOINT_EVERY = 1024;

export interface ReplayIndexOptions {
  /** Events between checkpoints (default CHECKPOINT_EVERY): a jump costs at most this many steps. */
  readonly checkpointEvery?: number;
  /** More records follow through `add`, then `finish` (the replay worker reads a file in chunks). */
  readonly partial?: boolean;
  /** Body records expected in all (the end record's count): sizes the per-event arrays once. */
  readonly expectedEvents?: number;
}

const ROLES: readonly Role[] = ['follower', 'pre-candidate', 'candidate', 'leader'];
/** Role code for "no status": a crash record, or not a node record at all. */
const NO_STATUS = -1;
const NOT_NODE = -2;
/** Role code of a node record read but not replayed yet (it waits for a send later in the file). */
const PENDING = -3;

/** The scalar fields of NodeStatus, stored one typed array each. */
const FIELDS = [
  'term', 'vote', 'leader', 'commit', 'applied', 'firstIndex', 'lastIndex', 'lastTerm', 'snapshotIndex',
  'snapshotTerm', 'electionElapsed', 'randomizedElectionTicks', 'heartbeatElapsed', 'leadTransferee', 'pendingConfIndex',
] as const;
type Field = (typeof FIELDS)[number];

/** Every write to one index of one node's log, in the order they happened. */
interface IndexWrites {
  readonly events: number[];
  readonly entries: Entry[];
}

/** One node's log as it was at a position. Position i of the arrays holds index i. */
export interface LogAt {
  readonly node: NodeId;
  /** Entries [firstIndex, lastIndex]; null where a compacted index was never seen. */
  readonly entries: readonly (Entry | null)[];
  readonly firstIndex: number;
  readonly lastIndex: number;
}

/** A node at a position: null status when it has not started yet or is down. */
export interface NodeAt {
  readonly id: NodeId;
  readonly state: 'not-started' | 'running' | 'down';
  readonly status: NodeStatus | null;
  /** The event that last touched this node (0: none yet). */
  readonly lastEvent: number;
}

export interface ViolationAt {
  /** The event that revealed it. */
  readonly event: number;
  readonly violation: Violation;
}

function sameConf(a: ConfState, b: ConfState): boolean {
  return sameIds(a.voters, b.voters) && sameIds(a.learners, b.learners);
}

function sameIds(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class ReplayIndex {
  readonly checkpointEvery: number;
  readonly header: HeaderRecord;

  private readonly located: Located<BodyRecord>[] = [];
  private end: EndRecord | null = null;
  private finished = false;
  /** Positions 0..indexedTo are final: every record up to there is replayed. */
  private indexedTo = 0;
  private readonly factory: NodeFactory;
  private readonly replayers = new Map<NodeId, NodeReplayer>();
  private readonly causal: CausalStream;
  private readonly checker = new InvariantChecker();
  private readonly lastConf = new Map<NodeId, ConfState>();
  private readonly found: ViolationAt[] = [];
  private foundSorted = true;
  private firstDivergence: Divergence | null = null;

  private nodeOf: Int32Array;
  private roleOf: Int8Array;
  private fields: Record<Field, Int32Array>;
  private readonly confOf: (ConfState | undefined)[] = [];
  /** Node ids in the order they appeared (header first): the columns of `last` and `checkpoints`. */
  private readonly columns: NodeId[] = [];
  private readonly columnOf = new Map<NodeId, number>();
  private sortedNodes: NodeId[] = [];
  /** Last event <= indexedTo touching each column's node (0: none). */
  private last = new Int32Array(0);
  /** checkpoints[c][column]: last event <= c * checkpointEvery touching that node (shorter: nodes seen later). */
  private readonly checkpoints: Int32Array[] = [new Int32Array(0)];
  private readonly writes = new Map<NodeId, IndexWrites[]>();

  /**
   * Indexes a whole recording. With `partial`, `recording.records` is only the beginning: give
   * the rest in file order with `add` and call `finish` after the last (the replay worker reads
   * a large file in chunks and shows positions 0..`indexed` while the rest is being indexed).
   */
  constructor(recording: Recording, factory: NodeFactory, options: ReplayIndexOptions = {}) {
    this.checkpointEvery = options.checkpointEvery ?? CHECKPOINT_EVERY;
    if (!Number.isInteger(this.checkpointEvery) || this.checkpointEvery < 1) throw new RangeError(`checkpointEvery must be a positive integer, not ${this.checkpointEvery}`);
    this.header = recording.header;
    this.factory = factory;
    const capacity = Math.max(options.expectedEvents ?? 0, recording.records.length, 1024) + 1;
    this.nodeOf = new Int32Array(capacity);
    this.roleOf = new Int8Array(capacity).fill(NOT_NODE);
    const fields = {} as Record<Field, Int32Array>;
    for (const f of FIELDS) fields[f] = new Int32Array(capacity);
    this.fields = fields;
    for (const id of recording.header.cluster.nodes) this.column(id);
    if (recording.header.digest !== STATUS_DIGEST.name) {
      // Replay cannot check the recorded digests: nothing is replayed (as replayRecording does).
      this.firstDivergence = { node: 0, seq: 0, line: 1, event: 'header', what: 'digest-name', expected: recording.header.digest, actual: STATUS_DIGEST.name };
    }
    this.causal = new CausalStream((ev) => this.replay(ev.node, ev.line, ev.record));
    this.add(recording.records);
    if (!options.partial) this.finish(recording.end);
  }

  /** The recording as read so far (whole once `complete`). */
  get recording(): Recording {
    return { header: this.header, records: this.located, end: this.end };
  }

  /** Body records added so far: the last position once `complete`. */
  get events(): number {
    return this.located.length;
  }

  /** Positions 0..indexed can be shown: every record up to there has been replayed and checked. */
  get indexed(): number {
    return this.indexedTo;
  }

  /** Every record is added and indexed. */
  get complete(): boolean {
    return this.finished && this.indexedTo === this.located.length;
  }

  /** Every node id that appears in what was read, ascending. */
  get nodes(): readonly NodeId[] {
    return this.sortedNodes;
  }

  /** Invariant violations found so far, by the event that revealed them. */
  get violations(): readonly ViolationAt[] {
    if (!this.foundSorted) {
      this.found.sort((a, b) => a.event - b.event);
      this.foundSorted = true;
    }
    return this.found;
  }

  /** First replay divergence (lowest line) found so far: the states after it are not trustworthy and are not shown. */
  get divergence(): Divergence | null {
    return this.firstDivergence;
  }

  /** The next records of the recording, in file order (after `partial` construction). */
  add(records: readonly Located<BodyRecord>[]): void {
    if (this.finished) throw new Error('the recording is already complete');
    const replayOff = this.firstDivergence?.what === 'digest-name';
    for (const l of records) {
      this.located.push(l);
      const i = this.located.length;
      this.grow(i);
      const r = l.record;
      if (!isNodeRecord(r)) continue;
      this.nodeOf[i] = r.node;
      this.column(r.node);
      if (replayOff) continue;
      this.roleOf[i] = PENDING;
      this.causal.push({ line: i, record: r });
    }
    this.advance();
  }

  /** No records follow: receives whose sends never came are replayed too, and the index completes. */
  finish(end: EndRecord | null): void {
    if (this.finished) return;
    this.finished = true;
    this.end = end;
    this.causal.finish();
    this.advance();
    if (this.indexedTo !== this.located.length) throw new Error(`index incomplete at the end: ${this.indexedTo} of ${this.located.length} records replayed`);
  }

  /** Replays record `i` (emitted in causal order) and keeps what scrubbing needs from it. */
  private replay(node: NodeId, i: number, record: NodeRecord): void {
    const located = this.located[i - 1] as Located<NodeRecord>;
    let replayer = this.replayers.get(node);
    if (!replayer) {
      replayer = new NodeReplayer(node, this.factory, STATUS_DIGEST);
      this.replayers.set(node, replayer);
    }
    const ev = replayer.apply(located);
    if (!ev) {
      // Diverged (now or before): this node's later records are not shown (it stays as it was).
      this.roleOf[i] = NOT_NODE;
      const d = replayer.divergence;
      if (d && (!this.firstDivergence || d.line < this.firstDivergence.line)) this.firstDivergence = d;
      return;
    }
    if (ev.status) {
      const s = ev.status;
      this.roleOf[i] = ROLES.indexOf(s.role);
      for (const f of FIELDS) this.fields[f][i] = s[f];
      // Configurations rarely change: share one object per change, not one per event.
      const prev = this.lastConf.get(node);
      const conf = prev && sameConf(prev, s.conf) ? prev : s.conf;
      this.lastConf.set(node, conf);
      this.confOf[i] = conf;
    } else {
      this.roleOf[i] = NO_STATUS;
    }
    const r = record;
    if (ev.ready) for (const e of ev.ready.entries) this.write(node, i, e);
    if (r.kind === 'start' && ev.persisted) for (const e of ev.persisted.entries) this.write(node, i, e);
    const found = observeReplayed(this.checker, ev, i);
    for (const v of found) {
      const last = this.found[this.found.length - 1];
      if (last && last.event > i) this.foundSorted = false;
      this.found.push({ event: i, violation: v });
    }
  }

  /** Moves `indexedTo` over every replayed record, keeping `last` and the checkpoints. */
  private advance(): void {
    const every = this.checkpointEvery;
    const n = this.located.length;
    let i = this.indexedTo;
    while (i < n && this.roleOf[i + 1] !== PENDING) {
      i++;
      if (this.roleOf[i] !== NOT_NODE) this.last[this.columnOf.get(this.nodeOf[i] as NodeId) as number] = i;
      if (i % every === 0) this.checkpoints.push(this.last.slice());
    }
    this.indexedTo = i;
  }

  /** The column of a node, added when first seen. */
  private column(id: NodeId): number {
    let c = this.columnOf.get(id);
    if (c === undefined) {
      c = this.columns.length;
      this.columns.push(id);
      this.columnOf.set(id, c);
      const last = new Int32Array(this.columns.length);
      last.set(this.last);
      this.last = last;
      this.sortedNodes = [...this.columns].sort((a, b) => a - b);
    }
    return c;
  }

  /** Room for position i in the per-event arrays (doubling). */
  private grow(i: number): void {
    if (i < this.nodeOf.length) return;
    const size = Math.max(i + 1, this.nodeOf.length * 2);
    const nodeOf = new Int32Array(size);
    nodeOf.set(this.nodeOf);
    this.nodeOf = nodeOf;
    const roleOf = new Int8Array(size).fill(NOT_NODE);
    roleOf.set(this.roleOf);
    this.roleOf = roleOf;
    for (const f of FIELDS) {
      const a = new Int32Array(size);
      a.set(this.fields[f]);
      this.fields[f] = a;
    }
  }

  /** The body record of event i (1-based). */
  record(i: number): BodyRecord {
    const r = this.located[i - 1];
    if (!r) throw new RangeError(`no event ${i}: the recording has events 1 to ${this.events}`);
    return r.record;
  }

  /** Last event <= k that touched each node (0 when none), by column. */
  private lastEvents(k: number): Int32Array {
    const c = Math.floor(k / this.checkpointEvery);
    const out = new Int32Array(this.columns.length);
    out.set(this.checkpoints[c] as Int32Array);
    for (let i = c * this.checkpointEvery + 1; i <= k; i++) {
      if (this.roleOf[i] !== NOT_NODE) out[this.columnOf.get(this.nodeOf[i] as NodeId) as number] = i;
    }
    return out;
  }

  private checkPosition(k: number): void {
    if (!Number.isInteger(k) || k < 0 || k > this.events) throw new RangeError(`position ${k} is outside 0..${this.events}`);
    if (k > this.indexedTo) throw new RangeError(`position ${k} is not indexed yet (events 0..${this.indexedTo} of ${this.events} read so far are)`);
  }

  /** The status the node reported right after event i (null after a crash or for non-node records). */
  statusAfter(i: number): NodeStatus | null {
    const role = this.roleOf[i] ?? NOT_NODE;
    if (role < 0) return null;
    const f = this.fields;
    const at = (name: Field) => f[name][i] as number;
    return {
      id: this.nodeOf[i] as NodeId,
      role: ROLES[role] as Role,
      term: at('term'), vote: at('vote'), leader: at('leader'), commit: at('commit'), applied: at('applied'),
      firstIndex: at('firstIndex'), lastIndex: at('lastIndex'), lastTerm: at('lastTerm'),
      snapshotIndex: at('snapshotIndex'), snapshotTerm: at('snapshotTerm'),
      conf: this.confOf[i] ?? { voters: [], learners: [] },
      electionElapsed: at('electionElapsed'), randomizedElectionTicks: at('randomizedElectionTicks'),
      heartbeatElapsed: at('heartbeatElapsed'),
      // Per-peer progress is not kept per event (it would dominate memory); empty in replay.
      progress: [],
      leadTransferee: at('leadTransferee'), pendingConfIndex: at('pendingConfIndex'),
    };
  }

  /** Every node as it was after events 1..k. */
  nodesAt(k: number): NodeAt[] {
    this.checkPosition(k);
    const last = this.lastEvents(k);
    return this.nodes.map((id) => {
      const e = last[this.columnOf.get(id) as number] as number;
      if (e === 0) return { id, state: 'not-started', status: null, lastEvent: 0 };
      const status = this.statusAfter(e);
      return { id, state: status ? 'running' : 'down', status, lastEvent: e };
    });
  }

  /** A node's log after events 1..k: for each index, the latest write at or before k. */
  logAt(node: NodeId, k: number): LogAt {
    this.checkPosition(k);
    const at = this.nodesAt(k).find((n) => n.id === node);
    const lastIndex = at?.status?.lastIndex ?? 0;
    const firstIndex = at?.status?.firstIndex ?? 1;
    const byIndex = this.writes.get(node) ?? [];
    const entries: (Entry | null)[] = [];
    for (let idx = 1; idx <= lastIndex; idx++) {
      const w = byIndex[idx];
      let found: Entry | null = null;
      if (w) for (let x = w.events.length - 1; x >= 0; x--) if ((w.events[x] as number) <= k) { found = w.entries[x] as Entry; break; }
      entries[idx] = found;
    }
    return { node, entries, firstIndex, lastIndex };
  }

  /**
   * What it takes to continue the cluster after events 1..k as a live simulation (see
   * branch-point.ts): each node's script since its last start (running nodes are rebuilt exactly,
   * down ones restart from their disk) and the messages in flight. Throws an Error naming the
   * event when the replay diverged before k (the states after a divergence are not trustworthy),
   * or while the recording is not completely read.
   */
  branchStateAt(k: number): NodeBranchState[] {
    this.checkPosition(k);
    // Which messages are in flight at k depends on receives after k: the whole file must be in.
    if (!this.complete) throw new Error(`the recording is still being read (${this.indexed} events indexed so far); branch once it is open completely`);
    const d = this.divergence;
    if (d !== null && d.line - 1 <= k) throw new Error(`replay diverged from the recording at event ${d.line - 1} (node ${d.node}: ${d.what} differs); branch from an event before it`);
    return branchPointAt(this.recording.records, k);
  }

  private write(node: NodeId, event: number, e: Entry): void {
    let list = this.writes.get(node);
    if (!list) {
      list = [];
      this.writes.set(node, list);
    }
    let w = list[e.index];
    if (!w) {
      w = { events: [], entries: [] };
      list[e.index] = w;
    }
    w.events.push(event);
    w.entries.push(e);
  }
}
