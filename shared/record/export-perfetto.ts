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
import { causalOrder, sendKey } from './causal';
import type { Recording } from './format';
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

export function perfettoTrace(recording: Recording): TraceFile {
  const events: TraceEvent[] = [];
  const nodes = new Set<NodeId>(recording.header.cluster.nodes);
  const lastTs = new Map<number, number>();
  const origin = recording.header.createdAtMs;
  /** A strictly increasing µs timestamp on track `tid`, not before `atLeast`. */
  const stamp = (tid: number, wallMs: number, atLeast = 0): number => {
    const base = Math.max(0, Math.round((wallMs - origin) * 1000), atLeast);
    const prev = lastTs.get(tid);
    const ts = prev === undefined ? base : Math.max(base, prev + 2);
    lastTs.set(tid, ts);
    return ts;
  };

  const spans = new Map<NodeId, Span>();
  const terms = new Map<NodeId, number>();
  const closeSpan = (node: NodeId, end: number) => {
    const span = spans.get(node);
    if (!span) return;
    events.push({ name: `${span.role} (term ${span.term})`, ph: 'X', cat: 'role', pid: CLUSTER_PID, tid: node, ts: span.start, dur: Math.max(0, end - span.start), args: { role: span.role, term: span.term } });
    spans.delete(node);
  };

  const flowIds = new Map<string, number>();
  const sendTs = new Map<string, number>();
  const flowDone = new Set<number>();
  let nextFlow = 1;

  for (const ev of causalOrder(recording)) {
    const r = ev.record;
    const node = ev.node;
    nodes.add(node);
    switch (r.kind) {
      case 'start': {
        const ts = stamp(node, r.wallMs);
        events.push({ name: `start (${r.mode.type})`, ph: 'i', s: 't', cat: 'life', pid: CLUSTER_PID, tid: node, ts });
        break;
      }
      case 'crash': {
        const ts = stamp(node, r.wallMs);
        closeSpan(node, ts);
        events.push({ name: `crash (${r.reason})`, ph: 'i', s: 't', cat: 'life', pid: CLUSTER_PID, tid: node, ts });
        break;
      }
      case 'input': {
        if (r.input.type !== 'step') {
          if (r.input.type === 'tick' || r.input.type === 'advance') break;
          const ts = stamp(node, r.wallMs);
          events.push({ name: describeInput(r.input), ph: 'i', s: 't', cat: 'input', pid: CLUSTER_PID, tid: node, ts, args: { seq: r.seq, result: r.result, error: r.error } });
          break;
        }
        const m = r.input.msg;
        const key = ev.cause ? `${sendKey(ev.cause.node, ev.cause.record.seq)}:${ev.cause.index}` : null;
        const sentAt = key ? sendTs.get(key) : undefined;
        const ts = stamp(node, r.wallMs, sentAt === undefined ? 0 : sentAt + 1);
        events.push({ name: `recv ${m.type} ← ${m.from}`, ph: 'X', cat: 'message', pid: CLUSTER_PID, tid: node, ts, dur: 1, args: { seq: r.seq, message: m } });
        const flow = key ? flowIds.get(key) : undefined;
        // A duplicated delivery gets its slice but only the first delivery ends the flow.
        if (flow !== undefined && !flowDone.has(flow)) {
          flowDone.add(flow);
          events.push({ name: m.type, ph: 'f', bp: 'e', cat: 'message', id: flow, pid: CLUSTER_PID, tid: node, ts });
        }
        break;
      }
      case 'ready': {
        const ts = stamp(node, r.wallMs);
        const term = r.hardState?.term ?? terms.get(node) ?? 0;
        const span = spans.get(node);
        if (!span || span.role !== r.softState.role || span.term !== term) {
          closeSpan(node, ts);
          spans.set(node, { role: r.softState.role, term, start: ts });
        }
        if (r.hardState) {
          if (terms.get(node) !== r.hardState.term) events.push({ name: `term n${node}`, ph: 'C', pid: CLUSTER_PID, tid: node, ts, args: { term: r.hardState.term } });
          terms.set(node, r.hardState.term);
          events.push({ name: `commit n${node}`, ph: 'C', pid: CLUSTER_PID, tid: node, ts, args: { commit: r.hardState.commit } });
        }
        r.messages.forEach((m, index) => {
          const at = index === 0 ? ts : stamp(node, r.wallMs);
          const key = `${sendKey(node, r.seq)}:${index}`;
          const flow = nextFlow++;
          flowIds.set(key, flow);
          sendTs.set(key, at);
          events.push({ name: `send ${m.type} → ${m.to}`, ph: 'X', cat: 'message', pid: CLUSTER_PID, tid: node, ts: at, dur: 1, args: { seq: r.seq, message: m } });
          events.push({ name: m.type, ph: 's', cat: 'message', id: flow, pid: CLUSTER_PID, tid: node, ts: at });
        });
        break;
      }
    }
  }
  for (const node of [...spans.keys()]) closeSpan(node, (lastTs.get(node) ?? 0) + 1);

  // Client operations as async slices (they overlap, so not 'X').
  const invokes = new Map<string, { readonly ts: number; readonly name: string }>();
  for (const { record } of recording.records) {
    if (record.kind === 'invoke') {
      const ts = stamp(CLIENT_TID, record.wallMs);
      const name = `${record.op.type} ${record.op.key}`;
      invokes.set(record.opId, { ts, name });
      events.push({ name, ph: 'b', cat: 'client', id: record.opId, pid: CLUSTER_PID, tid: CLIENT_TID, ts, args: { client: record.client, op: record.op } });
    } else if (record.kind === 'complete') {
      const invoked = invokes.get(record.opId);
      const ts = stamp(CLIENT_TID, record.wallMs, (invoked?.ts ?? 0) + 1);
      events.push({ name: invoked?.name ?? record.opId, ph: 'e', cat: 'client', id: record.opId, pid: CLUSTER_PID, tid: CLIENT_TID, ts, args: { result: record.result } });
    }
  }

  const meta: TraceEvent[] = [{ name: 'process_name', ph: 'M', pid: CLUSTER_PID, tid: 0, args: { name: 'Raft cluster' } }];
  for (const node of [...nodes].sort((a, b) => a - b)) {
    meta.push({ name: 'thread_name', ph: 'M', pid: CLUSTER_PID, tid: node, args: { name: `node ${node}` } });
    meta.push({ name: 'thread_sort_index', ph: 'M', pid: CLUSTER_PID, tid: node, args: { sort_index: node } });
  }
  if (invokes.size > 0) meta.push({ name: 'thread_name', ph: 'M', pid: CLUSTER_PID, tid: CLIENT_TID, args: { name: 'clients' } });

  return {
    traceEvents: [...meta, ...events],
    displayTimeUnit: 'ms',
    otherData: { source: recording.header.source, seed: recording.header.cluster.seed, createdAtMs: recording.header.createdAtMs },
  };
}

/** The trace file's JSON in pieces, one event each (a writer streams them; no whole-file string). */
export function* perfettoChunks(recording: Recording): Generator<string> {
  const trace = perfettoTrace(recording);
  yield '{"traceEvents":[';
  let first = true;
  for (const e of trace.traceEvents) {
    yield first ? JSON.stringify(e) : `,${JSON.stringify(e)}`;
    first = false;
  }
  yield `],"displayTimeUnit":${JSON.stringify(trace.displayTimeUnit)},"otherData":${JSON.stringify(trace.otherData)}}`;
}
