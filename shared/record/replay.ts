/**
 * Replay: rebuild every node from its start record and feed it its recorded inputs, in order,
 * through a real node (the deterministic core). After every record the node's state digest must
 * equal the recorded one, every ready() must produce the same Ready, and every call must return
 * and throw what it did. Nodes are replayed independently (a node's behaviour depends only on its
 * own inputs); the report names the first divergence in file order exactly.
 */
import type { RaftNodeApi } from '../raft/api';
import { compactionSnapshot } from '../cluster/node-host';
import type { NodeId, NodeStatus, PersistedState, Ready } from '../raft/types';
import { SimDisk } from '../sim/disk';
import { restoreRng } from '../util/rng';
import { readyDigest, STATUS_DIGEST, type StateDigest } from './digest';
import type { BodyRecord, Located, NodeInput, NodeRecord, ReadyRecord, Recording } from './format';
import { isNodeRecord, recordsByNode } from './format';
import { CausalStream } from './causal';
import { buildNode, type NodeFactory } from './node-factory';
import { span } from './recorder';
import { resolveRestore } from './restart-base';

export interface Divergence {
  readonly node: NodeId;
  readonly seq: number;
  /** Line of the record in the recording file. */
  readonly line: number;
  /** Short text of the record, e.g. `input step AppendEntries 1->2 t3`. */
  readonly event: string;
  /** What differed. */
  readonly what: 'digest' | 'ready' | 'result' | 'error' | 'missing-ready' | 'digest-name' | 'restart';
  readonly expected: string;
  readonly actual: string;
}

/** One replayed record, for hosts that rebuild the cluster's state per event (scrubbing). */
export interface ReplayEvent {
  readonly node: NodeId;
  readonly line: number;
  readonly record: NodeRecord;
  /** The node's status after the record; null after a crash. */
  readonly status: NodeStatus | null;
  /** The replayed Ready for `ready` records (whole, with entries), else null. */
  readonly ready: Ready | null;
  /** For a restart: the state it was rebuilt from, whole (a recorded base filled in), else null. */
  readonly persisted: PersistedState | null;
}

export interface ReplayOptions {
  /** Must be the digest the recording names in its header (default: the status digest). */
  readonly digest?: StateDigest;
  /** Called for every replayed node record (not for records after a node's divergence). */
  readonly onEvent?: (event: ReplayEvent) => void;
  /**
   * `node` (default): node by node, each in seq order. `causal`: all nodes interleaved so that
   * every send comes before its receives (what cluster-wide checkers need).
   */
  readonly order?: 'node' | 'causal';
}

export interface NodeReplay {
  readonly node: NodeId;
  /** Node records replayed (up to and including a divergence). */
  readonly events: number;
  readonly starts: number;
  readonly divergence: Divergence | null;
}

export interface ReplayReport {
  readonly ok: boolean;
  /** Node records replayed in total. */
  readonly events: number;
  readonly nodes: readonly NodeReplay[];
  /** The divergence with the lowest line number, or null when everything matched. */
  readonly firstDivergence: Divergence | null;
}

/** Compact text of one record, for divergence reports and timelines. */
export function describeRecord(record: NodeRecord): string {
  switch (record.kind) {
    case 'start':
      return `start (${record.mode.type})`;
    case 'crash':
      return `crash (${record.reason})`;
    case 'ready':
      return `ready ${record.softState.role} msgs=${record.messages.length} append=[${record.appended[0]},${record.appended[1]}) apply=[${record.applied[0]},${record.applied[1]})`;
    case 'input':
      return `input ${describeInput(record.input)}`;
  }
}

export function describeInput(input: NodeInput): string {
  switch (input.type) {
    case 'step':
      return `step ${input.msg.type} ${input.msg.from}->${input.msg.to} t${input.msg.term}`;
    case 'propose':
      return `propose ${JSON.stringify(input.data.length > 40 ? input.data.slice(0, 40) + '…' : input.data)}`;
    case 'propose-conf-change':
      return `propose-conf-change ${input.change.type} ${input.change.node}`;
    case 'read-index':
      return `read-index ${JSON.stringify(input.ctx)}${input.lease === undefined ? '' : input.lease ? ' lease' : ' no-lease'}`;
    case 'transfer-leadership':
      return `transfer-leadership to ${input.to}`;
    case 'compact':
      return `compact to ${input.index}`;
    default:
      return input.type;
  }
}

/** Feeds one recorded input to a node (`advance` needs the Ready it acknowledges). */
export function applyInput(node: RaftNodeApi, input: NodeInput, lastReady: Ready | null): unknown {
  switch (input.type) {
    case 'tick':
      return node.tick();
    case 'step':
      return node.step(input.msg);
    case 'campaign':
      return node.campaign();
    case 'propose':
      return node.propose(input.data);
    case 'propose-conf-change':
      return node.proposeConfChange(input.change);
    case 'read-index':
      return input.lease === undefined ? node.readIndex(input.ctx) : node.readIndex(input.ctx, { lease: input.lease });
    case 'transfer-leadership':
      return node.transferLeadership(input.to);
    case 'compact':
      return node.compact(input.index, input.data);
    case 'advance':
      if (!lastReady) throw new Error('advance with no Ready taken');
      return node.advance(lastReady);
  }
}

/** Where a replayed Ready first differs from the recorded summary (for the report). */
function readyDifference(rec: ReadyRecord, ready: Ready): { expected: string; actual: string } {
  const summary = (r: { softState: unknown; hardState: unknown; appended: unknown; applied: unknown; snapshot: unknown; readStates: unknown }) =>
    ({ softState: r.softState, hardState: r.hardState, appended: r.appended, applied: r.applied, snapshot: r.snapshot, readStates: r.readStates });
  const actual = summary({
    softState: ready.softState, hardState: ready.hardState, appended: span(ready.entries), applied: span(ready.committedEntries),
    snapshot: ready.snapshot ? ready.snapshot.meta : null, readStates: ready.readStates,
  });
  const expected = summary(rec);
  for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
    const e = JSON.stringify(expected[key]);
    const a = JSON.stringify(actual[key]);
    if (e !== a) return { expected: `${key}=${e}`, actual: `${key}=${a}` };
  }
  const n = Math.max(rec.messages.length, ready.messages.length);
  for (let i = 0; i < n; i++) {
    const e = JSON.stringify(rec.messages[i] ?? null);
    const a = JSON.stringify(ready.messages[i] ?? null);
    if (e !== a) return { expected: `messages[${i}]=${e}`, actual: `messages[${i}]=${a}` };
  }
  return { expected: `readyDigest=${rec.readyDigest}`, actual: `readyDigest=${readyDigest(ready)} (entry contents differ)` };
}

/**
 * Replays one node's records, one at a time, stopping for good at its first divergence. Exported
 * for hosts that replay a recording as it is read (shared/replay/replay-index.ts).
 */
export class NodeReplayer {
  private node: RaftNodeApi | null = null;
  private lastReady: Ready | null = null;
  /** The node's storage as its records build it: what a restart's base refers to. */
  private disk = new SimDisk();
  events = 0;
  starts = 0;
  divergence: Divergence | null = null;

  constructor(readonly id: NodeId, private readonly factory: NodeFactory, private readonly digest: StateDigest) {}

  /** Replays one record; returns the event, or null if this node already diverged (now or before). */
  apply(located: Located<NodeRecord>): ReplayEvent | null {
    if (this.divergence) return null;
    const record = located.record;
    this.events++;
    let ready: Ready | null = null;
    let persisted: PersistedState | null = null;
    const diverge = (what: Divergence['what'], expected: string, actual: string): null => {
      this.divergence = { node: this.id, seq: record.seq, line: located.line, event: describeRecord(record), what, expected, actual };
      return null;
    };
    try {
      switch (record.kind) {
        case 'start': {
          let mode = record.mode;
          if (mode.type === 'restore') {
            try {
              persisted = resolveRestore(mode, this.disk.load());
            } catch (e) {
              return diverge('restart', 'a restart whose base the recorded log holds', e instanceof Error ? e.message : String(e));
            }
            mode = { type: 'restore', persisted };
          }
          this.disk = persisted ? SimDisk.from(persisted) : new SimDisk();
          this.node = buildNode(this.factory, mode, record.config, restoreRng(record.rng));
          this.lastReady = null;
          this.starts++;
          break;
        }
        case 'crash':
          this.node = null;
          this.lastReady = null;
          break;
        case 'ready': {
          // The reader guarantees a start before any other record of a node.
          ready = (this.node as RaftNodeApi).ready();
          this.lastReady = ready;
          this.disk.persist(ready);
          if (readyDigest(ready) !== record.readyDigest || JSON.stringify(ready.messages) !== JSON.stringify(record.messages)) {
            const diff = readyDifference(record, ready);
            return diverge('ready', diff.expected, diff.actual);
          }
          break;
        }
        case 'input': {
          let result: unknown = null;
          let error: string | null = null;
          if (record.input.type === 'compact') compactDisk(this.disk, this.node as RaftNodeApi, record.input.index, record.input.data);
          try {
            result = applyInput(this.node as RaftNodeApi, record.input, this.lastReady);
          } catch (e) {
            error = e instanceof Error ? e.message : String(e);
          }
          if (error !== record.error) {
            return diverge('error', record.error === null ? 'no error' : `error ${JSON.stringify(record.error)}`, error === null ? 'no error' : `error ${JSON.stringify(error)}`);
          }
          const keep = record.input.type === 'propose' || record.input.type === 'propose-conf-change' || record.input.type === 'read-index';
          if (keep && error === null && JSON.stringify(result) !== JSON.stringify(record.result)) {
            return diverge('result', JSON.stringify(record.result), JSON.stringify(result));
          }
          break;
        }
      }
      if (record.kind !== 'crash') {
        const actual = this.digest.compute(this.node as RaftNodeApi);
        if (actual !== record.digest) return diverge('digest', record.digest, actual);
      }
      return { node: this.id, line: located.line, record, status: this.node ? this.node.status() : null, ready, persisted };
    } catch (e) {
      // The core threw outside an input call (in a factory, ready() or status()): the recorded
      // run did not, so this is a divergence at this record, not a crash of the tool.
      return diverge('error', 'no error', `threw ${JSON.stringify(e instanceof Error ? e.message : String(e))}`);
    }
  }
}

/** The report for a header whose digest is not the one replay computes. */
function digestNameDivergence(recording: Pick<Recording, 'header'>, digest: StateDigest): ReplayReport | null {
  if (recording.header.digest === digest.name) return null;
  const divergence: Divergence = {
    node: 0, seq: 0, line: 1, event: 'header', what: 'digest-name',
    expected: recording.header.digest, actual: digest.name,
  };
  return { ok: false, events: 0, nodes: [], firstDivergence: divergence };
}

function reportOf(replayers: Iterable<NodeReplayer>): ReplayReport {
  const nodes: NodeReplay[] = [...replayers]
    .sort((a, b) => a.id - b.id)
    .map((r) => ({ node: r.id, events: r.events, starts: r.starts, divergence: r.divergence }));
  let first: Divergence | null = null;
  for (const n of nodes) if (n.divergence && (!first || n.divergence.line < first.line)) first = n.divergence;
  return { ok: first === null, events: nodes.reduce((s, n) => s + n.events, 0), nodes, firstDivergence: first };
}

/**
 * Replay fed one record at a time, in file order, for recordings too large to hold: records go
 * through a CausalStream (every send before its receives) to each node's replayer. Memory is each
 * node's state plus the few records held back for causality, not the file.
 */
export class StreamReplay {
  private readonly replayers = new Map<NodeId, NodeReplayer>();
  private readonly order: CausalStream;
  private readonly digest: StateDigest;
  private readonly refused: ReplayReport | null;

  constructor(header: Recording['header'], private readonly factory: NodeFactory, options: Omit<ReplayOptions, 'order'> = {}) {
    this.digest = options.digest ?? STATUS_DIGEST;
    this.refused = digestNameDivergence({ header }, this.digest);
    const onEvent = options.onEvent;
    this.order = new CausalStream((ev) => {
      const event = this.replayerOf(ev.node).apply({ line: ev.line, record: ev.record });
      if (event) onEvent?.(event);
    });
  }

  /** Takes the next body record of the file (client records and notes are ignored here). */
  push(located: Located<BodyRecord>): void {
    if (this.refused) return;
    if (isNodeRecord(located.record)) this.order.push(located as Located<NodeRecord>);
  }

  finish(): ReplayReport {
    if (this.refused) return this.refused;
    this.order.finish();
    return reportOf(this.replayers.values());
  }

  private replayerOf(id: NodeId): NodeReplayer {
    let r = this.replayers.get(id);
    if (!r) this.replayers.set(id, (r = new NodeReplayer(id, this.factory, this.digest)));
    return r;
  }
}

/** A host's compaction, on a node's disk: the snapshot at `index` as its host writes it (before the core compacts). */
export function compactDisk(disk: SimDisk, api: RaftNodeApi, index: number, data: string): void {
  const snap = compactionSnapshot(api, index, () => data);
  if (snap !== null) disk.compact(index, snap.meta.term, snap.meta.conf, snap.data);
}

/** Replay a whole recording. Never throws for a recording that readRecording accepted. */
export function replayRecording(recording: Recording, factory: NodeFactory, options: ReplayOptions = {}): ReplayReport {
  if (options.order === 'causal') {
    const replay = new StreamReplay(recording.header, factory, options);
    for (const located of recording.records) replay.push(located);
    return replay.finish();
  }
  const digest = options.digest ?? STATUS_DIGEST;
  const refused = digestNameDivergence(recording, digest);
  if (refused) return refused;
  const replayers: NodeReplayer[] = [];
  for (const [id, records] of recordsByNode(recording)) {
    const replayer = new NodeReplayer(id, factory, digest);
    replayers.push(replayer);
    for (const located of records) {
      const event = replayer.apply(located);
      if (!event) break;
      options.onEvent?.(event);
    }
  }
  return reportOf(replayers);
}
