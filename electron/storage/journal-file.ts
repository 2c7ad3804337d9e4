/**
 * One journal file: its layout on disk, creating it, appending to it, and reading it back with
 * every check its own bytes allow (docs/storage.md, "Journal format").
 *
 * A journal file is preallocated: its size is set, and made durable, before any frame that
 * relies on it is written. The first frame (`start`) states that size, and an `extend` frame
 * states each later one. A crash never makes a file shorter, so a journal shorter than the last
 * size it states was cut by something else, and opening refuses it: that is how losing whole
 * acknowledged records at the end is told apart from a crash. Bytes past the last frame are
 * zeros; anything else there must be a partly written (torn) frame, see classifyTail.
 */
import { constants as fsConstants } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory } from './atomic-file';
import { describeIssues, JOURNAL_VERSION, journalFrameSchema } from './codecs';
import type { JournalMarker, JournalRecord } from './codecs';
import { StorageError } from './errors';
import { classifyTail, encodeFrame, FRAME_HEADER_BYTES, scanFrames } from './journal-frame';

/** Preallocation step. The file is sparse until written, so this costs no disk space. */
export const JOURNAL_ALLOC_BYTES = 1024 * 1024;
/** Room always kept free for one `extend` frame (about 60 bytes), so it fits the old allocation. */
const MARKER_ROOM_BYTES = 256;

/**
 * Where the platform has O_DSYNC (Linux, macOS) the journal is opened for synchronized writes:
 * each write returns once its bytes are on disk, as a write followed by fdatasync would, but in
 * one trip to the thread pool instead of two, on every commit's critical path. Elsewhere
 * (Windows) each group write is followed by an explicit fdatasync.
 */
const SYNCED_WRITES = typeof fsConstants.O_DSYNC === 'number';
const WRITE_FLAGS = fsConstants.O_WRONLY | (SYNCED_WRITES ? fsConstants.O_DSYNC : 0);

function markerFrame(marker: JournalMarker): Buffer {
  return encodeFrame(Buffer.from(JSON.stringify(marker), 'utf8'));
}

function roundUpAlloc(bytes: number): number {
  return Math.ceil(bytes / JOURNAL_ALLOC_BYTES) * JOURNAL_ALLOC_BYTES;
}

/** Where a freshly created journal's start frame ends, and its allocation. */
export interface NewJournal {
  readonly end: number;
  readonly alloc: number;
}

/**
 * Writes a journal holding only its start frame to `<path>.next`, preallocated and fsynced.
 * installJournalFile then renames it into place, so the name only ever refers to a complete
 * start frame and allocation. A leftover `.next` holds no records and is ignored.
 */
export async function prepareJournalFile(path: string, node: number, afterSeq: number): Promise<NewJournal> {
  const alloc = JOURNAL_ALLOC_BYTES;
  const start = markerFrame({ v: JOURNAL_VERSION, type: 'start', node, afterSeq, alloc });
  const handle = await open(`${path}.next`, 'w');
  try {
    await handle.writeFile(start);
    await handle.truncate(alloc);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { end: start.length, alloc };
}

/** Renames the prepared `<path>.next` over `path` (atomically) and makes the rename durable. */
export async function installJournalFile(path: string): Promise<void> {
  await rename(`${path}.next`, path);
  await syncDirectory(dirname(path));
}

export async function createJournalFile(path: string, node: number, afterSeq: number): Promise<NewJournal> {
  const created = await prepareJournalFile(path, node, afterSeq);
  await installJournalFile(path);
  return created;
}

/** Appends frames at the journal's logical end, growing its allocation first when needed. */
export class JournalWriter {
  private constructor(
    private readonly handle: FileHandle,
    private end: number,
    private alloc: number,
  ) {}

  /** Opens an existing journal whose last frame ends at `end` and whose stated allocation is `alloc`. */
  static async open(path: string, end: number, alloc: number): Promise<JournalWriter> {
    return new JournalWriter(await open(path, WRITE_FLAGS), end, alloc);
  }

  /** Bytes of frames in the file (not counting the zeros of the allocation). */
  get bytes(): number {
    return this.end;
  }

  /** Writes `frames` durably: one write (plus, rarely, a resize and fdatasync before it). */
  async append(frames: Buffer): Promise<void> {
    let bytes = frames;
    if (this.end + frames.length + MARKER_ROOM_BYTES > this.alloc) {
      const alloc = roundUpAlloc(this.end + frames.length + 2 * MARKER_ROOM_BYTES);
      // The new size is durable before any frame that states it or lies in it is written.
      await this.handle.truncate(alloc);
      await this.handle.datasync();
      this.alloc = alloc;
      bytes = Buffer.concat([markerFrame({ v: JOURNAL_VERSION, type: 'extend', alloc }), frames]);
    }
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, this.end + written);
      written += bytesWritten;
    }
    if (!SYNCED_WRITES) await this.handle.datasync();
    this.end += bytes.length;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export interface JournalRecordAt {
  readonly offset: number;
  readonly record: JournalRecord;
}

export interface ParsedJournal {
  /** Seq of the last record before this file's first (as the start frame says). */
  readonly afterSeq: number;
  readonly records: readonly JournalRecordAt[];
  /** End of the last good frame. */
  readonly validEnd: number;
  /** The allocation the last marker frame states. */
  readonly alloc: number;
  /** A partly written frame follows validEnd (only the active journal may have one). */
  readonly torn: boolean;
}

/**
 * Reads and checks one journal file. `completeWhenRenamed`: a `.prev` journal, whose writes had
 * all finished, so not even a torn frame is allowed. Throws StorageError naming the file.
 */
export function parseJournal(path: string, bytes: Buffer, node: number, opts: { readonly completeWhenRenamed: boolean }): ParsedJournal {
  const fail = (detail: string): StorageError => new StorageError('corrupt', path, detail, { node });
  if (bytes.length === 0) throw fail('the journal is empty, but every journal begins with a start frame: it was cut to nothing');
  const scan = scanFrames(bytes);
  if (!scan.ok) {
    throw fail(`record at byte ${scan.badOffset} is damaged (${scan.reason}) yet a valid record follows at byte ${scan.nextGoodOffset}; refusing to drop acknowledged writes`);
  }
  let afterSeq: number | null = null;
  let alloc = 0;
  let allocAt = 0;
  const records: JournalRecordAt[] = [];
  for (const frame of scan.frames) {
    const where = `record at byte ${frame.offset}`;
    let raw: unknown;
    try {
      raw = JSON.parse(frame.payload.toString('utf8'));
    } catch {
      throw fail(`${where} is not JSON`);
    }
    const version = typeof raw === 'object' && raw !== null && 'v' in raw ? raw.v : undefined;
    if (version !== JOURNAL_VERSION) {
      const older = version === 1 ? ', written by an older Raft Lab; this build does not convert it (discard the node\'s data to start it empty)' : '';
      throw new StorageError('schema-version', path, `${where} has format version ${String(version)}, this build reads version ${JOURNAL_VERSION} only${older}`, { node });
    }
    const parsed = journalFrameSchema.safeParse(raw);
    if (!parsed.success) throw fail(`${where}: ${describeIssues(parsed.error)}`);
    const value = parsed.data;
    const frameEnd = frame.offset + FRAME_HEADER_BYTES + frame.payload.length;
    if (afterSeq === null) {
      if (value.type !== 'start') throw fail(`the journal does not begin with a start frame (found ${value.type})`);
      if (value.node !== node) throw fail(`the journal belongs to node ${value.node}, opened as node ${node}`);
      afterSeq = value.afterSeq;
      alloc = value.alloc;
      allocAt = frame.offset;
      if (frameEnd > alloc) throw fail(`the start frame says ${alloc} bytes were allocated, less than the frame itself`);
      continue;
    }
    if (frameEnd > alloc) throw fail(`${where} ends at byte ${frameEnd}, past the ${alloc} bytes allocated before it was written`);
    if (value.type === 'start') throw fail(`${where} is a second start frame`);
    if (value.type === 'extend') {
      if (value.alloc <= alloc) throw fail(`${where} extends the allocation to ${value.alloc} bytes, not past ${alloc}`);
      alloc = value.alloc;
      allocAt = frame.offset;
      continue;
    }
    records.push({ offset: frame.offset, record: value });
  }
  if (afterSeq === null) {
    throw fail(`the journal's start frame (byte 0) is damaged: ${bytes.length} bytes and not one intact frame`);
  }
  if (bytes.length < alloc) {
    throw fail(
      `the file is ${bytes.length} bytes but the frame at byte ${allocAt} says ${alloc} bytes were allocated before later writes: it was cut short (a crash never shortens a journal), so acknowledged records may be lost`,
    );
  }
  const tail = classifyTail(bytes, scan.validEnd);
  if (tail.kind === 'damaged') throw fail(`after the last intact record (byte ${scan.validEnd}): ${tail.reason}`);
  if (tail.kind === 'torn' && opts.completeWhenRenamed) {
    throw fail(`damaged bytes after byte ${scan.validEnd} of a journal that was complete when renamed`);
  }
  return { afterSeq, records, validEnd: scan.validEnd, alloc, torn: tail.kind === 'torn' };
}
