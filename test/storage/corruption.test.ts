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
import { encodeFrame } from '../../electron/storage/journal-frame';
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
  expect(error.message).toMatch(message);
  expect([await sha256(dbPath), await sha256(journalPath)]).toEqual(before);
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
    await appendFile(journalPath, encodeFrame(Buffer.from(JSON.stringify({ v: 2, type: 'ready', seq: 99 }))));
    await expectRefusal('schema-version', journalPath, /format version 2/);
  });

  it('refuses a journal with a gap in its record sequence', async () => {
    await makeNode();
    const record = { v: 1, type: 'ready', seq: 1000, snapshot: null, entries: [], hardState: { term: 9, vote: 0, commit: 0 } };
    await appendFile(journalPath, encodeFrame(Buffer.from(JSON.stringify(record))));
    await expectRefusal('corrupt', journalPath, /seq 1000 after seq 5/);
  });

  it('refuses a journal that starts after the records the database lacks', async () => {
    await makeNode();
    const record = { v: 1, type: 'ready', seq: 1000, snapshot: null, entries: [], hardState: { term: 9, vote: 0, commit: 0 } };
    await writeFile(journalPath, encodeFrame(Buffer.from(JSON.stringify(record))));
    await expectRefusal('corrupt', journalPath, /seq 1000 but the database ends at seq 2: records are missing/);
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
    await storage.persist({ hardState: null, entries: commands(10, 10, 1), snapshot: null });
    await storage.close({ checkpoint: false });
    const { size } = await stat(journalPath);
    await truncate(journalPath, size - 5); // the last append was cut mid-record
    const handle = await open(journalPath, 'a');
    await handle.write(Buffer.alloc(64)); // and the file system left zeros after it
    await handle.close();

    const reopened = await NodeStorage.open(dir, 1);
    expect(reopened.load()).toEqual(expected);
    await reopened.persist({ hardState: null, entries: commands(10, 11, 2), snapshot: null });
    await reopened.close({ checkpoint: false });
    const again = await NodeStorage.open(dir, 1);
    expect(again.load()?.entries.slice(-2)).toEqual(commands(10, 11, 2));
    await again.close();
  });
});
