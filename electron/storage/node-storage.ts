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
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database } from 'sql.js';
import type { Entry, HardState, NodeId, PersistedState, Snapshot } from '../../shared/raft/types';
import { syncDirectory, writeFileAtomic } from './atomic-file';
import { JOURNAL_VERSION } from './codecs';
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
import { encodeFrame } from './journal-frame';
import { exists, openPaths } from './node-files';
import { createJournalFile, installJournalFile, JournalWriter, parseJournal, prepareJournalFile } from './journal-file';
import type { ParsedJournal } from './journal-file';
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

const DEFAULT_CHECKPOINT_MIN_JOURNAL_BYTES = 1024 * 1024;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

interface Waiter {
  readonly seq: number;
  readonly frame: Buffer;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class NodeStorage {
  private shape: LogShape;
  /** Seq of the last record applied to the in-memory database (durable or pending). */
  private seq: number;
  /** Seq of the last record written to the journal file. */
  private flushedSeq: number;
  private journalBytes: number;
  /** The active journal holds records (beyond its start frame). */
  private journalHasRecords = false;
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
    /** Null only inside open(), until the first in-thread checkpoint installs a journal. */
    private journal: JournalWriter | null,
    readonly nodeId: NodeId,
    readonly databasePath: string,
    readonly journalPath: string,
    private readonly settings: Settings,
    init: { shape: LogShape; seq: number; journalBytes: number; databaseBytes: number },
  ) {
    this.runner = new StatementRunner(db);
    this.shape = init.shape;
    this.seq = init.seq;
    this.flushedSeq = init.seq;
    this.journalBytes = init.journalBytes;
    this.databaseBytes = init.databaseBytes;
  }

  /**
   * Opens (or creates) `node-<id>.sqlite` and `node-<id>.journal` in `dir`, replaying journal
   * records the database does not contain yet. Throws StorageError naming the node and the file
   * when a file is damaged or of an unknown schema version; every file is then left
   * byte-for-byte untouched. The only repairs it makes come after every check passed: dropping a
   * torn journal frame (an append a crash interrupted, so never acknowledged) and finishing an
   * interrupted checkpoint, both by checkpointing into a fresh journal.
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
      throw error instanceof StorageError ? error.forNode(nodeId) : error;
    }
  }

  private static async openUnguarded(dir: string, nodeId: NodeId, databasePath: string, opts: NodeStorageOptions): Promise<NodeStorage> {
    const journalPath = resolve(dir, `node-${nodeId}.journal`);
    const prevPath = `${journalPath}.prev`;
    const nextPath = `${journalPath}.next`;
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
    const nextExists = await exists(nextPath);

    let db: Database;
    const journals: { readonly path: string; readonly parsed: ParsedJournal }[] = [];
    let active: ParsedJournal | null = null;
    if (dbBytes === null) {
      // A new node, or one whose creation a crash interrupted (the journal is created first).
      if (prevBytes !== null) throw new StorageError('corrupt', prevPath, `a journal left by a checkpoint exists but its database ${databasePath} is missing`);
      if (journalBytes !== null && journalBytes.length > 0) {
        const parsed = parseJournal(journalPath, journalBytes, nodeId, { completeWhenRenamed: false });
        if (parsed.records.length > 0) throw new StorageError('corrupt', journalPath, `the journal has data but its database ${databasePath} is missing`);
      }
      db = new SQL.Database();
      configureConnection(db);
      createSchema(db, nodeId);
    } else {
      checkDatabaseFileHeader(databasePath, dbBytes);
      db = new SQL.Database(dbBytes);
      try {
        configureConnection(db);
        checkDatabase(db, nodeId);
        readPersistedState(db, { verify: true }); // checks every row now, so damage is reported at open
      } catch (error) {
        db.close();
        throw asStorageError(error, databasePath);
      }
      try {
        if (prevBytes !== null) journals.push({ path: prevPath, parsed: parseJournal(prevPath, prevBytes, nodeId, { completeWhenRenamed: true }) });
        if (journalBytes !== null) {
          active = parseJournal(journalPath, journalBytes, nodeId, { completeWhenRenamed: false });
          journals.push({ path: journalPath, parsed: active });
        } else if (prevBytes === null || !nextExists) {
          // Only a checkpoint between its two renames leaves no journal, with .prev and .next beside it.
          throw new StorageError('corrupt', journalPath, `the journal is missing, though the database ${databasePath} exists and no checkpoint was interrupted`);
        }
      } catch (error) {
        db.close();
        throw error;
      }
    }

    let replay: Replay;
    const runner = new StatementRunner(db);
    try {
      replay = replayJournals(db, runner, journals);
    } catch (error) {
      runner.clear();
      db.close();
      throw asStorageError(error, journalPath);
    }
    runner.clear();
    // A journal that is exactly a clean start (no records, nothing torn, no .prev) is kept.
    const keep = active !== null && prevBytes === null && active.records.length === 0 && !active.torn ? active : null;

    // Nothing was found wrong: from here on, files may be written.
    let storage: NodeStorage | null = null;
    try {
      let journal: JournalWriter | null = null;
      if (dbBytes === null) {
        const created = await ioStep(journalPath, () => createJournalFile(journalPath, nodeId, 0));
        await ioStep(databasePath, () => writeFileAtomic(databasePath, db.export()));
        configureConnection(db);
        journal = await ioStep(journalPath, () => JournalWriter.open(journalPath, created.end, created.alloc));
      } else if (keep !== null) {
        journal = await ioStep(journalPath, () => JournalWriter.open(journalPath, keep.validEnd, keep.alloc));
        if (nextExists) await ioStep(nextPath, () => rm(nextPath, { force: true }));
      }
      storage = new NodeStorage(db, journal, nodeId, databasePath, journalPath, settings, {
        shape: replay.shape,
        seq: replay.seq,
        journalBytes: journal?.bytes ?? 0,
        databaseBytes: dbBytes?.length ?? 0,
      });
      // Replay folded the journals' records into memory but not into the ops log, which is
      // all a worker checkpoint applies to the file: fold them in here, before the node runs.
      // This also finishes an interrupted checkpoint and leaves a torn frame behind.
      if (journal === null) await storage.run(() => storage?.checkpointInThread() ?? Promise.resolve());
      return storage;
    } catch (error) {
      await storage?.journal?.close().catch(() => undefined);
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
        if (opts.checkpoint !== false && this.journalHasRecords) await this.checkpointInThread();
      });
    } finally {
      await this.journal?.close().catch(() => undefined);
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
    const done = new Promise<void>((resolve, reject) => this.pending.push({ seq: record.seq, frame, resolve, reject }));
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
    const journal = this.journal;
    try {
      if (journal === null) throw new Error('internal: no journal is open');
      await ioStep(this.journalPath, () => journal.append(bytes));
    } catch (error) {
      throw this.fail(error, waiters);
    }
    this.journalBytes = journal.bytes;
    this.journalHasRecords = true;
    this.flushedSeq = waiters.at(-1)?.seq ?? this.flushedSeq;
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
          // The fresh journal starts after the last record the old one holds; records still
          // pending go to the fresh one.
          const created = await prepareJournalFile(this.journalPath, this.nodeId, this.flushedSeq);
          await this.journal?.close();
          this.journal = null;
          await rename(this.journalPath, this.settings.prevPath);
          // Durable before the fresh journal takes the name, or a crash could lose the old one.
          await syncDirectory(dirname(this.journalPath));
          await installJournalFile(this.journalPath);
          this.journal = await JournalWriter.open(this.journalPath, created.end, created.alloc);
          this.journalBytes = created.end;
          this.journalHasRecords = false;
        });
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
      throw this.fail(error, []);
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
   * A checkpoint on this thread, used only where the node is not running yet (at open: folding
   * in replayed records, finishing an interrupted checkpoint, leaving a torn frame behind) or any
   * more (close): prepare a fresh journal as `.next`, export the in-memory database and replace
   * the file, then rename the fresh journal over the old one and delete `.prev`. A crash at any
   * point leaves either the old files or a database that holds every record of the old journals.
   */
  private async checkpointInThread(): Promise<void> {
    await this.flush();
    try {
      const created = await ioStep(this.journalPath, () => prepareJournalFile(this.journalPath, this.nodeId, this.seq));
      const bytes = this.timed(() => {
        this.runner.clear(); // export() reopens the connection, which invalidates statements
        const exported = this.db.export();
        configureConnection(this.db);
        // In the same synchronous step: the statements folded into these bytes, and only those.
        this.opsLog.take();
        return exported;
      });
      await ioStep(this.databasePath, () => writeFileAtomic(this.databasePath, bytes));
      await ioStep(this.journalPath, async () => {
        await this.journal?.close();
        this.journal = null;
        await installJournalFile(this.journalPath);
      });
      await ioStep(this.settings.prevPath, () => rm(this.settings.prevPath, { force: true }));
      this.journal = await ioStep(this.journalPath, () => JournalWriter.open(this.journalPath, created.end, created.alloc));
      this.journalBytes = created.end;
      this.journalHasRecords = false;
      this.flushedSeq = this.seq;
      this.databaseBytes = bytes.length;
      this.checkpoints += 1;
    } catch (error) {
      throw this.fail(error, []);
    }
  }

  /** Records the first failure (later calls are refused with it) and returns it. */
  private fail(error: unknown, waiters: readonly Waiter[]): StorageError {
    const failure =
      error instanceof StorageError ? error.forNode(this.nodeId) : new StorageError('io', this.journalPath, String(error), { cause: error, node: this.nodeId });
    const first = (this.failure ??= failure);
    for (const waiter of [...waiters, ...this.pending]) waiter.reject(first);
    this.pending = [];
    return first;
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
}

/**
 * Replays `.prev` (a checkpoint was interrupted) and then the journal onto the database, in
 * seq order, skipping records the database already holds. Each journal must start at or
 * before the point the database and the journals before it reach, and continue without gaps.
 */
function replayJournals(db: Database, runner: StatementRunner, files: readonly { readonly path: string; readonly parsed: ParsedJournal }[]): Replay {
  const databaseSeq = readJournalSeq(db);
  let shape = readLogShape(db);
  let seq = databaseSeq;
  for (const { path, parsed } of files) {
    if (parsed.afterSeq > seq) {
      throw new StorageError('corrupt', path, `the journal starts after seq ${parsed.afterSeq} but the database and earlier journals end at seq ${seq}: records are missing`);
    }
    let previous = parsed.afterSeq;
    for (const { offset, record } of parsed.records) {
      const where = `record at byte ${offset}`;
      if (record.seq !== previous + 1) throw new StorageError('corrupt', path, `${where} has seq ${record.seq} after seq ${previous}`);
      previous = record.seq;
      if (record.seq <= seq) continue; // already folded in by a checkpoint
      const next = advanceShape(shape, record);
      if (!next.ok) throw new StorageError('corrupt', path, `${where}: ${next.reason}`);
      applyRecord(db, runner, record);
      shape = next.shape;
      seq = record.seq;
    }
  }
  return { shape, seq };
}

/**
 * SQLite's header records the database size in pages (valid when bytes 92-95 match the change
 * counter at 24-27): a file of another length was cut or extended by something else.
 */
function checkDatabaseFileHeader(path: string, bytes: Buffer): void {
  if (bytes.length < 100 || !bytes.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) {
    throw new StorageError('corrupt', path, 'not an SQLite database (bad file header)');
  }
  const rawPageSize = bytes.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = bytes.readUInt32BE(28);
  if (bytes.readUInt32BE(92) === bytes.readUInt32BE(24) && pages > 0 && bytes.length !== pages * pageSize) {
    throw new StorageError('corrupt', path, `the file is ${bytes.length} bytes but its header says ${pages} pages of ${pageSize} bytes: it was cut short or extended`);
  }
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
