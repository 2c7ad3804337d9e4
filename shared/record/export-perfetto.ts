/**
 * Chrome Trace Event Format export (loads in Perfetto and chrome://tracing): one process for the
 * cluster, one thread (track) per node. On each track: a complete slice ('X') per stretch of one
 * role and term, a short slice per message sent and per message received joined by a flow
 * ('s' at the send, 'f' bound to the receive slice), instants ('i') for starts and crashes, and
 * counters ('C') for each node's term and commit index. Client operations are async slices
 * ('b'/'e') on their own track. Timestamps are microseconds of the recording's wall time; within
 * a track they are nudged to strictly increase, and a receive never precedes its send.
 */
import type { NodeId, Role } from '../raft/types';
import { CausalStream, type CausalEvent } from './causal';
import { isNodeRecord, type BodyRecord, type Located, type NodeRecord, type ReadyRecord, type Recording } from './format';
import { describeInput } from './replay';

export type TracePhase = 'M' | 'X' | 'i' | 's' | 'f' | 'C' | 'b' | 'e';

export interface TraceEvent {
  readonly name: string;
  readonly ph: TracePhase;
  readonly pid: number;
  readonly tid: number;
  /** Microseconds (absent for metadata). */
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly id?: number | string;
  readonly s?: 't' | 'p' | 'g';
  readonly bp?: 'e';
  readonly args?: Record<string, unknown>;
}

export interface TraceFile {
  readonly traceEvents: readonly TraceEvent[];
  readonly displayTimeUnit: 'ms';
  readonly otherData: Record<string, string | number>;
}

export const CLUSTER_PID = 1;
/** Track id of client operations (node ids are small). */
export const CLIENT_TID = 10_000;

interface Span {
  role: Role;
  term: number;
  start: number;
}

/**
 * The trace built as records arrive (a file of any size): node records go through a CausalStream
 * (a receive never comes before its send), client records as they come. Events come out as soon
 * as they are known, thread names when a track first appears, each role slice when it ends.
 * Memory: per-track state, open client operations, and the send records the CausalStream keeps.
 */
export class PerfettoTrace {
  private readonly lastTs = new Map<number, number>();
  private readonly origin: number;
  private readonly spans = new Map<NodeId, Span>();
  private readonly terms = new Map<NodeId, number>();
  private readonly tracks = new Set<number>();
  /** Flow ids and send times of a recent send's messages (kept as long as the CausalStream keeps the send). */
  private readonly flows = new WeakMap<ReadyRecord, { readonly ids: number[]; readonly ts: number[]; readonly done: boolean[] }>();
  private readonly invokes = new Map<string, { readonly ts: number; readonly name: string }>();
  private readonly order: CausalStream;
  private nextFlow = 1;
  private out: TraceEvent[] = [];

  constructor(readonly header: Recording['header']) {
    this.origin = header.createdAtMs;
    this.order = new CausalStream((ev) => this.nodeEvent(ev));
    this.out.push({ name: 'process_name', ph: 'M', pid: CLUSTER_PID, tid: 0, args: { name: 'Raft cluster' } });
    for (const node of [...header.cluster.nodes].sort((a, b) => a - b)) this.track(node);
  }

  /** The next body record of the file; returns the events it released. */
  push(located: Located<BodyRecord>): TraceEvent[] {
    const record = located.record;
    if (isNodeRecord(record)) this.order.push(located as Located<NodeRecord>);
    else if (record.kind === 'invoke') {
      this.track(CLIENT_TID);
      const ts = this.stamp(CLIENT_TID, record.wallMs);
      const name = `${record.op.type} ${record.op.key}`;
      this.invokes.set(record.opId, { ts, name });
      this.out.push({ name, ph: 'b', cat: 'client', id: record.opId, pid: CLUSTER_PID, tid: CLIENT_TID, ts, args: { client: record.client, op: record.op } });
    } else if (record.kind === 'complete') {
      const invoked = this.invokes.get(record.opId);
      this.invokes.delete(record.opId);
      const ts = this.stamp(CLIENT_TID, record.wallMs, (invoked?.ts ?? 0) + 1);
      this.out.push({ name: invoked?.name ?? record.opId, ph: 'e', cat: 'client', id: record.opId, pid: CLUSTER_PID, tid: CLIENT_TID, ts, args: { result: record.result } });
    }
    return this.take();
  }

  /** The events still held back at the end of the file, and the role slices still open. */
  finish(): TraceEvent[] {
    this.order.finish();
    for (const node of [...this.spans.keys()]) this.closeSpan(node, (this.lastTs.get(node) ?? 0) + 1);
    return this.take();
  }

  get otherData(): Record<string, string | number> {
    return { source: this.header.source, seed: this.header.cluster.seed, createdAtMs: this.header.createdAtMs };
  }

  /** Events produced and not yet taken (after construction: the process and thread names). */
  take(): TraceEvent[] {
    const events = this.out;
    this.out = [];
    return events;
  }

  /** Names a track the first time it appears. */
  private track(tid: number): void {
    if (this.tracks.has(tid)) return;
    this.tracks.add(tid);
    if (tid === CLIENT_TID) {
      this.out.push({ name: 'thread_name', ph: 'M', pid: CLUSTER_PID, tid, args: { name: 'clients' } });
      return;
    }
    this.out.push({ name: 'thread_name', ph: 'M', pid: CLUSTER_PID, tid, args: { name: `node ${tid}` } });
    this.out.push({ name: 'thread_sort_index', ph: 'M', pid: CLUSTER_PID, tid, args: { sort_index: tid } });
  }

  /** A strictly increasing µs timestamp on track `tid`, not before `atLeast`. */
  private stamp(tid: number, wallMs: number, atLeast = 0): number {
    const base = Math.max(0, Math.round((wallMs - this.origin) * 1000), atLeast);
    const prev = this.lastTs.get(tid);
    const ts = prev === undefined ? base : Math.max(base, prev + 2);
    this.lastTs.set(tid, ts);
    return ts;
  }

  private closeSpan(node: NodeId, end: number): void {
    const span = this.spans.get(node);
    if (!span) return;
    this.out.push({ name: `${span.role} (term ${span.term})`, ph: 'X', cat: 'role', pid: CLUSTER_PID, tid: node, ts: span.start, dur: Math.max(0, end - span.start), args: { role: span.role, term: span.term } });
    this.spans.delete(node);
  }

  private nodeEvent(ev: CausalEvent): void {
    const r = ev.record;
    const node = ev.node;
    this.track(node);
    switch (r.kind) {
      case 'start': {
        const ts = this.stamp(node, r.wallMs);
        this.out.push({ name: `start (${r.mode.type})`, ph: 'i', s: 't', cat: 'life', pid: CLUSTER_PID, tid: node, ts });
        return;
      }
      case 'crash': {
        const ts = this.stamp(node, r.wallMs);
        this.closeSpan(node, ts);
        this.out.push({ name: `crash (${r.reason})`, ph: 'i', s: 't', cat: 'life', pid: CLUSTER_PID, tid: node, ts });
        return;
      }
      case 'input': {
        if (r.input.type !== 'step') {
          if (r.input.type === 'tick' || r.input.type === 'advance') return;
          const ts = this.stamp(node, r.wallMs);
          this.out.push({ name: describeInput(r.input), ph: 'i', s: 't', cat: 'input', pid: CLUSTER_PID, tid: node, ts, args: { seq: r.seq, result: r.result, error: r.error } });
          return;
        }
        const m = r.input.msg;
        const sent = ev.cause ? this.flows.get(ev.cause.record) : undefined;
        const index = ev.cause?.index ?? 0;
        const sentAt = sent?.ts[index];
        const ts = this.stamp(node, r.wallMs, sentAt === undefined ? 0 : sentAt + 1);
        this.out.push({ name: `recv ${m.type} ← ${m.from}`, ph: 'X', cat: 'message', pid: CLUSTER_PID, tid: node, ts, dur: 1, args: { seq: r.seq, message: m } });
        // A duplicated delivery gets its slice but only the first delivery ends the flow.
        if (sent !== undefined && sent.done[index] === false) {
          sent.done[index] = true;
          this.out.push({ name: m.type, ph: 'f', bp: 'e', cat: 'message', id: sent.ids[index]!, pid: CLUSTER_PID, tid: node, ts });
        }
        return;
      }
      case 'ready': {
        const ts = this.stamp(node, r.wallMs);
        const term = r.hardState?.term ?? this.terms.get(node) ?? 0;
        const span = this.spans.get(node);
        if (!span || span.role !== r.softState.role || span.term !== term) {
          this.closeSpan(node, ts);
          this.spans.set(node, { role: r.softState.role, term, start: ts });
        }
        if (r.hardState) {
          if (this.terms.get(node) !== r.hardState.term) this.out.push({ name: `term n${node}`, ph: 'C', pid: CLUSTER_PID, tid: node, ts, args: { term: r.hardState.term } });
          this.terms.set(node, r.hardState.term);
          this.out.push({ name: `commit n${node}`, ph: 'C', pid: CLUSTER_PID, tid: node, ts, args: { commit: r.hardState.commit } });
        }
        if (r.messages.length === 0) return;
        const sent = { ids: [] as number[], ts: [] as number[], done: [] as boolean[] };
        r.messages.forEach((m, index) => {
          const at = index === 0 ? ts : this.stamp(node, r.wallMs);
          const flow = this.nextFlow++;
          sent.ids.push(flow);
          sent.ts.push(at);
          sent.done.push(false);
          this.out.push({ name: `send ${m.type} → ${m.to}`, ph: 'X', cat: 'message', pid: CLUSTER_PID, tid: node, ts: at, dur: 1, args: { seq: r.seq, message: m } });
          this.out.push({ name: m.type, ph: 's', cat: 'message', id: flow, pid: CLUSTER_PID, tid: node, ts: at });
        });
        this.flows.set(r, sent);
        return;
      }
    }
  }
}

export function perfettoTrace(recording: Recording): TraceFile {
  const trace = new PerfettoTrace(recording.header);
  const events: TraceEvent[] = trace.take();
  for (const located of recording.records) events.push(...trace.push(located));
  events.push(...trace.finish());
  return { traceEvents: events, displayTimeUnit: 'ms', otherData: trace.otherData };
}

/** The trace file's JSON as it is built from records fed one at a time (see PerfettoTrace). */
export class PerfettoWriter {
  private readonly trace: PerfettoTrace;
  private first = true;

  constructor(header: Recording['header']) {
    this.trace = new PerfettoTrace(header);
  }

  /** The opening and the events known before any record. */
  begin(): string[] {
    return ['{"traceEvents":[', ...this.pieces(this.trace.take())];
  }

  push(located: Located<BodyRecord>): string[] {
    return this.pieces(this.trace.push(located));
  }

  end(): string[] {
    return [...this.pieces(this.trace.finish()), `],"displayTimeUnit":"ms","otherData":${JSON.stringify(this.trace.otherData)}}`];
  }

  private pieces(events: readonly TraceEvent[]): string[] {
    return events.map((e) => {
      const text = this.first ? JSON.stringify(e) : `,${JSON.stringify(e)}`;
      this.first = false;
      return text;
    });
  }
}

/** The trace file's JSON in pieces, one event each (a writer streams them; no whole-file string). */
export function* perfettoChunks(recording: Recording): Generator<string> {
  const writer = new PerfettoWriter(recording.header);
  yield* writer.begin();
  for (const located of recording.records) yield* writer.push(located);
  yield* writer.end();
}
