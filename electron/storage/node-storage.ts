/**
 * One node's durable state: an in-memory sql.js database whose bytes live in
 * `node-<id>.sqlite`, plus `node-<id>.journal`, an fsynced append-only log of the changes made
 * since the database file was last written. See docs/storage.md for the crash argument.
 *
 * Cost model: persist() applies its batch to the in-memory database (cost independent of log
 * length: indexed range delete + inserts) and appends one framed record to the journal; all
 * persist() calls waiting at the same moment share one write and one fsync (group commit).
 * A checkpoint starts once the journal has grown past both a fixed threshold and the database's
 * own size (so its cost per appended byte stays constant as the log grows). It renames the
 * journal to `node-<id>.journal.prev`, starts a fresh journal, and hands the statements run
 * since the last checkpoint to a worker thread, which folds them into the database file and
 * replaces it atomically; then the `.prev` file is deleted. Appends continue meanwhile, and the
 * whole-database export never runs on the node's thread while the node runs.
 */
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database } from 'sql.js';
import type { Entry, HardState, NodeId, PersistedState, Snapshot } from '../../shared/raft/types';
import { syncDirectory, writeFileAtomic } from './atomic-file';
import { describeIssues, JOURNAL_VERSION, journalRecordSchema } from './codecs';
import type { JournalRecord } from './codecs';
import { checkWorkerFiles, defaultCheckpointWorkerUrl, defaultSqlJsPath, runCheckpointWorker } from './checkpoint-client';
import {
  applyRecord,
  checkDatabase,
  configureConnection,
  createSchema,
  DatabaseContentError,
  readJournalSeq,
  readLogShape,
  readPersistedState,
  StatementRunner,
} from './database';
import type { LogShape } from './database';
import { StorageError } from './errors';
import { encodeFrame, scanFrames } from './journal-frame';
import { advanceShape } from './log-shape';
import { OpsLog } from './ops-log';
import { defaultWasmPath, loadSqlJs } from './sql-js';

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
  /** Where checkpoint-worker.mjs is (the packaged app ships it outside the sources). */
  readonly checkpointWorkerUrl?: URL;
  /** sql.js's main module, loaded by the checkpoint worker. Defaults to the sql.js package's. */
  readonly sqlJsPath?: string;
  /** open() checks that the worker's files exist, so a misconfigured app fails at start. Default true. */
  readonly checkWorkerFiles?: boolean;
}

export interface StorageStats {
  /** Bytes in the journal file (durable records not yet checkpointed). */
  readonly journalBytes: number;
  /** Size of the database file as of the last checkpoint. */
  readonly databaseBytes: number;
  readonly checkpoints: number;
  /** fsyncs of the journal so far (group commit makes this lower than the number of persist calls). */
  readonly journalSyncs: number;
  /**
   * Longest single synchronous section storage ran on the node's thread (a batch apply, starting
   * the checkpoint worker, an export at open or close), milliseconds.
   */
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

/**
 * Where the platform has O_DSYNC (Linux, macOS) the journal is opened for synchronized appends:
 * each write returns once its bytes are on disk, as a write followed by fdatasync would, but in
 * one trip to the thread pool instead of two, on every commit's critical path. Elsewhere
 * (Windows) each group write is followed by an explicit fdatasync.
 */
const SYNCED_APPENDS = typeof fsConstants.O_DSYNC === 'number';
const JOURNAL_FLAGS = fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | (SYNCED_APPENDS ? fsConstants.O_DSYNC : 0);

export class NodeStorage {
  private shape: LogShape;
  /** Seq of the last record applied to the in-memory database (durable or pending). */
  private seq: number;
  private journalBytes: number;
  private databaseBytes: number;
  private pending: Waiter[] = [];
  /** Statements run since the last checkpoint started: the next checkpoint's input. */
  private opsLog = new OpsLog();
  /** Every journal operation runs on this chain, one at a time. */
  private chain: Promise<void> = Promise.resolve();
  private flushQueued = false;
  /** The checkpoint in progress (at most one), if any. */
  private checkpointRun: Promise<void> | null = null;
  /** Set by the first I/O failure: the in-memory state may be ahead of the disk, so stop. */
  private failure: StorageError | null = null;
  private closed = false;
  private checkpoints = 0;
  private journalSyncs = 0;
  private longestStallMs = 0;
  private readonly runner: StatementRunner;

  private constructor(
    private readonly db: Database,
    private journal: FileHandle,
    readonly databasePath: string,
    readonly journalPath: string,
    private readonly settings: Settings,
    init: { shape: LogShape; seq: number; journalBytes: number; databaseBytes: number },
  ) {
    this.runner = new StatementRunner(db);
    this.shape = init.shape;
    this.seq = init.seq;
    this.journalBytes = init.journalBytes;
    this.databaseBytes = init.databaseBytes;
  }

  /**
   * Opens (or creates) `node-<id>.sqlite` and `node-<id>.journal` in `dir`, replaying journal
   * records the database does not contain yet. Throws StorageError naming the file when a file
   * is corrupt or of an unknown schema version; such files are left byte-for-byte untouched.
   * The only repairs it makes come after every check passed: dropping a torn journal tail (an
   * append a crash interrupted, so never acknowledged) and finishing an interrupted checkpoint.
   */
  static async open(dir: string, nodeId: NodeId, opts: NodeStorageOptions = {}): Promise<NodeStorage> {
    if (!Number.isSafeInteger(nodeId) || nodeId < 1) throw new RangeError(`node id must be a positive integer, got ${nodeId}`);
    const databasePath = resolve(dir, `node-${nodeId}.sqlite`);
    if (openPaths.has(databasePath)) throw new StorageError('in-use', databasePath, 'already open in this process; close it first');
    openPaths.add(databasePath);
    try {
      return await NodeStorage.openUnguarded(dir, nodeId, databasePath, opts);
    } catch (error) {
      openPaths.delete(databasePath);
      throw error;
    }
  }

  private static async openUnguarded(dir: string, nodeId: NodeId, databasePath: string, opts: NodeStorageOptions): Promise<NodeStorage> {
    const journalPath = resolve(dir, `node-${nodeId}.journal`);
    const prevPath = `${journalPath}.prev`;
    const settings: Settings = {
      prevPath,
      wasmPath: opts.wasmPath ?? defaultWasmPath(),
      sqlJsPath: opts.sqlJsPath ?? defaultSqlJsPath(),
      workerUrl: opts.checkpointWorkerUrl ?? defaultCheckpointWorkerUrl(),
      checkpointMinJournalBytes: opts.checkpointMinJournalBytes ?? DEFAULT_CHECKPOINT_MIN_JOURNAL_BYTES,
    };
    if (opts.checkWorkerFiles !== false) await checkWorkerFiles(settings.workerUrl, settings.sqlJsPath);
    await ioStep(dir, () => mkdir(dir, { recursive: true }));
    const SQL = await loadSqlJs(settings.wasmPath);
    const dbBytes = await readIfExists(databasePath);
    const prevBytes = await readIfExists(prevPath);
    const journalBytes = await readIfExists(journalPath);

    let db: Database;
    if (dbBytes === null) {
      for (const [path, bytes] of [[prevPath, prevBytes], [journalPath, journalBytes]] as const) {
        if (bytes !== null && bytes.length > 0) throw new StorageError('corrupt', path, `the journal has data but its database ${databasePath} is missing`);
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

    let replay: Replay;
    const runner = new StatementRunner(db);
    try {
      replay = replayJournals(db, runner, [
        { path: prevPath, bytes: prevBytes ?? Buffer.alloc(0), tornTailAllowed: false },
        { path: journalPath, bytes: journalBytes ?? Buffer.alloc(0), tornTailAllowed: true },
      ]);
    } catch (error) {
      runner.clear();
      db.close();
      throw asStorageError(error, journalPath);
    }
    runner.clear();

    // Nothing was found wrong: from here on, files may be written.
    let journal: FileHandle | null = null;
    try {
      if (dbBytes === null) await ioStep(databasePath, () => writeFileAtomic(databasePath, db.export()));
      configureConnection(db);
      journal = await ioStep(journalPath, () => open(journalPath, JOURNAL_FLAGS));
      if (journalBytes === null) await ioStep(dir, () => syncDirectory(dir));
      const activeEnd = replay.validEnd.get(journalPath) ?? 0;
      if (journalBytes !== null && activeEnd < journalBytes.length) {
        const handle = journal;
        await ioStep(journalPath, async () => {
          await handle.truncate(activeEnd);
          await handle.datasync();
        });
      }
      const storage = new NodeStorage(db, journal, databasePath, journalPath, settings, {
        shape: replay.shape,
        seq: replay.seq,
        journalBytes: activeEnd,
        databaseBytes: dbBytes?.length ?? 0,
      });
      // A checkpoint was interrupted: finish it here, before the node runs, so that the next
      // checkpoint can use the .prev name again. Likewise when the journal held records: replay
      // folded them into memory but not into the ops log, so a later checkpoint (which applies
      // only the ops log to the file, then drops the journal) would lose them.
      if (prevBytes !== null || activeEnd > 0) await storage.run(() => storage.checkpointInThread());
      return storage;
    } catch (error) {
      await journal?.close().catch(() => undefined);
      db.close();
      throw error;
    }
  }

  /** The persisted state (including writes whose persist() has not resolved yet), or null for a brand-new node. */
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
   * The export is built by the checkpoint worker, off the node's thread.
   */
  exportDatabase(path: string): Promise<void> {
    return this.checkpointWhenFree(resolve(path));
  }

  /** Folds the journal into the database file now (normally automatic). Resolves when done. */
  checkpoint(): Promise<void> {
    return this.checkpointWhenFree(null);
  }

  /** Resolves once every write submitted so far is durable and no checkpoint is running. */
  async idle(): Promise<void> {
    await this.barrier();
    await this.checkpointSettled();
    if (this.failure !== null) throw this.failure;
  }

  /** Starts a checkpoint as soon as none runs; other callers may be waiting too, hence the loop. */
  private async checkpointWhenFree(copyTo: string | null): Promise<void> {
    for (;;) {
      this.assertUsable();
      if (this.checkpointRun === null) return this.startCheckpoint(copyTo);
      await this.checkpointRun.catch(() => undefined);
    }
  }

  /** Waits until no checkpoint runs (one finishing may start the next, hence the loop). */
  private async checkpointSettled(): Promise<void> {
    while (this.checkpointRun !== null) await this.checkpointRun.catch(() => undefined);
  }

  /** Counters; `resetLongestStall` starts a new measuring window for `longestStallMs`. */
  stats(opts: { readonly resetLongestStall?: boolean } = {}): StorageStats {
    const stats: StorageStats = {
      journalBytes: this.journalBytes,
      databaseBytes: this.databaseBytes,
      checkpoints: this.checkpoints,
      journalSyncs: this.journalSyncs,
      longestStallMs: this.longestStallMs,
    };
    if (opts.resetLongestStall === true) this.longestStallMs = 0;
    return stats;
  }

  /**
   * Waits for pending writes and any running checkpoint, checkpoints (unless
   * `checkpoint: false`, which leaves the journal for the next open to replay, as after a
   * crash), and releases the files. Later calls are refused.
   */
  async close(opts: { readonly checkpoint?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.checkpointSettled();
      await this.run(async () => {
        await this.flush();
        if (opts.checkpoint !== false && this.journalBytes > 0) await this.checkpointInThread();
      });
    } finally {
      await this.journal.close().catch(() => undefined);
      this.runner.clear();
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
      frame = this.timed(() => {
        const encoded = encodeFrame(Buffer.from(JSON.stringify(record), 'utf8'));
        this.opsLog.append(applyRecord(this.db, this.runner, record)); // all-or-nothing (one transaction)
        return encoded;
      });
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
        if (!SYNCED_APPENDS) await this.journal.datasync();
      });
    } catch (error) {
      this.fail(error, waiters);
      throw error;
    }
    this.journalBytes += bytes.length;
    this.journalSyncs += 1;
    for (const waiter of waiters) waiter.resolve();
    this.maybeStartCheckpoint();
  }

  /** Starts a checkpoint when the journal has outgrown max(threshold, database size) and none runs. */
  private maybeStartCheckpoint(): void {
    if (this.checkpointRun !== null || this.closed || this.failure !== null) return;
    if (this.journalBytes <= Math.max(this.settings.checkpointMinJournalBytes, this.databaseBytes)) return;
    void this.startCheckpoint(null).catch(() => undefined); // a failure is recorded in this.failure
  }

  /**
   * Starts a checkpoint in the worker and returns its completion. On the chain (so between two
   * flushes): the journal becomes `.prev` and a fresh journal takes its place. Off the chain:
   * the worker folds the statements since the last checkpoint into the database file, then
   * `.prev` is deleted. Appends go on meanwhile into the fresh journal.
   */
  private startCheckpoint(copyTo: string | null): Promise<void> {
    // One at a time: a second would rename the journal over the first one's .prev.
    if (this.checkpointRun !== null) throw new Error('internal: a checkpoint is already running');
    const run = (async () => {
      let slabs: ReturnType<OpsLog['take']> = [];
      await this.run(async () => {
        await this.flush();
        await ioStep(this.journalPath, async () => {
          await this.journal.close();
          await rename(this.journalPath, this.settings.prevPath);
          this.journal = await open(this.journalPath, JOURNAL_FLAGS);
          await syncDirectory(dirname(this.journalPath));
        });
        this.journalBytes = 0;
        slabs = this.opsLog.take();
      });
      const bytes = await ioStep(this.databasePath, () =>
        this.timed(() => runCheckpointWorker({
          workerUrl: this.settings.workerUrl,
          sqlJsPath: this.settings.sqlJsPath,
          wasmPath: this.settings.wasmPath,
          databasePath: this.databasePath,
          copyTo,
          slabs,
        })),
      );
      await ioStep(this.settings.prevPath, async () => {
        await rm(this.settings.prevPath);
        await syncDirectory(dirname(this.journalPath));
      });
      this.databaseBytes = bytes;
      this.checkpoints += 1;
    })();
    const tracked = run.catch((error: unknown) => {
      this.fail(error, []);
      throw error;
    });
    this.checkpointRun = tracked;
    const clear = (): void => {
      if (this.checkpointRun !== tracked) return;
      this.checkpointRun = null;
      // Appends went on during the checkpoint; they may have filled the journal again.
      this.maybeStartCheckpoint();
    };
    tracked.then(clear, clear);
    return tracked;
  }

  /**
   * A checkpoint on this thread, used only where the node is not running yet (finishing an
   * interrupted checkpoint at open) or any more (close): export the in-memory database, replace
   * the file, then delete `.prev` and empty the journal, whose records the file now holds.
   */
  private async checkpointInThread(): Promise<void> {
    await this.flush();
    const bytes = this.timed(() => {
      this.runner.clear(); // export() reopens the connection, which invalidates statements
      const exported = this.db.export();
      configureConnection(this.db);
      // In the same synchronous step: the statements folded into these bytes, and only those.
      this.opsLog.take();
      return exported;
    });
    try {
      await ioStep(this.databasePath, () => writeFileAtomic(this.databasePath, bytes));
      await ioStep(this.settings.prevPath, () => rm(this.settings.prevPath, { force: true }));
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

interface Settings {
  readonly prevPath: string;
  readonly wasmPath: string;
  readonly sqlJsPath: string;
  readonly workerUrl: URL;
  readonly checkpointMinJournalBytes: number;
}

interface Replay {
  readonly shape: LogShape;
  readonly seq: number;
  /** Per journal file, where its good records end. */
  readonly validEnd: ReadonlyMap<string, number>;
}

/**
 * Replays `.prev` (a checkpoint was interrupted) and then the journal onto the database, in
 * seq order, skipping records the database already holds. Only the active journal may end in
 * a torn tail: `.prev` was complete when it was renamed.
 */
function replayJournals(
  db: Database,
  runner: StatementRunner,
  files: readonly { readonly path: string; readonly bytes: Buffer; readonly tornTailAllowed: boolean }[],
): Replay {
  const databaseSeq = readJournalSeq(db);
  let shape = readLogShape(db);
  let seq = databaseSeq;
  let previous: number | null = null;
  const validEnd = new Map<string, number>();
  for (const file of files) {
    const scan = scanFrames(file.bytes);
    if (!scan.ok) {
      throw new StorageError(
        'corrupt',
        file.path,
        `record at byte ${scan.badOffset} is damaged (${scan.reason}) yet a valid record follows at byte ${scan.nextGoodOffset}; refusing to drop acknowledged writes`,
      );
    }
    if (!file.tornTailAllowed && scan.validEnd < file.bytes.length) {
      throw new StorageError('corrupt', file.path, `damaged bytes after byte ${scan.validEnd} of a journal that was complete when renamed`);
    }
    validEnd.set(file.path, scan.validEnd);
    for (const frame of scan.frames) {
      const where = `record at byte ${frame.offset}`;
      let raw: unknown;
      try {
        raw = JSON.parse(frame.payload.toString('utf8'));
      } catch {
        throw new StorageError('corrupt', file.path, `${where} is not JSON`);
      }
      const version = typeof raw === 'object' && raw !== null && 'v' in raw ? raw.v : undefined;
      if (version !== JOURNAL_VERSION) {
        throw new StorageError('schema-version', file.path, `${where} has format version ${String(version)}, this build reads version ${JOURNAL_VERSION} only`);
      }
      const parsed = journalRecordSchema.safeParse(raw);
      if (!parsed.success) throw new StorageError('corrupt', file.path, `${where}: ${describeIssues(parsed.error)}`);
      const record = parsed.data;
      if (previous !== null && record.seq !== previous + 1) {
        throw new StorageError('corrupt', file.path, `${where} has seq ${record.seq} after seq ${previous}`);
      }
      previous = record.seq;
      if (record.seq <= databaseSeq) continue; // already folded in by a checkpoint
      if (record.seq !== seq + 1) {
        throw new StorageError('corrupt', file.path, `${where} has seq ${record.seq} but the database ends at seq ${seq}: records are missing`);
      }
      const next = advanceShape(shape, record);
      if (!next.ok) throw new StorageError('corrupt', file.path, `${where}: ${next.reason}`);
      applyRecord(db, runner, record);
      shape = next.shape;
      seq = record.seq;
    }
  }
  return { shape, seq, validEnd };
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
