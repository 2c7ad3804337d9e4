/**
 * The replay worker: reads a recording file with the shared validating reader, replays it
 * through the real core into a ReplayIndex, then answers frame requests. A failed open leaves
 * the previously opened recording in place (the page keeps showing it).
 */
import '../transport/zod-jitless';
import { RawNode } from '../../../shared/raft/raw-node';
import { readRecording, RecordingError } from '../../../shared/record/read';
import { describeViolation } from '../../../shared/check/invariants';
import { ReplayIndex } from '../../../shared/replay/replay-index';
import { clusterOptionsOf, describeEvent, frameAt } from '../../../shared/replay/lab-projection';
import type { Entry, NodeId } from '../../../shared/raft/types';
import type { FromWorker, LogPatch, OpenedRecording, ToWorker } from './worker-protocol';

/** The parts of the worker global this file uses (the renderer's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToWorker>) => void): void;
}
const scope = self as unknown as WorkerScope;

let index: ReplayIndex | null = null;
/** The logs as last sent to the page (patches are relative to them). */
let sent = new Map<NodeId, readonly (Entry | null)[]>();

/** What changed in a node's log since the last frame; entries are shared objects, so identity tells. */
function patchOf(node: NodeId, entries: readonly (Entry | null)[], lastIndex: number): LogPatch {
  const before = sent.get(node) ?? [];
  let from = 1;
  const common = Math.min(lastIndex, before.length - 1);
  while (from <= common && before[from] === entries[from]) from++;
  sent.set(node, entries);
  return { node, from, entries: entries.slice(from, lastIndex + 1), lastIndex };
}

async function open(file: Blob, fileName: string): Promise<void> {
  try {
    scope.postMessage({ type: 'progress', phase: 'reading' });
    const text = await file.text();
    scope.postMessage({ type: 'progress', phase: 'parsing' });
    const recording = readRecording(text);
    scope.postMessage({ type: 'progress', phase: 'replaying' });
    const next = new ReplayIndex(recording, RawNode);
    const d = next.divergence;
    const info: OpenedRecording = {
      fileName,
      events: next.events,
      nodes: next.nodes,
      source: recording.header.source,
      seed: recording.header.cluster.seed,
      violations: next.violations.map((v) => ({ event: v.event, text: describeViolation(v.violation) })),
      divergence: d ? `line ${d.line}: node ${d.node} ${d.event}: ${d.what} differs (recorded ${d.expected}, replayed ${d.actual})` : null,
    };
    index = next;
    sent = new Map();
    scope.postMessage({ type: 'opened', info });
  } catch (e) {
    const message = e instanceof RecordingError ? e.message : `could not open the recording (${e instanceof Error ? e.message : String(e)})`;
    scope.postMessage({ type: 'open-error', fileName, message });
  }
}

function frame(id: number, position: number): void {
  try {
    if (!index) throw new Error('no recording is open');
    const f = frameAt(index, position);
    const text = position === 0 ? 'start of the recording (no event yet)' : describeEvent(index.record(position));
    const logs = f.logs.map((l) => patchOf(l.node, l.entries, l.lastIndex));
    scope.postMessage({ type: 'frame', id, frame: { position: f.position, events: f.events, logs }, text });
  } catch (e) {
    scope.postMessage({ type: 'frame-error', id, message: e instanceof Error ? e.message : String(e) });
  }
}

function branch(position: number): void {
  try {
    if (!index) throw new Error('no recording is open');
    const states = index.branchStateAt(position);
    const atMs = position === 0 ? index.recording.header.createdAtMs : index.record(position).wallMs;
    // A branch's own randomness: fixed by the recording and the event, so a branch is repeatable.
    const seed = (index.recording.header.cluster.seed * 1_000_003 + position) >>> 0;
    scope.postMessage({ type: 'branch', start: { position, states, options: clusterOptionsOf(index.recording), atMs, seed } });
  } catch (e) {
    scope.postMessage({ type: 'branch-error', position, message: e instanceof Error ? e.message : String(e) });
  }
}

scope.addEventListener('message', (e) => {
  const m = e.data;
  if (m.type === 'open') void open(m.file, m.fileName);
  else if (m.type === 'frame') frame(m.id, m.position);
  else if (m.type === 'branch') branch(m.position);
  else sent = new Map();
});
