/**
 * The replay worker: reads a recording file a large slice at a time, parses each line and adds
 * it to a ReplayIndex, which replays it through the real core and the invariant checker as it
 * goes; between batches of lines it answers frame requests. A second worker (validate.worker.ts)
 * runs every line through the shared validating reader meanwhile, on the other core; a position
 * is shown only once it is indexed and its lines are validated. The page is told `opened` once
 * the first batch is (first paint does not wait for the whole file), then how far it has got.
 *
 * A problem found before `opened` leaves the previously opened recording in place (the page keeps
 * showing it); a problem found later stops indexing there and is shown, with every position
 * before it still true. The end record is read first (from the file's tail): it gives the
 * scrubber its length, and a file without one (truncated) is read whole the old way, which names
 * the line. A gzip file is first decompressed into a Blob of its text (gunzip-blob.ts).
 */
import '../transport/zod-jitless';
import { RawNode } from '../../../shared/raft/raw-node';
import { MAX_LINE_CHARS, MAX_RECORDS, readRecording, RecordingError, RecordingLineReader } from '../../../shared/record/read';
import { describeViolation } from '../../../shared/check/invariants';
import { ReplayIndex } from '../../../shared/replay/replay-index';
import { clusterOptionsOf, describeEvent, frameAt } from '../../../shared/replay/lab-projection';
import type { Divergence } from '../../../shared/record/replay';
import type { BodyRecord, EndRecord, Located } from '../../../shared/record/format';
import type { Entry, NodeId } from '../../../shared/raft/types';
import { blobLines } from './blob-lines';
import { gunzipBlob, isGzipBlob } from './gunzip-blob';
import type { FromValidator, FromWorker, IndexProgress, LogPatch, OpenedRecording, ToValidator, ToWorker, ViolationLink } from './worker-protocol';

/** Bytes read at a time (the next slice is read while this one is worked on). */
const SLICE_BYTES = 4 * 1024 * 1024;
/** Lines indexed between two looks at the page's requests: a few tens of milliseconds (a frame asked for waits at most that). */
const LINES_PER_BATCH = 1_500;
/** How much of the file's end is read to find the end record. */
const TAIL_BYTES = 64 * 1024;
/** Most text a gzip file may decompress to here (as much as the largest plain file the lab reads, 2 GiB). */
const MAX_GZIP_TEXT_BYTES = 2 * 1024 * 1024 * 1024;

/** The parts of the worker global this file uses (the renderer's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToWorker>) => void): void;
}
const scope = self as unknown as WorkerScope;

let index: ReplayIndex | null = null;
/** Positions of `index` the page may see: indexed and validated (the page is told; this guards). */
let shownUpTo = 0;
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
async function openWhole(file: Blob, fileName: string, gen: number): Promise<void> {
  scope.postMessage({ type: 'progress', phase: 'parsing' });
  // Through blobLines, not file.text(): that would replace bytes that are not UTF-8 unseen.
  const lines: string[] = [];
  for await (const batch of blobLines(file, SLICE_BYTES, MAX_LINE_CHARS)) for (const line of batch.lines) lines.push(line);
  const recording = readRecording(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  scope.postMessage({ type: 'progress', phase: 'replaying' });
  const next = new ReplayIndex(recording, RawNode);
  if (gen !== latestOpen) return;
  const progress: IndexProgress = { indexed: next.indexed, events: next.events, bytesRead: file.size, bytes: file.size, state: 'complete', error: null };
  index = next;
  shownUpTo = next.indexed;
  sent = new Map();
  scope.postMessage({ type: 'opened', info: infoOf(next, fileName, progress) });
}

/** The validating worker beside this one (validate.worker.ts), and what it has reported. */
class Validation {
  lines = 0;
  done = false;
  error: { readonly line: number | null; readonly message: string } | null = null;
  /** The validating worker itself failed (not the file): the caller falls back to reading whole. */
  broken = false;
  private readonly worker: Worker;
  private wake: (() => void) | null = null;

  constructor(file: Blob) {
    this.worker = new Worker(new URL('./validate.worker.ts', import.meta.url), { type: 'module' });
    this.worker.addEventListener('message', (e: MessageEvent<FromValidator>) => {
      const m = e.data;
      if (m.type === 'valid') {
        this.lines = m.lines;
        this.done = m.done;
      } else {
        this.error = { line: m.line, message: m.message };
      }
      if (this.finished) this.stop();
      this.notify();
    });
    this.worker.addEventListener('error', (e) => {
      this.broken = true;
      this.error = { line: null, message: `could not validate the recording (${e.message})` };
      this.notify();
    });
    const m: ToValidator = { type: 'validate', file, sliceBytes: SLICE_BYTES, linesPerReport: LINES_PER_BATCH };
    this.worker.postMessage(m);
  }

  get finished(): boolean {
    return this.done || this.error !== null;
  }

  /** Resolves at the validator's next report (at once when it has finished). */
  next(): Promise<void> {
    if (this.finished) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  stop(): void {
    this.worker.terminate();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/** Positions shown: indexed, and every line up to them validated (event i is on line i + 1). */
function visibleOf(ix: ReplayIndex, v: Validation): number {
  if (v.done) return ix.indexed;
  // Lines are validated in order: every line before a failing one passed.
  const valid = v.error?.line ? v.error.line - 1 : v.lines;
  return Math.min(ix.indexed, Math.max(0, valid - 1));
}

/** Parses a line after the header without validating it (the validating worker does that): null when it is no record. */
function parseLine(text: string): BodyRecord | EndRecord | null {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    const kind = (value as { kind?: unknown }).kind;
    return typeof kind === 'string' && kind !== 'header' ? (value as BodyRecord | EndRecord) : null;
  } catch {
    return null;
  }
}

async function open(file: Blob, fileName: string): Promise<void> {
  const gen = ++latestOpen;
  scope.postMessage({ type: 'progress', phase: 'reading' });
  let events: number | null;
  try {
    // A gzip file (by its first bytes) is read as its text from here on, a Blob like any file.
    if (await isGzipBlob(file)) file = await gunzipBlob(file, { maxTextBytes: MAX_GZIP_TEXT_BYTES, maxLineBytes: MAX_LINE_CHARS * 3 });
    events = await claimedEvents(file);
    if (events === null || events > MAX_RECORDS) return await openWhole(file, fileName, gen);
  } catch (e) {
    const message = e instanceof RecordingError ? e.message : `could not open the recording (${e instanceof Error ? e.message : String(e)})`;
    if (gen === latestOpen) scope.postMessage({ type: 'open-error', fileName, message });
    return;
  }
  const total = events;
  const validation = new Validation(file);
  // Set inside the loop below; the casts keep the compiler from narrowing them to their first value later.
  let next = null as ReplayIndex | null;
  let shown = false as boolean;
  let bytesRead = 0;
  let line = 0;
  /** Why reading stopped before the end although the validator may not have said so yet. */
  let stoppedAt = null as string | null;
  let end = null as EndRecord | null;
  let reported = { violations: -1, divergence: null as string | null };
  const replaced = () => (shown ? index !== next : gen !== latestOpen);

  const progressOf = (state: IndexProgress['state'], error: string | null): IndexProgress => {
    const ix = next as ReplayIndex;
    return { indexed: state === 'complete' ? ix.indexed : visibleOf(ix, validation), events: total, bytesRead, bytes: file.size, state, error };
  };
  /** Tells the page how far it can go, with the violations and divergence within that. */
  const report = (state: IndexProgress['state'], error: string | null): void => {
    const ix = next as ReplayIndex;
    const progress = progressOf(state, error);
    const violations = ix.violations.filter((v) => v.event <= progress.indexed);
    const d = ix.divergence;
    const divergence = d && d.line - 1 <= progress.indexed ? describeDivergence(d) : null;
    const links = violations.map((v) => ({ event: v.event, text: describeViolation(v.violation) }));
    shownUpTo = progress.indexed;
    if (!shown) {
      index = ix;
      sent = new Map();
      shown = true;
      reported = { violations: links.length, divergence };
      scope.postMessage({ type: 'opened', info: { ...infoOf(ix, fileName, progress), violations: links, divergence } });
      return;
    }
    const changed = links.length !== reported.violations || divergence !== reported.divergence;
    reported = { violations: links.length, divergence };
    scope.postMessage(changed ? { type: 'indexing', progress, nodes: ix.nodes, violations: links, divergence } : { type: 'indexing', progress, nodes: ix.nodes });
  };
  const failure = (): string | null => validation.error?.message ?? null;

  try {
    const reader = new RecordingLineReader();
    reading: for await (const batch of blobLines(file, SLICE_BYTES, MAX_LINE_CHARS, LINES_PER_BATCH)) {
      const located: Located<BodyRecord>[] = [];
      for (const text of batch.lines) {
        line++;
        if (line === 1) {
          // The claimed count only sizes arrays, bounded by what the file can hold (no record is under 32 bytes).
          next = new ReplayIndex({ header: reader.header(text), records: [], end: null }, RawNode, { partial: true, expectedEvents: Math.min(total, Math.ceil(file.size / 32)) });
          continue;
        }
        const record = parseLine(text);
        if (record?.kind === 'end') end = record;
        else if (record) located.push({ line, record });
        else {
          // Not a record: the validator names the problem.
          stoppedAt = `line ${line} is not a record`;
          break;
        }
      }
      if (!next) continue;
      if (replaced()) break;
      try {
        next.add(located);
      } catch (e) {
        stoppedAt = `indexing failed near line ${line} (${e instanceof Error ? e.message : String(e)})`;
      }
      bytesRead = batch.bytesRead;
      if (!shown) {
        // Shown once the first batch is indexed and validated (a small file: all of it), so a
        // problem that early keeps the recording already open.
        while (!validation.finished && (validation.lines < line || file.size <= SLICE_BYTES)) await validation.next();
        if (validation.broken) {
          // No second worker here: read and check the whole file in this one, as before.
          validation.stop();
          if (!replaced()) await openWhole(file, fileName, gen);
          return;
        }
        if (validation.error) break;
      }
      if (replaced()) break; // a newer open came while this one waited
      report('indexing', null);
      if (stoppedAt !== null) break reading;
      await yieldToMessages();
    }
    if (!next) throw new RecordingError(null, 'the file is empty');
    // Read to the end (or stopped): the rest is the validator's, reported as it goes.
    while (!validation.finished && !replaced()) {
      await validation.next();
      if (!validation.finished && shown && !replaced()) report('indexing', null);
    }
    if (replaced()) return;
    // A validator error wins (it names the line); else reading here stopped on what the validator passed.
    if (validation.error || stoppedAt !== null) throw new Error(stoppedAt ?? 'invalid');
    next.finish(end);
    report('complete', null);
  } catch (e) {
    // The validator reads the same lines: let it name the problem if it can.
    while (!validation.finished && !replaced()) await validation.next();
    const message = (validation.broken ? null : failure()) ?? (e instanceof RecordingError ? e.message : `could not open the recording (${e instanceof Error ? e.message : String(e)})`);
    if (!shown || !next) {
      if (!replaced()) scope.postMessage({ type: 'open-error', fileName, message });
    } else if (!replaced()) {
      // Found after the recording was shown: it stays, true up to where indexing got.
      report('failed', message);
    }
  } finally {
    validation.stop();
  }
}

function frame(id: number, position: number): void {
  try {
    if (!index) throw new Error('no recording is open');
    if (position > shownUpTo) throw new Error(`event ${position} is not indexed yet (events 0 to ${shownUpTo} are)`);
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
