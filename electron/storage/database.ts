/**
 * The SQLite side of a node's storage: the schema, folding journal records into it, and
 * reading the persisted state back out with every row validated. Runs on an in-memory sql.js
 * database; node-storage.ts decides when its bytes are written to disk.
 *
 * Tables (schema version 1):
 *   meta(key, value)                 schema_version, node_id, journal_seq (last record folded in)
 *   hard_state(id = 1, term, vote, commit_index)
 *   entries(idx PRIMARY KEY, term, kind, payload)
 *                                    payload: a command's data verbatim, a conf change as JSON, NULL for noop
 *   snapshot(id = 1, idx, term, meta JSON, data)
 *   conf(node PRIMARY KEY, role)     the configuration in effect (snapshot + conf entries)
 */
import type { Database, SqlValue, Statement } from 'sql.js';
import type { ConfState, Entry, HardState, NodeId, PersistedState, Snapshot } from '../../shared/raft/types';
import { confChangeSchema, describeIssues, hardStateSchema, snapshotSchema } from './codecs';
import type { JournalRecord } from './codecs';
// The configuration in effect: the core's own rule for applying a change.
import { applyChange as applyConfChange } from '../../shared/raft/conf';

export const SCHEMA_VERSION = 1;

const SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE hard_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  term INTEGER NOT NULL, vote INTEGER NOT NULL, commit_index INTEGER NOT NULL
);
CREATE TABLE entries (
  idx INTEGER PRIMARY KEY, term INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('noop', 'command', 'conf')),
  payload TEXT
);
CREATE INDEX entries_conf ON entries (idx) WHERE kind = 'conf';
CREATE TABLE snapshot (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  idx INTEGER NOT NULL, term INTEGER NOT NULL, meta TEXT NOT NULL, data TEXT NOT NULL
);
CREATE TABLE conf (node INTEGER PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('voter', 'learner')));
`;

/** A problem found in the database's content; the caller adds the file name. */
export class DatabaseContentError extends Error {
  constructor(
    readonly kind: 'corrupt' | 'schema-version',
    detail: string,
  ) {
    super(detail);
  }
}

/** Settings that are not stored in the file; re-applied whenever sql.js reopens the database. */
export function configureConnection(db: Database): void {
  // The in-memory copy is not the durable one (the journal is), so SQLite's own rollback
  // journal only needs to support ROLLBACK, not crashes.
  db.run('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;');
}

export function createSchema(db: Database, nodeId: NodeId): void {
  db.run('BEGIN');
  db.run(SCHEMA_SQL);
  db.run("INSERT INTO meta (key, value) VALUES ('schema_version', ?), ('node_id', ?), ('journal_seq', '0')", [
    String(SCHEMA_VERSION),
    String(nodeId),
  ]);
  db.run('COMMIT');
}

function metaValue(db: Database, key: string): string | null {
  const rows = db.exec('SELECT value FROM meta WHERE key = ?', [key]);
  const value = rows[0]?.values[0]?.[0];
  return typeof value === 'string' ? value : null;
}

/** Checks the file's integrity, schema version and owner. Throws DatabaseContentError. */
export function checkDatabase(db: Database, nodeId: NodeId): void {
  const check = db.exec('PRAGMA quick_check');
  const verdict = check[0]?.values[0]?.[0];
  if (verdict !== 'ok') throw new DatabaseContentError('corrupt', `SQLite quick_check failed: ${String(verdict)}`);
  const hasMeta = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").length > 0;
  if (!hasMeta) throw new DatabaseContentError('corrupt', 'not a Raft Lab node database (no meta table)');
  const version = metaValue(db, 'schema_version');
  if (version !== String(SCHEMA_VERSION)) {
    throw new DatabaseContentError(
      'schema-version',
      `schema version ${version ?? '(missing)'}, this build reads version ${SCHEMA_VERSION} only`,
    );
  }
  const owner = metaValue(db, 'node_id');
  if (owner !== String(nodeId)) {
    throw new DatabaseContentError('corrupt', `database belongs to node ${owner ?? '(missing)'}, opened as node ${nodeId}`);
  }
  readJournalSeq(db);
}

export function readJournalSeq(db: Database): number {
  const raw = metaValue(db, 'journal_seq');
  const seq = raw === null ? NaN : Number(raw);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new DatabaseContentError('corrupt', `meta.journal_seq is ${String(raw)}`);
  return seq;
}

// ---------------------------------------------------------------------------------------------
// Folding records in

function entryPayload(entry: Entry): string | null {
  switch (entry.kind) {
    case 'noop':
      return null;
    case 'command':
      return entry.data;
    case 'conf':
      return JSON.stringify(entry.change);
  }
}

/**
 * One SQL statement with its parameters, as executed. The statements a record produced are what
 * the checkpoint worker replays onto the database file, so the worker needs no knowledge of
 * records or schema: it runs exactly what the in-memory database ran.
 */
export type SqlOp = readonly [sql: string, params: readonly (number | string | null)[]];

/** Runs statements, reusing prepared ones; cleared whenever sql.js reopens the connection. */
export class StatementRunner {
  private readonly cache = new Map<string, Statement>();
  constructor(private readonly db: Database) {}

  run(op: SqlOp): void {
    const [sql, params] = op;
    let statement = this.cache.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    statement.run([...params]);
  }

  /** Must be called before db.export() or db.close(), which invalidate prepared statements. */
  clear(): void {
    for (const statement of this.cache.values()) statement.free();
    this.cache.clear();
  }
}

/**
 * Applies one journal record in a single transaction, including journal_seq, so a record is
 * either wholly in the database or not at all, and returns the statements it ran (without the
 * transaction control). The caller has validated the record against the log (see LogShape).
 */
export function applyRecord(db: Database, runner: StatementRunner, record: JournalRecord): SqlOp[] {
  const ops: SqlOp[] = [];
  const exec = (sql: string, params: readonly (number | string | null)[] = []): void => {
    const op: SqlOp = [sql, params];
    runner.run(op);
    ops.push(op);
  };
  db.run('BEGIN');
  try {
    if (record.snapshot !== null) {
      const { snapshot } = record;
      exec('INSERT OR REPLACE INTO snapshot (id, idx, term, meta, data) VALUES (1, ?, ?, ?, ?)', [
        snapshot.meta.index,
        snapshot.meta.term,
        JSON.stringify(snapshot.meta),
        snapshot.data,
      ]);
      // A snapshot received from a leader replaces the whole log; a local compaction keeps
      // the entries after it.
      if (record.type === 'ready') exec('DELETE FROM entries');
      else exec('DELETE FROM entries WHERE idx <= ?', [snapshot.meta.index]);
    }
    if (record.type === 'ready' && record.entries.length > 0) {
      const first = record.entries[0];
      if (first !== undefined) exec('DELETE FROM entries WHERE idx >= ?', [first.index]);
      for (const entry of record.entries) {
        exec('INSERT INTO entries (idx, term, kind, payload) VALUES (?, ?, ?, ?)', [entry.index, entry.term, entry.kind, entryPayload(entry)]);
      }
    }
    if (record.type === 'ready' && record.hardState !== null) {
      const { term, vote, commit } = record.hardState;
      exec('INSERT OR REPLACE INTO hard_state (id, term, vote, commit_index) VALUES (1, ?, ?, ?)', [term, vote, commit]);
    }
    if (record.snapshot !== null || (record.type === 'ready' && record.entries.length > 0)) {
      const conf = currentConf(db);
      exec('DELETE FROM conf');
      for (const node of conf.voters) exec("INSERT INTO conf (node, role) VALUES (?, 'voter')", [node]);
      for (const node of conf.learners) exec("INSERT INTO conf (node, role) VALUES (?, 'learner')", [node]);
    }
    exec("UPDATE meta SET value = ? WHERE key = 'journal_seq'", [String(record.seq)]);
    db.run('COMMIT');
    return ops;
  } catch (error) {
    db.run('ROLLBACK');
    throw error;
  }
}

/** The snapshot's configuration with the log's conf entries applied; reads only conf entries (partial index). */
function currentConf(db: Database): ConfState {
  let conf: ConfState = readSnapshot(db)?.meta.conf ?? { voters: [], learners: [] };
  const rows = db.exec("SELECT idx, payload FROM entries WHERE kind = 'conf' ORDER BY idx");
  for (const [idx, payload] of rows[0]?.values ?? []) conf = applyConfChange(conf, decodeConfPayload(idx, payload));
  return conf;
}

// ---------------------------------------------------------------------------------------------
// Reading back

function decodeConfPayload(idx: SqlValue | undefined, payload: SqlValue | undefined) {
  let parsed: unknown;
  try {
    parsed = typeof payload === 'string' ? JSON.parse(payload) : payload;
  } catch {
    throw new DatabaseContentError('corrupt', `entries row idx=${String(idx)}: conf payload is not JSON`);
  }
  const change = confChangeSchema.safeParse(parsed);
  if (!change.success) {
    throw new DatabaseContentError('corrupt', `entries row idx=${String(idx)}: ${describeIssues(change.error)}`);
  }
  return change.data;
}

function readSnapshot(db: Database): Snapshot | null {
  const row = db.exec('SELECT idx, term, meta, data FROM snapshot WHERE id = 1')[0]?.values[0];
  if (row === undefined) return null;
  const [idx, term, metaJson, data] = row;
  let meta: unknown;
  try {
    meta = typeof metaJson === 'string' ? JSON.parse(metaJson) : metaJson;
  } catch {
    throw new DatabaseContentError('corrupt', 'snapshot row: meta is not JSON');
  }
  const snapshot = snapshotSchema.safeParse({ meta, data });
  if (!snapshot.success) throw new DatabaseContentError('corrupt', `snapshot row: ${describeIssues(snapshot.error)}`);
  if (snapshot.data.meta.index !== idx || snapshot.data.meta.term !== term) {
    throw new DatabaseContentError('corrupt', 'snapshot row: idx/term columns disagree with meta');
  }
  return snapshot.data;
}

function readHardState(db: Database): HardState | null {
  const row = db.exec('SELECT term, vote, commit_index FROM hard_state WHERE id = 1')[0]?.values[0];
  if (row === undefined) return null;
  const [term, vote, commit] = row;
  const hardState = hardStateSchema.safeParse({ term, vote, commit });
  if (!hardState.success) throw new DatabaseContentError('corrupt', `hard_state row: ${describeIssues(hardState.error)}`);
  return hardState.data;
}

function decodeEntryRow(row: readonly SqlValue[]): Entry {
  const [idx, term, kind, payload] = row;
  const where = `entries row idx=${String(idx)}`;
  if (typeof idx !== 'number' || !Number.isSafeInteger(idx) || idx < 1) throw new DatabaseContentError('corrupt', `${where}: bad index`);
  if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0) throw new DatabaseContentError('corrupt', `${where}: bad term`);
  switch (kind) {
    case 'noop':
      return { kind, term, index: idx };
    case 'command':
      if (typeof payload !== 'string') throw new DatabaseContentError('corrupt', `${where}: command without text payload`);
      return { kind, term, index: idx, data: payload };
    case 'conf':
      return { kind, term, index: idx, change: decodeConfPayload(idx, payload) };
    default:
      throw new DatabaseContentError('corrupt', `${where}: unknown kind ${String(kind)}`);
  }
}

/** What validation of later records needs to know about the log, without reading it. */
export interface LogShape {
  readonly snapshotIndex: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
}

export function readLogShape(db: Database): LogShape {
  const snapshot = db.exec('SELECT idx, term FROM snapshot WHERE id = 1')[0]?.values[0];
  const snapshotIndex = typeof snapshot?.[0] === 'number' ? snapshot[0] : 0;
  const snapshotTerm = typeof snapshot?.[1] === 'number' ? snapshot[1] : 0;
  const last = db.exec('SELECT idx, term FROM entries ORDER BY idx DESC LIMIT 1')[0]?.values[0];
  const lastIndex = typeof last?.[0] === 'number' ? last[0] : snapshotIndex;
  const lastTerm = typeof last?.[1] === 'number' ? last[1] : snapshotTerm;
  return { snapshotIndex, firstIndex: snapshotIndex + 1, lastIndex, lastTerm };
}

/** The whole persisted state with every row validated, or null if nothing was ever persisted. */
export function readPersistedState(db: Database): PersistedState | null {
  const hardState = readHardState(db);
  const snapshot = readSnapshot(db);
  const entries: Entry[] = [];
  const statement = db.prepare('SELECT idx, term, kind, payload FROM entries ORDER BY idx');
  try {
    while (statement.step()) entries.push(decodeEntryRow(statement.get()));
  } finally {
    statement.free();
  }
  const expectedFirst = (snapshot?.meta.index ?? 0) + 1;
  entries.forEach((entry, i) => {
    if (entry.index !== expectedFirst + i) {
      throw new DatabaseContentError('corrupt', `entries row idx=${entry.index}: expected idx=${expectedFirst + i} (log must be contiguous after the snapshot)`);
    }
  });
  if (hardState === null && snapshot === null && entries.length === 0) return null;
  return { hardState: hardState ?? { term: 0, vote: 0, commit: 0 }, snapshot, entries };
}
