/**
 * The files people take away must be ordinary SQLite databases: Debian's sqlite3 command-line
 * tool opens them and reads the same log the node persisted.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeStorage } from '../../electron/storage';
import { commands, makeTempDir } from './helpers';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

function sqlite3(path: string, sql: string): string {
  return execFileSync('sqlite3', ['-readonly', path, sql], { encoding: 'utf8' }).trim();
}

describe('files read by the sqlite3 command-line tool', () => {
  it('exports a complete database, including writes still only in the journal', async () => {
    const storage = await NodeStorage.open(dir, 3);
    await storage.persist({
      hardState: { term: 4, vote: 3, commit: 120 },
      entries: [{ kind: 'conf', term: 1, index: 1, change: { type: 'add-voter', node: 3 } }, ...commands(2, 150, 1)],
      snapshot: null,
    });
    await storage.compact({ meta: { index: 100, term: 1, conf: { voters: [1, 2, 3], learners: [] } }, data: '{"kv":{}}' });
    await storage.persist({ hardState: null, entries: [{ kind: 'conf', term: 4, index: 151, change: { type: 'add-learner', node: 4 } }], snapshot: null });
    expect(storage.stats().journalBytes).toBeGreaterThan(0); // the export must fold these in

    const exported = join(dir, 'exported node 3.sqlite');
    await storage.exportDatabase(exported);
    expect(sqlite3(exported, 'PRAGMA integrity_check')).toBe('ok');
    expect(sqlite3(exported, 'SELECT count(*) FROM entries')).toBe(String(storage.load()?.entries.length));
    expect(sqlite3(exported, 'SELECT min(idx), max(idx) FROM entries')).toBe('101|151');
    expect(sqlite3(exported, 'SELECT term, vote, commit_index FROM hard_state')).toBe('4|3|120');
    expect(sqlite3(exported, 'SELECT idx, term, data FROM snapshot')).toBe('100|1|{"kv":{}}');
    expect(sqlite3(exported, "SELECT group_concat(node || ':' || role, ' ') FROM (SELECT * FROM conf ORDER BY node)")).toBe('1:voter 2:voter 3:voter 4:learner');
    expect(sqlite3(exported, "SELECT payload FROM entries WHERE idx = 120")).toBe('i120t1');
    await storage.close();
  });

  it('leaves the node\'s own database file readable after a checkpoint', async () => {
    const storage = await NodeStorage.open(dir, 1);
    await storage.persist({ hardState: { term: 1, vote: 1, commit: 0 }, entries: commands(1, 1000, 1), snapshot: null });
    await storage.close();
    const nodeFile = join(dir, 'node-1.sqlite');
    expect(sqlite3(nodeFile, 'PRAGMA integrity_check')).toBe('ok');
    expect(sqlite3(nodeFile, 'SELECT count(*), sum(length(payload)) FROM entries')).toBe(
      `1000|${commands(1, 1000, 1).reduce((n, e) => n + (e.kind === 'command' ? e.data.length : 0), 0)}`,
    );
    expect(sqlite3(nodeFile, "SELECT value FROM meta WHERE key = 'schema_version'")).toBe('2');
  });
});
