/**
 * The replay worker: reads a recording file a slice at a time with the shared validating reader
 * (one line at a time), replays it through the real core into a ReplayIndex as it goes, and
 * answers frame requests between slices. The page is told `opened` once the first slice is
 * indexed (first paint does not wait for the whole file), then how far indexing has got.
 *
 * A problem found before `opened` leaves the previously opened recording in place (the page keeps
 * showing it); a problem found later stops indexing there and is shown, with every position
 * before it still true. The end record is read first (from the file's tail): it gives the
 * scrubber its length, and a file without one (truncated) is read whole the old way, which names
 * the line.
 */
import '../transport/zod-jitless';
import { RawNode } from '../../../shared/raft/raw-node';
import { MAX_LINE_CHARS, MAX_RECORDS, readRecording, RecordingError, RecordingLineReader } from '../../../shared/record/read';
import { describeViolation } from '../../../shared/check/invariants';
import { ReplayIndex } from '../../../shared/replay/replay-index';
import { clusterOptionsOf, describeEvent, frameAt } from '../../../shared/replay/lab-projection';
import type { Divergence } from '../../../shared/record/replay';
import type { BodyRecord, Located } from '../../../shared/record/format';
import type { Entry, NodeId } from '../../../shared/raft/types';
import { blobLines, LineTooLong } from './blob-lines';
import type { FromWorker, IndexProgress, LogPatch, OpenedRecording, ToWorker, ViolationLink } from './worker-protocol';

/** Bytes read per slice: about 3,000 events, some tens of milliseconds of indexing. */
const SLICE_BYTES = 1 << 20;
/** How much of the file's end is read to find the end record. */
const TAIL_BYTES = 64 * 1024;

/** The parts of the worker global this file uses (the renderer's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToWorker>) => void): void;
}
const scope = self as unknown as WorkerScope;

let index: ReplayIndex | null = null;
/** Number of the latest open: an older one still reading gives way before it is shown. */
let latestOpen = 0;
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

function describeDivergence(d: Divergence | null): string | null {
  return d ? `line ${d.line}: node ${d.node} ${d.event}: ${d.what} differs (recorded ${d.expected}, replayed ${d.actual})` : null;
}

function violationLinks(ix: ReplayIndex): ViolationLink[] {
  return ix.violations.map((v) => ({ event: v.event, text: describeViolation(v.violation) }));
}

/** Lets queued messages (frame requests) run between slices; a zero timeout would be clamped. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** The end record's count from the file's last line, or null when the last line is not an end record. */
async function claimedEvents(file: Blob): Promise<number | null> {
  const tail = await file.slice(Math.max(0, file.size - TAIL_BYTES)).text();
  const trimmed = tail.endsWith('\n') ? tail.slice(0, -1) : tail;
  const cut = trimmed.lastIndexOf('\n');
  if (cut < 0 && file.size > TAIL_BYTES) return null;
  try {
    const value = JSON.parse(trimmed.slice(cut + 1)) as { kind?: unknown; records?: unknown };
    return value.kind === 'end' && Number.isSafeInteger(value.records) && (value.records as number) >= 0 ? (value.records as number) : null;
  } catch {
    return null;
  }
}

function infoOf(ix: ReplayIndex, fileName: string, progress: IndexProgress): OpenedRecording {
  return {
    fileName,
    events: progress.events,
    nodes: ix.nodes,
    source: ix.header.source,
    seed: ix.header.cluster.seed,
    violations: violationLinks(ix),
    divergence: describeDivergence(ix.divergence),
    progress,
  };
}

/** A file whose last line is not an end record: read whole, so the reader's error names the line. */
async function openWhole(file: Blob, fileName: string): Promise<void> {
  scope.postMessage({ type: 'progress', phase: 'parsing' });
  const recording = readRecording(await file.text());
  scope.postMessage({ type: 'progress', phase: 'replaying' });
  const next = new ReplayIndex(recording, RawNode);
  const progress: IndexProgress = { indexed: next.indexed, events: next.events, bytesRead: file.size, bytes: file.size, state: 'complete', error: null };
  index = next;
  sent = new Map();
  scope.postMessage({ type: 'opened', info: infoOf(next, fileName, progress) });
}

async function open(file: Blob, fileName: string): Promise<void> {
  const gen = ++latestOpen;
  // Set inside the loop below; the casts keep the compiler from narrowing them to their first value in `catch`.
  let next = null as ReplayIndex | null;
  let shown = false as boolean;
  let progress = null as IndexProgress | null;
  try {
    scope.postMessage({ type: 'progress', phase: 'reading' });
    const events = await claimedEvents(file);
    if (events === null || events > MAX_RECORDS) return await openWhole(file, fileName);

    const reader = new RecordingLineReader();
    let line = 0;
    let reported = { violations: 0, divergence: null as string | null };
    try {
      for await (const batch of blobLines(file, SLICE_BYTES, MAX_LINE_CHARS)) {
        const located: Located<BodyRecord>[] = [];
        try {
          for (const text of batch.lines) {
            line++;
            if (line === 1) {
              next = new ReplayIndex({ header: reader.header(text), records: [], end: null }, RawNode, { partial: true, expectedEvents: events });
              continue;
            }
            const record = reader.line(text);
            if (record) located.push({ line, record });
          }
        } catch (e) {
          // A bad line: the good lines before it are still indexed (and shown, if already open).
          if (shown && next && index === next) next.add(located);
          throw e;
        }
        if (!next) continue;
        if (shown ? index !== next : gen !== latestOpen) return; // a newer open replaces this one
        next.add(located);
        const done = batch.bytesRead >= file.size;
        if (done) next.finish(reader.finish());
        progress = { indexed: next.indexed, events, bytesRead: batch.bytesRead, bytes: file.size, state: done ? 'complete' : 'indexing', error: null };
        if (!shown) {
          // First slice indexed: show the recording now (position 0 is always indexed).
          index = next;
          sent = new Map();
          shown = true;
          const info = infoOf(next, fileName, progress);
          reported = { violations: info.violations.length, divergence: info.divergence };
          scope.postMessage({ type: 'opened', info });
        } else {
          const divergence = describeDivergence(next.divergence);
          const changed = next.violations.length !== reported.violations || divergence !== reported.divergence;
          reported = { violations: next.violations.length, divergence };
          scope.postMessage(changed
            ? { type: 'indexing', progress, nodes: next.nodes, violations: violationLinks(next), divergence }
            : { type: 'indexing', progress, nodes: next.nodes });
        }
        await yieldToMessages();
      }
      if (!next) throw new RecordingError(null, 'the file is empty');
    } catch (e) {
      if (e instanceof LineTooLong) throw new RecordingError(line + 1, e.message);
      throw e;
    }
  } catch (e) {
    const message = e instanceof RecordingError ? e.message : `could not open the recording (${e instanceof Error ? e.message : String(e)})`;
    if (!shown || !next) {
      scope.postMessage({ type: 'open-error', fileName, message });
      return;
    }
    if (index !== next) return;
    // Found after the recording was shown: it stays, true up to where indexing got.
    const at: IndexProgress = { indexed: next.indexed, events: progress?.events ?? next.events, bytesRead: progress?.bytesRead ?? 0, bytes: file.size, state: 'failed', error: message };
    scope.postMessage({ type: 'indexing', progress: at, nodes: next.nodes, violations: violationLinks(next), divergence: describeDivergence(next.divergence) });
  }
}

function frame(id: number, position: number): void {
  try {
    if (!index) throw new Error('no recording is open');
    const f = frameAt(index, position);
    const text = position === 0 ? 'start of the recording (no event yet)' : describeEvent(index.record(position));
    const logs = f.logs.map((l) => patchOf(l.node, l.entries, l.lastIndex));
    scope.postMessage({ type: 'frame', id, frame: { position: f.position, events: f.events, logs }, text, indexed: index.indexed });
  } catch (e) {
    scope.postMessage({ type: 'frame-error', id, message: e instanceof Error ? e.message : String(e) });
  }
}

function branch(position: number): void {
  try {
    if (!index) throw new Error('no recording is open');
    const states = index.branchStateAt(position);
    const atMs = position === 0 ? index.header.createdAtMs : index.record(position).wallMs;
    // A branch's own randomness: fixed by the recording and the event, so a branch is repeatable.
    const seed = (index.header.cluster.seed * 1_000_003 + position) >>> 0;
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
