/**
 * The SQLite side of a node's storage: the schema, folding journal records into it, and
 * reading the persisted state back out with every row validated. Runs on an in-memory sql.js
 * database; node-storage.ts decides when its bytes are written to disk.
 *
 * Tables (schema version 2; `crc` is the row's CRC32, see row-checksum.ts):
 *   meta(key, value, crc)            schema_version, node_id, journal_seq (last record folded in),
 *                                    last_index (the log's last index, or the snapshot's)
 *   hard_state(id = 1, term, vote, commit_index, crc)   always one row (zeros for a new node)
 *   entries(idx PRIMARY KEY, term, kind, payload, crc)
 *                                    payload: a command's data verbatim, a conf change as JSON, NULL for noop
 *   snapshot(id = 1, idx, term, meta JSON, data, crc)
 *   conf(node PRIMARY KEY, role)     the configuration in effect (snapshot + conf entries),
 *                                    checked at open against the one the rows imply
 */
import type { Database, SqlValue, Statement } from 'sql.js';
import type { ConfState, Entry, HardState, NodeId, PersistedState, Snapshot } from '../../shared/raft/types';
import { confChangeSchema, describeIssues, hardStateSchema, snapshotSchema } from './codecs';
import type { JournalRecord } from './codecs';
// The configuration in effect: the core's own rule for applying a change.
import { applyChange as applyConfChange } from '../../shared/raft/conf';
import { entryCrc, hardStateCrc, metaCrc, snapshotCrc } from './row-checksum';

export const SCHEMA_VERSION = 2;

const SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL, crc INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE hard_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  term INTEGER NOT NULL, vote INTEGER NOT NULL, commit_index INTEGER NOT NULL, crc INTEGER NOT NULL
);
CREATE TABLE entries (
  idx INTEGER PRIMARY KEY, term INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('noop', 'command', 'conf')),
  payload TEXT, crc INTEGER NOT NULL
);
CREATE INDEX entries_conf ON entries (idx) WHERE kind = 'conf';
CREATE TABLE snapshot (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  idx INTEGER NOT NULL, term INTEGER NOT NULL, meta TEXT NOT NULL, data TEXT NOT NULL, crc INTEGER NOT NULL
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
  const meta = (key: string, value: string): [string, string, number] => [key, value, metaCrc(key, value)];
  db.run('BEGIN');
  db.run(SCHEMA_SQL);
  db.run('INSERT INTO meta (key, value, crc) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)', [
    ...meta('schema_version', String(SCHEMA_VERSION)),
    ...meta('node_id', String(nodeId)),
    ...meta('journal_seq', '0'),
    ...meta('last_index', '0'),
  ]);
  db.run('INSERT INTO hard_state (id, term, vote, commit_index, crc) VALUES (1, 0, 0, 0, ?)', [hardStateCrc(0, 0, 0)]);
  db.run('COMMIT');
}

/** A meta value with its checksum verified; null when the row is absent. */
function metaValue(db: Database, key: string): string | null {
  const row = db.exec('SELECT value, crc FROM meta WHERE key = ?', [key])[0]?.values[0];
  if (row === undefined) return null;
  const [value, crc] = row;
  if (typeof value !== 'string' || crc !== metaCrc(key, value)) {
    throw new DatabaseContentError('corrupt', `meta row ${key}: checksum mismatch (value ${JSON.stringify(value)})`);
  }
  return value;
}

function metaCount(db: Database, key: string): number {
  const raw = metaValue(db, key);
  const value = raw === null ? NaN : Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new DatabaseContentError('corrupt', `meta.${key} is ${String(raw)}`);
  return value;
}

/** Checks the file's integrity, schema version and owner. Throws DatabaseContentError. */
export function checkDatabase(db: Database, nodeId: NodeId): void {
  const lines = (db.exec('PRAGMA quick_check(4)')[0]?.values ?? []).map((row) => String(row[0]));
  if (lines.length !== 1 || lines[0] !== 'ok') {
    throw new DatabaseContentError('corrupt', `SQLite quick_check failed: ${lines.join('; ').replace(/\s+/g, ' ')}`);
  }
  const hasMeta = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").length > 0;
  if (!hasMeta) throw new DatabaseContentError('corrupt', 'not a Raft Lab node database (no meta table)');
  // Read without the checksum first: an older schema has no crc column.
  const rawVersion = db.exec("SELECT value FROM meta WHERE key = 'schema_version'")[0]?.values[0]?.[0];
  const version = typeof rawVersion === 'string' ? rawVersion : null;
  if (version === '1') {
    throw new DatabaseContentError(
      'schema-version',
      `schema version 1, written by an older Raft Lab without row checksums; this build reads version ${SCHEMA_VERSION} only and does not convert it. Discard this node's data (it rejoins and catches up from the leader) or open the folder with the older build`,
    );
  }
  if (version !== String(SCHEMA_VERSION)) {
    throw new DatabaseContentError(
      'schema-version',
      `schema version ${version ?? '(missing)'}, this build reads version ${SCHEMA_VERSION} only`,
    );
  }
  metaValue(db, 'schema_version');
  const owner = metaValue(db, 'node_id');
  if (owner !== String(nodeId)) {
    throw new DatabaseContentError('corrupt', `database belongs to node ${owner ?? '(missing)'}, opened as node ${nodeId}`);
  }
  readJournalSeq(db);
  metaCount(db, 'last_index');
  // A damaged header can leave the file readable but not writable (a write-format byte above 2):
  // find it now, not when the journal is replayed into it. In memory, rolled back: the file is untouched.
  db.run('BEGIN');
  try {
    db.run("UPDATE meta SET value = value WHERE key = 'schema_version'");
  } catch (e) {
    throw new DatabaseContentError('corrupt', `the database cannot be written: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    db.run('ROLLBACK');
  }
}

export function readJournalSeq(db: Database): number {
  return metaCount(db, 'journal_seq');
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
      const metaJson = JSON.stringify(snapshot.meta);
      exec('INSERT OR REPLACE INTO snapshot (id, idx, term, meta, data, crc) VALUES (1, ?, ?, ?, ?, ?)', [
        snapshot.meta.index,
        snapshot.meta.term,
        metaJson,
        snapshot.data,
        snapshotCrc(snapshot.meta.index, snapshot.meta.term, metaJson, snapshot.data),
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
        const payload = entryPayload(entry);
        exec('INSERT INTO entries (idx, term, kind, payload, crc) VALUES (?, ?, ?, ?, ?)', [
          entry.index,
          entry.term,
          entry.kind,
          payload,
          entryCrc(entry.index, entry.term, entry.kind, payload),
        ]);
      }
    }
    if (record.type === 'ready' && record.hardState !== null) {
      const { term, vote, commit } = record.hardState;
      exec('UPDATE hard_state SET term = ?, vote = ?, commit_index = ?, crc = ? WHERE id = 1', [term, vote, commit, hardStateCrc(term, vote, commit)]);
    }
    const lastIndex = record.type !== 'ready' ? null : (record.entries.at(-1)?.index ?? record.snapshot?.meta.index ?? null);
    if (lastIndex !== null) exec("UPDATE meta SET value = ?, crc = ? WHERE key = 'last_index'", [String(lastIndex), metaCrc('last_index', String(lastIndex))]);
    if (record.snapshot !== null || (record.type === 'ready' && record.entries.length > 0)) {
      const conf = currentConf(db);
      exec('DELETE FROM conf');
      for (const node of conf.voters) exec("INSERT INTO conf (node, role) VALUES (?, 'voter')", [node]);
      for (const node of conf.learners) exec("INSERT INTO conf (node, role) VALUES (?, 'learner')", [node]);
    }
    exec("UPDATE meta SET value = ?, crc = ? WHERE key = 'journal_seq'", [String(record.seq), metaCrc('journal_seq', String(record.seq))]);
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

function readSnapshot(db: Database, verify = false): Snapshot | null {
  const row = db.exec('SELECT idx, term, meta, data, crc FROM snapshot WHERE id = 1')[0]?.values[0];
  if (row === undefined) return null;
  const [idx, term, metaJson, data, crc] = row;
  if (verify && (typeof idx !== 'number' || typeof term !== 'number' || typeof metaJson !== 'string' || typeof data !== 'string' || crc !== snapshotCrc(idx, term, metaJson, data))) {
    throw new DatabaseContentError('corrupt', 'snapshot row: checksum mismatch');
  }
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

function readHardState(db: Database, verify: boolean): HardState {
  const row = db.exec('SELECT term, vote, commit_index, crc FROM hard_state WHERE id = 1')[0]?.values[0];
  if (row === undefined) throw new DatabaseContentError('corrupt', 'hard_state row is missing');
  const [term, vote, commit, crc] = row;
  if (verify && (typeof term !== 'number' || typeof vote !== 'number' || typeof commit !== 'number' || crc !== hardStateCrc(term, vote, commit))) {
    throw new DatabaseContentError('corrupt', `hard_state row: checksum mismatch (term ${String(term)}, vote ${String(vote)}, commit ${String(commit)})`);
  }
  const hardState = hardStateSchema.safeParse({ term, vote, commit });
  if (!hardState.success) throw new DatabaseContentError('corrupt', `hard_state row: ${describeIssues(hardState.error)}`);
  return hardState.data;
}

function decodeEntryRow(row: readonly SqlValue[], verify: boolean): Entry {
  const [idx, term, kind, payload, crc] = row;
  const where = `entries row idx=${String(idx)}`;
  if (typeof idx !== 'number' || !Number.isSafeInteger(idx) || idx < 1) throw new DatabaseContentError('corrupt', `${where}: bad index`);
  if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0) throw new DatabaseContentError('corrupt', `${where}: bad term`);
  if (verify && (typeof kind !== 'string' || (payload !== null && typeof payload !== 'string') || crc !== entryCrc(idx, term, kind, payload))) {
    throw new DatabaseContentError('corrupt', `${where}: checksum mismatch`);
  }
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

/**
 * The whole persisted state with every row decoded, or null if nothing was ever persisted.
 * With `verify` (at open: the file's bytes are untrusted) every row's checksum is checked too,
 * and the rows must agree with meta.last_index and the conf table.
 */
export function readPersistedState(db: Database, opts: { readonly verify?: boolean } = {}): PersistedState | null {
  const verify = opts.verify === true;
  const hardState = readHardState(db, verify);
  const snapshot = readSnapshot(db, verify);
  const entries: Entry[] = [];
  const statement = db.prepare('SELECT idx, term, kind, payload, crc FROM entries ORDER BY idx');
  try {
    while (statement.step()) entries.push(decodeEntryRow(statement.get(), verify));
  } finally {
    statement.free();
  }
  const expectedFirst = (snapshot?.meta.index ?? 0) + 1;
  entries.forEach((entry, i) => {
    if (entry.index !== expectedFirst + i) {
      throw new DatabaseContentError('corrupt', `entries row idx=${entry.index}: expected idx=${expectedFirst + i} (log must be contiguous after the snapshot)`);
    }
  });
  if (verify) {
    const lastIndex = entries.at(-1)?.index ?? snapshot?.meta.index ?? 0;
    const recorded = metaCount(db, 'last_index');
    if (recorded !== lastIndex) {
      throw new DatabaseContentError('corrupt', `the log ends at index ${lastIndex} but meta.last_index says ${recorded}: rows are missing`);
    }
    checkConfTable(db);
  }
  const empty = hardState.term === 0 && hardState.vote === 0 && hardState.commit === 0;
  if (empty && snapshot === null && entries.length === 0) return null;
  return { hardState, snapshot, entries };
}

/** The conf table is derived from the snapshot and conf entries; a row that disagrees is damage. */
function checkConfTable(db: Database): void {
  const expected = currentConf(db);
  const rows = (db.exec('SELECT node, role FROM conf ORDER BY node')[0]?.values ?? []).map(([node, role]) => `${String(node)}:${String(role)}`);
  const want = [
    ...expected.voters.map((n) => [n, 'voter'] as const),
    ...expected.learners.map((n) => [n, 'learner'] as const),
  ]
    .sort((a, b) => a[0] - b[0])
    .map(([n, role]) => `${n}:${role}`);
  if (rows.join(' ') !== want.join(' ')) {
    throw new DatabaseContentError('corrupt', `conf table says ${rows.join(' ') || '(empty)'} but the snapshot and log imply ${want.join(' ') || '(empty)'}`);
  }
}
