/**
 * One node's durable state: an in-memory sql.js database whose bytes live in
 * `node-<id>.sqlite`, plus `node-<id>.journal`, an fsynced append-only log of the changes made
 * since the database file was last written. See docs/storage.md for the crash argument.
 *
 * Cost model: persist() applies its batch to the in-memory database (cost independent of log
 * length: indexed range delete + inserts) and appends one framed record to the journal; all
 * persist() calls waiting at the same moment share one write and one fsync (group commit).
 * A checkpoint (whole-database export, atomic file replacement, journal truncation) runs only
 * once the journal has grown past both a fixed threshold and the database's own size, so its
 * cost amortised per appended byte stays constant as the log grows; it runs after the
 * triggering persist() has resolved, never inside it.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database } from 'sql.js';
import type { Entry, HardState, NodeId, PersistedState, Snapshot } from '../../shared/raft/types';
import { syncDirectory, writeFileAtomic } from './atomic-file';
import { describeIssues, JOURNAL_VERSION, journalRecordSchema } from './codecs';
import type { JournalRecord } from './codecs';
import {
  applyRecord,
  checkDatabase,
  configureConnection,
  createSchema,
  DatabaseContentError,
  readJournalSeq,
  readLogShape,
  readPersistedState,
} from './database';
import type { LogShape } from './database';
import { StorageError } from './errors';
import { encodeFrame, scanFrames } from './journal-frame';
import { advanceShape } from './log-shape';
import { loadSqlJs } from './sql-js';

/** What one Raft Ready asks the host to make durable (see Ready in shared/raft/types.ts). */
export interface PersistBatch {
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
}

export interface NodeStorageOptions {
  /** Absolute path of sql.js's `sql-wasm.wasm`. Defaults to the copy in the sql.js package. */
  readonly wasmPath?: string;
  /** Checkpoint once the journal exceeds this many bytes AND the database file's size. Default 1 MiB. */
  readonly checkpointMinJournalBytes?: number;
}

export interface StorageStats {
  /** Bytes in the journal file (durable records not yet checkpointed). */
  readonly journalBytes: number;
  /** Size of the database file as of the last checkpoint. */
  readonly databaseBytes: number;
  readonly checkpoints: number;
  /** fsyncs of the journal so far (group commit makes this lower than the number of persist calls). */
  readonly journalSyncs: number;
  /** Longest single synchronous section (batch apply or checkpoint export), milliseconds. */
  readonly longestStallMs: number;
}

/**
 * Database paths open in this isolate. Across processes the lab's supervisor runs at most one
 * process per node; a pid lock file would misfire for nodes hosted as worker threads (one pid).
 */
const openPaths = new Set<string>();

const DEFAULT_CHECKPOINT_MIN_JOURNAL_BYTES = 1024 * 1024;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

interface Waiter {
  readonly frame: Buffer;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class NodeStorage {
  private shape: LogShape;
  /** Seq of the last record applied to the in-memory database (durable or pending). */
  private seq: number;
  private journalBytes: number;
  private databaseBytes: number;
  private pending: Waiter[] = [];
  /** Every file operation runs on this chain, one at a time. */
  private chain: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private checkpointQueued = false;
  /** Set by the first I/O failure: the in-memory state may be ahead of the disk, so stop. */
  private failure: StorageError | null = null;
  private closed = false;
  private checkpoints = 0;
  private journalSyncs = 0;
  private longestStallMs = 0;

  private constructor(
    private readonly db: Database,
    private journal: FileHandle,
    readonly databasePath: string,
    readonly journalPath: string,
    private readonly checkpointMinJournalBytes: number,
    init: { shape: LogShape; seq: number; journalBytes: number; databaseBytes: number },
  ) {
    this.shape = init.shape;
    this.seq = init.seq;
    this.journalBytes = init.journalBytes;
    this.databaseBytes = init.databaseBytes;
  }

  /**
   * Opens (or creates) `node-<id>.sqlite` and `node-<id>.journal` in `dir`, replaying journal
   * records the database does not contain yet. Throws StorageError naming the file when a file
   * is corrupt or of an unknown schema version; such files are left byte-for-byte untouched.
   * The only repair it makes is dropping a torn journal tail (an append a crash interrupted,
   * which was therefore never acknowledged).
   */
  static async open(dir: string, nodeId: NodeId, opts: NodeStorageOptions = {}): Promise<NodeStorage> {
    if (!Number.isSafeInteger(nodeId) || nodeId < 1) throw new RangeError(`node id must be a positive integer, got ${nodeId}`);
    const databasePath = resolve(dir, `node-${nodeId}.sqlite`);
    const journalPath = resolve(dir, `node-${nodeId}.journal`);
    if (openPaths.has(databasePath)) throw new StorageError('in-use', databasePath, 'already open in this process; close it first');
    openPaths.add(databasePath);
    try {
      return await NodeStorage.openUnguarded(dir, nodeId, databasePath, journalPath, opts);
    } catch (error) {
      openPaths.delete(databasePath);
      throw error;
    }
  }

  private static async openUnguarded(
    dir: string,
    nodeId: NodeId,
    databasePath: string,
    journalPath: string,
    opts: NodeStorageOptions,
  ): Promise<NodeStorage> {
    await ioStep(dir, () => mkdir(dir, { recursive: true }));
    const SQL = await loadSqlJs(opts.wasmPath);
    const dbBytes = await readIfExists(databasePath);
    const journalBytes = await readIfExists(journalPath);

    let db: Database;
    if (dbBytes === null) {
      if (journalBytes !== null && journalBytes.length > 0) {
        throw new StorageError('corrupt', journalPath, `the journal has data but its database ${databasePath} is missing`);
      }
      db = new SQL.Database();
      configureConnection(db);
      createSchema(db, nodeId);
    } else {
      if (dbBytes.length < SQLITE_HEADER.length || !dbBytes.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) {
        throw new StorageError('corrupt', databasePath, 'not an SQLite database (bad file header)');
      }
      db = new SQL.Database(dbBytes);
      try {
        configureConnection(db);
        checkDatabase(db, nodeId);
        readPersistedState(db); // validates every row now, so a bad row is reported at open
      } catch (error) {
        db.close();
        throw asStorageError(error, databasePath);
      }
    }

    let replay: { shape: LogShape; seq: number; validEnd: number };
    try {
      replay = replayJournal(db, journalBytes ?? Buffer.alloc(0), journalPath);
    } catch (error) {
      db.close();
      throw asStorageError(error, journalPath);
    }

    // Nothing was found wrong: from here on, files may be written.
    try {
      if (dbBytes === null) await ioStep(databasePath, () => writeFileAtomic(databasePath, db.export()));
      configureConnection(db);
      const journal = await ioStep(journalPath, () => open(journalPath, 'a'));
      if (journalBytes === null) await ioStep(dir, () => syncDirectory(dir));
      if (journalBytes !== null && replay.validEnd < journalBytes.length) {
        await ioStep(journalPath, async () => {
          await journal.truncate(replay.validEnd);
          await journal.datasync();
        });
      }
      return new NodeStorage(db, journal, databasePath, journalPath, opts.checkpointMinJournalBytes ?? DEFAULT_CHECKPOINT_MIN_JOURNAL_BYTES, {
        shape: replay.shape,
        seq: replay.seq,
        journalBytes: replay.validEnd,
        databaseBytes: dbBytes?.length ?? 0,
      });
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** The persisted state, or null for a brand-new node that never persisted anything. */
  load(): PersistedState | null {
    this.assertUsable();
    return readPersistedState(this.db);
  }

  /**
   * One durable write for a whole Ready: snapshot, then entries (truncating the stored log at
   * entries[0].index), then hardState. Resolves once fsynced; calls waiting together share one
   * fsync. Rejects at once, writing nothing, if the batch would leave a hole in the log.
   */
  persist(batch: PersistBatch): Promise<void> {
    if (batch.hardState === null && batch.entries.length === 0 && batch.snapshot === null) return this.barrier();
    return this.submit({
      v: JOURNAL_VERSION,
      type: 'ready',
      seq: this.seq + 1,
      snapshot: batch.snapshot,
      entries: batch.entries,
      hardState: batch.hardState,
    });
  }

  /**
   * Host-driven log compaction after a state-machine snapshot: stores `snapshot` and drops the
   * entries up to its index, keeping later ones. Durable when resolved.
   */
  compact(snapshot: Snapshot): Promise<void> {
    return this.submit({ v: JOURNAL_VERSION, type: 'compact', seq: this.seq + 1, snapshot });
  }

  /**
   * Writes a complete, valid SQLite database with everything persisted so far to `path`,
   * atomically (temporary file, fsync, rename). Readable by the sqlite3 command-line tool.
   */
  exportDatabase(path: string): Promise<void> {
    return this.run(async () => {
      await this.flush();
      const bytes = this.exportBytes();
      await ioStep(path, () => writeFileAtomic(path, bytes));
    });
  }

  /** Folds the journal into the database file now (normally automatic). */
  checkpoint(): Promise<void> {
    return this.run(() => this.checkpointNow());
  }

  stats(): StorageStats {
    return {
      journalBytes: this.journalBytes,
      databaseBytes: this.databaseBytes,
      checkpoints: this.checkpoints,
      journalSyncs: this.journalSyncs,
      longestStallMs: this.longestStallMs,
    };
  }

  /**
   * Waits for pending writes, checkpoints (unless `checkpoint: false`, which leaves the journal
   * for the next open to replay, as after a crash), and releases the files. Later calls are refused.
   */
  async close(opts: { readonly checkpoint?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.run(async () => {
        await this.flush();
        if (opts.checkpoint !== false && this.journalBytes > 0) await this.checkpointNow();
      });
    } finally {
      await this.journal.close().catch(() => undefined);
      this.db.close();
      openPaths.delete(this.databasePath);
    }
  }

  // -------------------------------------------------------------------------------------------

  private assertUsable(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new Error(`storage for ${this.databasePath} is closed`);
  }

  private submit(record: JournalRecord): Promise<void> {
    try {
      this.assertUsable();
    } catch (error) {
      return Promise.reject(error);
    }
    const next = advanceShape(this.shape, record);
    if (!next.ok) return Promise.reject(new RangeError(`refused to persist to ${this.databasePath}: ${next.reason}`));
    let frame: Buffer;
    try {
      frame = encodeFrame(Buffer.from(JSON.stringify(record), 'utf8'));
      this.timed(() => applyRecord(this.db, record)); // all-or-nothing (one transaction)
    } catch (error) {
      return Promise.reject(error);
    }
    this.seq = record.seq;
    this.shape = next.shape;
    const done = new Promise<void>((resolve, reject) => this.pending.push({ frame, resolve, reject }));
    if (!this.flushQueued) {
      this.flushQueued = true;
      void this.run(() => this.flush()).catch(() => undefined); // waiters get the error
    }
    return done;
  }

  /** Resolves once everything submitted before it is durable. */
  private barrier(): Promise<void> {
    try {
      this.assertUsable();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.run(() => this.flush());
  }

  private run(step: () => Promise<void>): Promise<void> {
    const result = this.chain.then(() => {
      if (this.failure !== null) throw this.failure;
      return step();
    });
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Writes every pending frame with one write and one fsync (group commit). */
  private async flush(): Promise<void> {
    this.flushQueued = false;
    const waiters = this.pending;
    if (waiters.length === 0) return;
    this.pending = [];
    const bytes = Buffer.concat(waiters.map((w) => w.frame));
    try {
      await ioStep(this.journalPath, async () => {
        let written = 0;
        while (written < bytes.length) {
          const { bytesWritten } = await this.journal.write(bytes, written, bytes.length - written);
          written += bytesWritten;
        }
        await this.journal.datasync();
      });
    } catch (error) {
      this.fail(error, waiters);
      throw error;
    }
    this.journalBytes += bytes.length;
    this.journalSyncs += 1;
    for (const waiter of waiters) waiter.resolve();
    this.maybeScheduleCheckpoint();
  }

  private maybeScheduleCheckpoint(): void {
    if (this.checkpointQueued || this.journalBytes <= Math.max(this.checkpointMinJournalBytes, this.databaseBytes)) return;
    this.checkpointQueued = true;
    // After the current persist() callers have run (they send messages), not before.
    setImmediate(() => {
      if (this.closed || this.failure !== null) return;
      void this.run(() => this.checkpointNow()).catch(() => undefined); // recorded in this.failure
    });
  }

  /**
   * Export, replace the database file atomically, then empty the journal. Records submitted
   * while this runs are in the export (their seq is at most the exported journal_seq) and
   * reach the journal after the truncation, where replay skips them; so a crash at any point
   * here loses nothing and double-applies nothing.
   */
  private async checkpointNow(): Promise<void> {
    this.checkpointQueued = false;
    await this.flush();
    const bytes = this.exportBytes();
    try {
      await ioStep(this.databasePath, () => writeFileAtomic(this.databasePath, bytes));
      await ioStep(this.journalPath, async () => {
        await this.journal.truncate(0);
        await this.journal.datasync();
      });
    } catch (error) {
      this.fail(error, []);
      throw error;
    }
    this.journalBytes = 0;
    this.databaseBytes = bytes.length;
    this.checkpoints += 1;
  }

  private exportBytes(): Uint8Array {
    return this.timed(() => {
      const bytes = this.db.export();
      configureConnection(this.db); // export() reopens the connection, dropping its settings
      return bytes;
    });
  }

  private fail(error: unknown, waiters: readonly Waiter[]): void {
    const failure = error instanceof StorageError ? error : new StorageError('io', this.journalPath, String(error), { cause: error });
    this.failure ??= failure;
    for (const waiter of [...waiters, ...this.pending]) waiter.reject(failure);
    this.pending = [];
  }

  private timed<T>(section: () => T): T {
    const start = performance.now();
    try {
      return section();
    } finally {
      this.longestStallMs = Math.max(this.longestStallMs, performance.now() - start);
    }
  }
}

// ---------------------------------------------------------------------------------------------

function replayJournal(db: Database, bytes: Buffer, journalPath: string): { shape: LogShape; seq: number; validEnd: number } {
  const scan = scanFrames(bytes);
  if (!scan.ok) {
    throw new StorageError(
      'corrupt',
      journalPath,
      `record at byte ${scan.badOffset} is damaged (${scan.reason}) yet a valid record follows at byte ${scan.nextGoodOffset}; refusing to drop acknowledged writes`,
    );
  }
  const databaseSeq = readJournalSeq(db);
  let shape = readLogShape(db);
  let seq = databaseSeq;
  let previous: number | null = null;
  for (const frame of scan.frames) {
    const where = `record at byte ${frame.offset}`;
    let raw: unknown;
    try {
      raw = JSON.parse(frame.payload.toString('utf8'));
    } catch {
      throw new StorageError('corrupt', journalPath, `${where} is not JSON`);
    }
    const version = typeof raw === 'object' && raw !== null && 'v' in raw ? raw.v : undefined;
    if (version !== JOURNAL_VERSION) {
      throw new StorageError('schema-version', journalPath, `${where} has format version ${String(version)}, this build reads version ${JOURNAL_VERSION} only`);
    }
    const parsed = journalRecordSchema.safeParse(raw);
    if (!parsed.success) throw new StorageError('corrupt', journalPath, `${where}: ${describeIssues(parsed.error)}`);
    const record = parsed.data;
    if (previous !== null && record.seq !== previous + 1) {
      throw new StorageError('corrupt', journalPath, `${where} has seq ${record.seq} after seq ${previous}`);
    }
    previous = record.seq;
    if (record.seq <= databaseSeq) continue; // already folded in by a checkpoint
    if (record.seq !== seq + 1) {
      throw new StorageError('corrupt', journalPath, `${where} has seq ${record.seq} but the database ends at seq ${seq}: records are missing`);
    }
    const next = advanceShape(shape, record);
    if (!next.ok) throw new StorageError('corrupt', journalPath, `${where}: ${next.reason}`);
    applyRecord(db, record);
    shape = next.shape;
    seq = record.seq;
  }
  return { shape, seq, validEnd: scan.validEnd };
}

async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return null;
    throw new StorageError('io', path, `cannot read: ${String(error)}`, { cause: error });
  }
}

async function ioStep<T>(file: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw new StorageError('io', file, String(error), { cause: error });
  }
}

function asStorageError(error: unknown, file: string): Error {
  if (error instanceof StorageError) return error;
  if (error instanceof DatabaseContentError) return new StorageError(error.kind, file, error.message);
  // sql.js reports damaged pages as plain Errors ("database disk image is malformed", ...).
  return new StorageError('corrupt', file, error instanceof Error ? error.message : String(error), { cause: error });
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
