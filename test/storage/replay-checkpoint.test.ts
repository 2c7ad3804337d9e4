/**
 * Records that opening replays from the journal (after a crash) must survive the next
 * checkpoint and appear in an export: a checkpoint folds only the statements run since open into
 * the file and then deletes the journal, so open itself must fold the replayed records in.
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

describe('records replayed at open', () => {
  it('survive a later checkpoint and a second crash', async () => {
    const first = await NodeStorage.open(dir, 1);
    await first.persist({ hardState: { term: 1, vote: 1, commit: 40 }, entries: commands(1, 50, 1), snapshot: null });
    await first.close({ checkpoint: false }); // crash: everything is in the journal only

    const second = await NodeStorage.open(dir, 1);
    await second.persist({ hardState: { term: 1, vote: 1, commit: 41 }, entries: commands(51, 51, 1), snapshot: null });
    await second.checkpoint();
    await second.close({ checkpoint: false }); // crash again, right after the checkpoint

    const third = await NodeStorage.open(dir, 1);
    expect(third.load()?.entries.map((e) => e.index)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    await third.close();
  });

  it('are in the database a node exports right after a restart (sqlite3 reads it)', async () => {
    const first = await NodeStorage.open(dir, 1);
    await first.persist({ hardState: { term: 1, vote: 1, commit: 40 }, entries: commands(1, 50, 1), snapshot: null });
    await first.close({ checkpoint: false });

    const restarted = await NodeStorage.open(dir, 1);
    const out = join(dir, 'export.sqlite');
    await restarted.exportDatabase(out);
    await restarted.close();
    expect(execFileSync('sqlite3', ['-readonly', out, 'SELECT count(*) FROM entries'], { encoding: 'utf8' }).trim()).toBe('50');
  });
});
