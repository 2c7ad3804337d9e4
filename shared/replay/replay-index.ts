/**
 * The cluster as it was at any event of a recording, for scrubbing. One pass replays every
 * node through the real core (shared/record/replay.ts, causal order) and keeps, per event, the
 * acting node's status in flat typed arrays, plus every log write per node and index. Asking for
 * the state at event k then costs O(checkpointEvery + nodes), not O(k): checkpoints remember,
 * every `checkpointEvery` events, which event last touched each node.
 *
 * Positions: k = 0 is before the first body record; k = i means records 1..i have happened
 * (record i is the one on line i + 1 of the file).
 */
import { InvariantChecker } from '../check/invariants';
import type { Violation } from '../protocol/lab';
import type { ConfState, Entry, NodeId, NodeStatus, PersistedState, RaftConfig, Role, Snapshot } from '../raft/types';
import type { BodyRecord, Recording } from '../record/format';
import type { NodeFactory } from '../record/node-factory';
import { replayRecording, type Divergence } from '../record/replay';

export const CHECKPOINT_EVERY = 1024;

export interface ReplayIndexOptions {
  /** Events between checkpoints (default CHECKPOINT_EVERY): a jump costs at most this many steps. */
  readonly checkpointEvery?: number;
}

const ROLES: readonly Role[] = ['follower', 'pre-candidate', 'candidate', 'leader'];
/** Role code for "no status": a crash record, or not a node record at all. */
const NO_STATUS = -1;
const NOT_NODE = -2;

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

/** What a node needs to be rebuilt as it was at a position (for branching into a simulation). */
export interface NodeBranchState {
  readonly node: NodeId;
  readonly config: RaftConfig;
  readonly persisted: PersistedState;
}

/** Per node, things that change rarely, each with the event it changed at (ascending). */
interface Versions<T> {
  readonly events: number[];
  readonly values: T[];
}

function latest<T>(v: Versions<T> | undefined, k: number): T | null {
  if (!v) return null;
  for (let x = v.events.length - 1; x >= 0; x--) if ((v.events[x] as number) <= k) return v.values[x] as T;
  return null;
}

function addVersion<T>(map: Map<NodeId, Versions<T>>, node: NodeId, event: number, value: T): void {
  let v = map.get(node);
  if (!v) {
    v = { events: [], values: [] };
    map.set(node, v);
  }
  v.events.push(event);
  v.values.push(value);
}

export class ReplayIndex {
  /** Body records in the recording (the last position). */
  readonly events: number;
  /** Every node id that appears, ascending. */
  readonly nodes: readonly NodeId[];
  readonly violations: readonly ViolationAt[];
  /** First replay divergence: the states after it are not trustworthy and are not shown. */
  readonly divergence: Divergence | null;

  private readonly nodeOf: Int32Array;
  private readonly roleOf: Int8Array;
  private readonly fields: Record<Field, Int32Array>;
  private readonly confOf: (ConfState | undefined)[];
  /** checkpoints[c * nodes.length + j]: last event <= c * CHECKPOINT_EVERY touching nodes[j]. */
  private readonly checkpoints: Int32Array;
  private readonly writes = new Map<NodeId, IndexWrites[]>();
  private readonly snapshots = new Map<NodeId, Versions<Snapshot>>();
  private readonly configs = new Map<NodeId, Versions<RaftConfig>>();

  readonly checkpointEvery: number;

  constructor(readonly recording: Recording, factory: NodeFactory, options: ReplayIndexOptions = {}) {
    this.checkpointEvery = options.checkpointEvery ?? CHECKPOINT_EVERY;
    if (!Number.isInteger(this.checkpointEvery) || this.checkpointEvery < 1) throw new RangeError(`checkpointEvery must be a positive integer, not ${this.checkpointEvery}`);
    const n = recording.records.length;
    this.events = n;
    this.nodeOf = new Int32Array(n + 1);
    this.roleOf = new Int8Array(n + 1).fill(NOT_NODE);
    const fields = {} as Record<Field, Int32Array>;
    for (const f of FIELDS) fields[f] = new Int32Array(n + 1);
    this.fields = fields;
    this.confOf = new Array<ConfState | undefined>(n + 1);
    const firstLine = recording.records[0]?.line ?? 2;
    const eventOfLine = (line: number) => line - firstLine + 1;

    const checker = new InvariantChecker();
    const lastConf = new Map<NodeId, ConfState>();
    const violations: ViolationAt[] = [];
    const report = replayRecording(recording, factory, {
      order: 'causal',
      onEvent: (ev) => {
        const i = eventOfLine(ev.line);
        const r = ev.record;
        this.nodeOf[i] = ev.node;
        if (ev.status) {
          const s = ev.status;
          this.roleOf[i] = ROLES.indexOf(s.role);
          for (const f of FIELDS) fields[f][i] = s[f];
          // Configurations rarely change: share one object per change, not one per event.
          const prev = lastConf.get(ev.node);
          const conf = prev && JSON.stringify(prev) === JSON.stringify(s.conf) ? prev : s.conf;
          lastConf.set(ev.node, conf);
          this.confOf[i] = conf;
        } else {
          this.roleOf[i] = NO_STATUS;
        }
        if (r.kind === 'start') {
          addVersion(this.configs, ev.node, i, r.config);
          if (r.mode.type === 'bootstrap') addVersion(this.snapshots, ev.node, i, { meta: { index: 0, term: 0, conf: r.mode.conf }, data: '' });
          else if (r.mode.type === 'restore' && r.mode.persisted.snapshot) addVersion(this.snapshots, ev.node, i, r.mode.persisted.snapshot);
        }
        if (ev.ready?.snapshot) addVersion(this.snapshots, ev.node, i, ev.ready.snapshot);
        if (ev.ready) for (const e of ev.ready.entries) this.write(ev.node, i, e);
        if (r.kind === 'start' && r.mode.type === 'restore') for (const e of r.mode.persisted.entries) this.write(ev.node, i, e);
        let found: readonly Violation[] = [];
        if (r.kind === 'crash') found = checker.observe({ type: 'crash', seq: i, node: ev.node });
        else if (r.kind === 'start' && r.mode.type === 'restore') found = checker.observe({ type: 'restart', seq: i, node: ev.node, persisted: r.mode.persisted });
        else if (ev.ready) found = checker.observeHandledReady(i, ev.node, ev.ready);
        for (const v of found) violations.push({ event: i, violation: v });
      },
    });
    this.divergence = report.firstDivergence;
    this.violations = violations.sort((a, b) => a.event - b.event);
    const ids = new Set<NodeId>(recording.header.cluster.nodes);
    for (const nr of report.nodes) ids.add(nr.node);
    this.nodes = [...ids].sort((a, b) => a - b);

    // Checkpoints, in file order.
    const width = this.nodes.length;
    const column = new Map(this.nodes.map((id, j) => [id, j]));
    const every = this.checkpointEvery;
    const count = Math.floor(n / every) + 1;
    this.checkpoints = new Int32Array(count * width);
    const last = new Int32Array(width);
    for (let i = 1; i <= n; i++) {
      if (this.roleOf[i] !== NOT_NODE) last[column.get(this.nodeOf[i] as NodeId) as number] = i;
      if (i % every === 0) this.checkpoints.set(last, (i / every) * width);
    }
  }

  /** The body record of event i (1-based). */
  record(i: number): BodyRecord {
    const r = this.recording.records[i - 1];
    if (!r) throw new RangeError(`no event ${i}: the recording has events 1 to ${this.events}`);
    return r.record;
  }

  /** Last event <= k that touched each node (0 when none), in `nodes` order. */
  private lastEvents(k: number): Int32Array {
    const width = this.nodes.length;
    const c = Math.floor(k / this.checkpointEvery);
    const out = this.checkpoints.slice(c * width, (c + 1) * width);
    const column = new Map(this.nodes.map((id, j) => [id, j]));
    for (let i = c * this.checkpointEvery + 1; i <= k; i++) {
      if (this.roleOf[i] !== NOT_NODE) out[column.get(this.nodeOf[i] as NodeId) as number] = i;
    }
    return out;
  }

  private checkPosition(k: number): void {
    if (!Number.isInteger(k) || k < 0 || k > this.events) throw new RangeError(`position ${k} is outside 0..${this.events}`);
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
    return this.nodes.map((id, j) => {
      const e = last[j] as number;
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
   * Every node rebuilt as it was after events 1..k, as if all it held then were persisted. Throws
   * an Error naming the node and the reason when that is not possible: a node that is down or
   * not started, or one that compacted its log (the recording keeps no state-machine snapshot).
   */
  branchStateAt(k: number): NodeBranchState[] {
    return this.nodesAt(k).map((n) => {
      if (!n.status) throw new Error(`node ${n.id} is ${n.state === 'down' ? 'down' : 'not started yet'} at event ${k}; branch from an event where every node is running`);
      const config = latest(this.configs.get(n.id), k);
      const snapshot = latest(this.snapshots.get(n.id), k);
      if (!config || !snapshot) throw new Error(`node ${n.id} has no start record before event ${k}`);
      if (n.status.snapshotIndex !== snapshot.meta.index) {
        throw new Error(`node ${n.id} compacted its log at index ${n.status.snapshotIndex} by event ${k}; the recording keeps no state-machine snapshot to branch from`);
      }
      const log = this.logAt(n.id, k);
      const entries: Entry[] = [];
      for (let i = snapshot.meta.index + 1; i <= log.lastIndex; i++) {
        const e = log.entries[i];
        if (!e) throw new Error(`node ${n.id}: entry ${i} is not known at event ${k}`);
        entries.push(e);
      }
      const persisted: PersistedState = { hardState: { term: n.status.term, vote: n.status.vote, commit: n.status.commit }, snapshot, entries };
      return { node: n.id, config, persisted };
    });
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
