/**
 * The cluster at event k as the lab's own event stream: what a page that had watched the run
 * live would have been told, compressed to a reset, the nodes' states `window` events before k,
 * and then events window..k one by one (so the timeline and flying messages show the recent
 * past). The renderer's stores consume this exactly like live events, so every view (cluster,
 * logs, timeline, invariants) shows the state at k without knowing it is a replay.
 */
import { DEFAULT_CLUSTER_OPTIONS, type ClusterOptions, type LabEvent } from '../protocol/lab';
import { describeMessage } from '../raft/describe';
import type { NodeId, Role } from '../raft/types';
import type { BodyRecord, Recording } from '../record/format';
import { describeRecord } from '../record/replay';
import type { LogAt, ReplayIndex } from './replay-index';

/** How many events before k the timeline replays one by one. */
export const DEFAULT_WINDOW = 200;

/** The options to show for a recording's cluster (the header's settings, where they fit). */
export function clusterOptionsOf(recording: Recording): ClusterOptions {
  const s = recording.header.cluster.settings;
  const num = (key: string, fallback: number) => (typeof s[key] === 'number' ? s[key] : fallback);
  const bool = (key: string, fallback: boolean) => (typeof s[key] === 'boolean' ? s[key] : fallback);
  return {
    ...DEFAULT_CLUSTER_OPTIONS,
    nodes: recording.header.cluster.nodes.length,
    seed: recording.header.cluster.seed,
    tickMs: num('tickMs', DEFAULT_CLUSTER_OPTIONS.tickMs),
    heartbeatTicks: num('heartbeatTicks', DEFAULT_CLUSTER_OPTIONS.heartbeatTicks),
    electionTicks: num('electionTicks', DEFAULT_CLUSTER_OPTIONS.electionTicks),
    preVote: bool('preVote', DEFAULT_CLUSTER_OPTIONS.preVote),
    checkQuorum: bool('checkQuorum', DEFAULT_CLUSTER_OPTIONS.checkQuorum),
    // A branch compacts as the recorded run did (both the lab's and the simulator's settings name it so).
    snapshotEvery: num('snapshotEvery', DEFAULT_CLUSTER_OPTIONS.snapshotEvery),
  };
}

/** The canonical one-line text of event i (messages via shared/raft/describe.ts). */
export function describeEvent(record: BodyRecord): string {
  switch (record.kind) {
    case 'input':
      if (record.input.type === 'step') return `node ${record.node} #${record.seq}: receive ${describeMessage(record.input.msg)}`;
      return `node ${record.node} #${record.seq}: ${describeRecord(record)}`;
    case 'ready':
    case 'start':
    case 'crash':
      return `node ${record.node} #${record.seq}: ${describeRecord(record)}`;
    case 'invoke':
      return `client ${record.client} invokes ${record.opId}: ${record.op.type} ${record.op.key}${record.read === undefined ? '' : ` (${record.read} read)`}`;
    case 'complete':
      return `client op ${record.opId} completes: ${record.result.ok ? 'ok' : record.result.error}`;
    case 'note':
      return `note: ${record.text}`;
  }
}

function wallOf(record: BodyRecord): number {
  return record.wallMs;
}

/** A lab event before it is numbered (Omit over each member, so the union stays discriminated). */
type LabEventBody = LabEvent extends infer E ? (E extends LabEvent ? Omit<E, 'seq'> : never) : never;

/** What the renderer needs to show position k. */
export interface ReplayFrame {
  readonly position: number;
  readonly events: readonly LabEvent[];
  readonly logs: readonly LogAt[];
}

export function frameAt(index: ReplayIndex, k: number, window = DEFAULT_WINDOW): ReplayFrame {
  const from = Math.max(0, k - window);
  const out: LabEvent[] = [];
  let seq = 0;
  const atOf = (i: number) => (i === 0 ? index.recording.header.createdAtMs : wallOf(index.record(i)));
  const push = (e: LabEventBody) => out.push({ ...e, seq: ++seq } as LabEvent);

  const startMs = atOf(from);
  push({ type: 'cluster-created', atMs: startMs, options: clusterOptionsOf(index.recording), nodes: index.nodes });
  // Replay is a paused cluster: the time controls do not run it.
  push({ type: 'run-state', atMs: startMs, paused: true, speed: 1 });
  const roles = new Map<NodeId, Role | null>();
  for (const n of index.nodesAt(from)) {
    const life = n.state === 'running' ? 'running' : n.state === 'down' ? 'crashed' : 'starting';
    push({ type: 'node-life', atMs: startMs, node: n.id, life, exit: n.state === 'down' ? { reason: 'crashed', detail: 'recorded crash' } : null });
    if (n.status) push({ type: 'node-status', atMs: startMs, status: n.status });
    roles.set(n.id, n.status?.role ?? null);
  }
  for (let i = from + 1; i <= k; i++) {
    const r = index.record(i);
    const atMs = wallOf(r);
    switch (r.kind) {
      case 'start':
        push({ type: 'node-life', atMs, node: r.node, life: 'running', exit: null });
        break;
      case 'crash':
        push({ type: 'node-life', atMs, node: r.node, life: r.reason === 'stopped' ? 'stopped' : 'crashed', exit: r.reason === 'killed' ? { reason: 'killed' } : r.reason === 'stopped' ? { reason: 'clean-exit' } : { reason: 'crashed', detail: 'recorded crash' } });
        break;
      case 'ready':
        r.messages.forEach((message, m) => push({ type: 'message-sent', atMs, msgId: `${r.node}:${r.seq}:${m}`, message }));
        if (r.applied[1] > r.applied[0]) push({ type: 'entries-applied', atMs, node: r.node, from: r.applied[0], to: r.applied[1] - 1 });
        break;
      case 'input':
        if (r.input.type === 'step') {
          const s = r.input.stamp;
          const msgId = s ? `${r.input.msg.from}:${s.seq}:${s.index}` : `recv:${r.node}:${r.seq}`;
          push({ type: 'message-delivered', atMs, msgId, message: r.input.msg });
        }
        break;
      case 'invoke':
        push(r.read === undefined ? { type: 'client-invoke', atMs, opId: r.opId, client: r.client, op: r.op } : { type: 'client-invoke', atMs, opId: r.opId, client: r.client, op: r.op, read: r.read });
        break;
      case 'complete':
        push({ type: 'client-complete', atMs, opId: r.opId, result: r.result });
        break;
      case 'note':
        break;
    }
    const status = index.statusAfter(i);
    if (status) {
      if (roles.get(status.id) !== status.role) push({ type: 'role-change', atMs, node: status.id, role: status.role, term: status.term });
      roles.set(status.id, status.role);
      push({ type: 'node-status', atMs, status });
    }
  }
  const endMs = atOf(k);
  for (const v of index.violations) {
    if (v.event > k) break;
    push({ type: 'violation', atMs: endMs, violation: { ...v.violation, eventSeq: v.event } });
  }
  const logs = index.nodes.map((id) => index.logAt(id, k));
  return { position: k, events: out, logs };
}
