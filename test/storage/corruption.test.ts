/**
 * Damaged or foreign files: the node must refuse to start with an error naming the file, and
 * leave every file byte-for-byte as it found it. A torn journal tail (a crash mid-append) is
 * the one kind of damage that is expected and tolerated.
 */
import { execFileSync } from 'node:child_process';
import { appendFile, copyFile, open, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeStorage, StorageError } from '../../electron/storage';
import { createJournalFile } from '../../electron/storage/journal-file';
import { encodeFrame, scanFrames } from '../../electron/storage/journal-frame';
import { commands, makeTempDir, sha256 } from './helpers';

let dir: string;
let cleanup: () => Promise<void>;
let dbPath: string;
let journalPath: string;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  dbPath = join(dir, 'node-1.sqlite');
  journalPath = join(dir, 'node-1.journal');
});
afterEach(() => cleanup());

/** A closed node with a checkpointed database and three records left in its journal. */
async function makeNode(): Promise<void> {
  const storage = await NodeStorage.open(dir, 1);
  await storage.persist({ hardState: { term: 1, vote: 1, commit: 0 }, entries: commands(1, 5, 1), snapshot: null });
  await storage.persist({ hardState: null, entries: [{ kind: 'conf', term: 1, index: 6, change: { type: 'add-voter', node: 2 } }], snapshot: null });
  await storage.checkpoint();
  for (let i = 7; i <= 9; i++) await storage.persist({ hardState: { term: 1, vote: 1, commit: i - 1 }, entries: commands(i, i, 1), snapshot: null });
  await storage.close({ checkpoint: false });
}

/** Expects open() to refuse with `kind`, naming `file`, and to leave both files untouched. */
async function expectRefusal(kind: StorageError['kind'], file: string, message: RegExp): Promise<void> {
  const before = [await sha256(dbPath), await sha256(journalPath)];
  const error: unknown = await NodeStorage.open(dir, 1).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  if (!(error instanceof StorageError)) return;
  expect(error.kind).toBe(kind);
  expect(error.file).toBe(file);
  expect(error.message).toContain(file);
  expect(error.message).toMatch(/^node 1: /);
  expect(error.message).toMatch(message);
  expect([await sha256(dbPath), await sha256(journalPath)]).toEqual(before);
}

/** Writes `record` as the journal's next frame, where a writer would put it (inside the allocation). */
async function writeNextFrame(path: string, record: object): Promise<void> {
  const bytes = await readFile(path);
  const scan = scanFrames(bytes);
  if (!scan.ok) throw new Error('journal unexpectedly damaged');
  const handle = await open(path, 'r+');
  await handle.write(encodeFrame(Buffer.from(JSON.stringify(record))), 0, undefined, scan.validEnd);
  await handle.close();
}

/** Frame start offsets of the journal, and where its last frame ends. */
async function frameBoundaries(path: string): Promise<{ starts: number[]; end: number }> {
  const scan = scanFrames(await readFile(path));
  if (!scan.ok) throw new Error('journal unexpectedly damaged');
  return { starts: scan.frames.map((f) => f.offset), end: scan.validEnd };
}

function sqlite3(path: string, sql: string): string {
  return execFileSync('sqlite3', [path, sql], { encoding: 'utf8' }).trim();
}

describe('refusing damaged database files', () => {
  it('refuses a database file that is not SQLite at all', async () => {
    await makeNode();
    await writeFile(dbPath, 'this is not a database, just some text '.repeat(200));
    await expectRefusal('corrupt', dbPath, /not an SQLite database/);
  });

  it('refuses a database file cut short', async () => {
    await makeNode();
    const { size } = await stat(dbPath);
    await truncate(dbPath, Math.floor(size / 2) + 100);
    await expectRefusal('corrupt', dbPath, /./);
  });

  it('refuses a database whose pages were overwritten with garbage', async () => {
    await makeNode();
    const bytes = await readFile(dbPath);
    for (let i = 4096 + 8; i < bytes.length; i += 7) bytes[i] = 0xa5;
    await writeFile(dbPath, bytes);
    await expectRefusal('corrupt', dbPath, /./);
  });

  it('refuses an unknown schema version, naming the version', async () => {
    await makeNode();
    sqlite3(dbPath, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    await expectRefusal('schema-version', dbPath, /schema version 99/);
  });

  it('refuses files of storage format 1 (no row checksums), saying so and how to go on', async () => {
    // The version-1 schema, as an older Raft Lab wrote it, with an empty journal beside it.
    sqlite3(dbPath, `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE hard_state (id INTEGER PRIMARY KEY CHECK (id = 1), term INTEGER NOT NULL, vote INTEGER NOT NULL, commit_index INTEGER NOT NULL);
      CREATE TABLE entries (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT);
      CREATE TABLE snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL, term INTEGER NOT NULL, meta TEXT NOT NULL, data TEXT NOT NULL);
      CREATE TABLE conf (node INTEGER PRIMARY KEY, role TEXT NOT NULL);
      INSERT INTO meta VALUES ('schema_version', '1'), ('node_id', '1'), ('journal_seq', '4');
      INSERT INTO hard_state VALUES (1, 3, 1, 2);
      INSERT INTO entries VALUES (1, 1, 'noop', NULL), (2, 3, 'command', 'x');`);
    await writeFile(journalPath, '');
    await expectRefusal('schema-version', dbPath, /schema version 1, written by an older Raft Lab .* does not convert it\. Discard this node's data/);
  });

  it('refuses a row that does not decode, naming the row', async () => {
    await makeNode();
    sqlite3(dbPath, "UPDATE entries SET payload = '{not json' WHERE idx = 6");
    await expectRefusal('corrupt', dbPath, /entries row idx=6/);
  });

  it('refuses a log with a hole in it', async () => {
    await makeNode();
    sqlite3(dbPath, 'DELETE FROM entries WHERE idx = 3');
    await expectRefusal('corrupt', dbPath, /expected idx=3/);
  });

  it('refuses another node\'s database', async () => {
    await makeNode();
    await copyFile(dbPath, join(dir, 'node-2.sqlite'));
    const error = await NodeStorage.open(dir, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(String(error)).toMatch(/belongs to node 1, opened as node 2/);
  });
});

describe('journal damage', () => {
  it('refuses a journal damaged in the middle (acknowledged records follow the damage)', async () => {
    await makeNode();
    const journal = await readFile(journalPath);
    expect(journal.length).toBeGreaterThan(0);
    const bytes = Buffer.from(journal);
    bytes[40] = (bytes[40] ?? 0) ^ 0xff; // inside the first record's payload
    await writeFile(journalPath, bytes);
    await expectRefusal('corrupt', journalPath, /record at byte 0 is damaged .* valid record follows/);
  });

  it('refuses a journal record written by an unknown format version', async () => {
    await makeNode();
    await writeNextFrame(journalPath, { v: 99, type: 'ready', seq: 6 });
    await expectRefusal('schema-version', journalPath, /format version 99, this build reads version 2 only/);
  });

  it('refuses a journal with a gap in its record sequence', async () => {
    await makeNode();
    const record = { v: 2, type: 'ready', seq: 1000, snapshot: null, entries: [], hardState: { term: 9, vote: 0, commit: 0 } };
    await writeNextFrame(journalPath, record);
    await expectRefusal('corrupt', journalPath, /seq 1000 after seq 5/);
  });

  it('refuses a journal that starts after the records the database lacks', async () => {
    await makeNode();
    await createJournalFile(journalPath, 1, 999);
    const record = { v: 2, type: 'ready', seq: 1000, snapshot: null, entries: [], hardState: { term: 9, vote: 0, commit: 0 } };
    await writeNextFrame(journalPath, record);
    await expectRefusal('corrupt', journalPath, /starts after seq 999 but the database and earlier journals end at seq 2: records are missing/);
  });

  it('refuses a journal of another node', async () => {
    await makeNode();
    await createJournalFile(journalPath, 7, 2);
    await expectRefusal('corrupt', journalPath, /belongs to node 7, opened as node 1/);
  });

  it('refuses a missing journal when no checkpoint was interrupted', async () => {
    await makeNode();
    await rm(journalPath);
    const before = await sha256(dbPath);
    const error = await NodeStorage.open(dir, 1).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'corrupt', file: journalPath, node: 1 });
    expect(String(error)).toMatch(/node 1: .*the journal is missing/);
    expect(await sha256(dbPath)).toBe(before);
  });

  it('refuses a .prev journal (left by an interrupted checkpoint) with a damaged tail', async () => {
    await makeNode();
    const prevPath = `${journalPath}.prev`;
    await rename(journalPath, prevPath);
    await appendFile(prevPath, Buffer.alloc(20, 7));
    await writeFile(journalPath, '');
    const before = await sha256(prevPath);
    const error = await NodeStorage.open(dir, 1).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'corrupt', file: prevPath });
    expect(String(error)).toMatch(/damaged bytes after byte \d+ of a journal that was complete when renamed/);
    expect(await sha256(prevPath)).toBe(before);
  });

  it('refuses a journal whose database is missing', async () => {
    await makeNode();
    await rm(dbPath);
    const before = await sha256(journalPath);
    await expect(NodeStorage.open(dir, 1)).rejects.toThrow(/journal has data but its database .* is missing/);
    expect(await sha256(journalPath)).toBe(before);
  });

  it('drops a torn tail (an interrupted, unacknowledged append) and keeps working', async () => {
    await makeNode();
    const storage = await NodeStorage.open(dir, 1);
    const expected = storage.load();
    // A record long enough to span several 512-byte blocks, like any write a kill can cut.
    await storage.persist({ hardState: null, entries: [{ kind: 'command', term: 1, index: 10, data: 'x'.repeat(3000) }], snapshot: null });
    await storage.close({ checkpoint: false });
    const { starts, end } = await frameBoundaries(journalPath);
    const lastStart = starts.at(-1) ?? 0;
    const bytes = await readFile(journalPath);
    const cut = (Math.floor(lastStart / 512) + 2) * 512; // the write stopped at a block boundary
    expect(cut).toBeLessThan(end);
    bytes.fill(0, cut, end); // the blocks it did not reach read as zeros (the file is preallocated)
    await writeFile(journalPath, bytes);

    const reopened = await NodeStorage.open(dir, 1);
    expect(reopened.load()).toEqual(expected);
    await reopened.persist({ hardState: null, entries: commands(10, 11, 2), snapshot: null });
    await reopened.close({ checkpoint: false });
    const again = await NodeStorage.open(dir, 1);
    expect(again.load()?.entries.slice(-2)).toEqual(commands(10, 11, 2));
    await again.close();
  });
});

describe('damage a crash cannot cause is refused, not dropped', () => {
  it('refuses a journal cut at any record boundary or inside any record (acknowledged records would be lost)', async () => {
    await makeNode();
    const original = await readFile(journalPath);
    const { starts, end } = await frameBoundaries(journalPath);
    const cuts = new Set<number>();
    for (const start of starts.slice(1)) cuts.add(start); // whole records lost
    for (const start of starts) cuts.add(start + 7); // a record cut mid-header
    cuts.add(end - 3); // the last (acknowledged) record cut short
    cuts.add(0);
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      await writeFile(journalPath, original.subarray(0, cut));
      await expectRefusal('corrupt', journalPath, /./);
    }
  });

  it('refuses a bit flipped inside the last journal record (complete, so not a torn write)', async () => {
    await makeNode();
    const { starts, end } = await frameBoundaries(journalPath);
    const bytes = await readFile(journalPath);
    const at = Math.floor(((starts.at(-1) ?? 0) + 12 + end) / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0x04;
    await writeFile(journalPath, bytes);
    await expectRefusal('corrupt', journalPath, /checksum/);
  });

  it('refuses a bit flipped in an entry row\'s text inside the SQLite file (integrity_check still passes)', async () => {
    await makeNode();
    const bytes = await readFile(dbPath);
    const at = bytes.indexOf('i3t1');
    expect(at).toBeGreaterThan(0);
    bytes[at + 1] = (bytes[at + 1] ?? 0) ^ 0x01; // 'i3t1' -> 'i2t1': still a valid command
    await writeFile(dbPath, bytes);
    expect(sqlite3(dbPath, 'PRAGMA integrity_check')).toBe('ok');
    await expectRefusal('corrupt', dbPath, /entries row idx=3.*checksum/);
  });

  it('refuses a changed hard state row', async () => {
    await makeNode();
    await (await NodeStorage.open(dir, 1)).close(); // everything in the database file
    sqlite3(dbPath, 'UPDATE hard_state SET term = term + 4');
    await expectRefusal('corrupt', dbPath, /hard_state row.*checksum/);
  });
});
