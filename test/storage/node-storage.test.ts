import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeStorage, StorageError } from '../../electron/storage';
import { createJournalFile, prepareJournalFile } from '../../electron/storage/journal-file';
import type { Snapshot } from '../../shared/raft/types';
import { commands, makeTempDir } from './helpers';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const snapshotAt = (index: number, term: number, data = `state@${index}`): Snapshot => ({
  meta: { index, term, conf: { voters: [1, 2, 3], learners: [] } },
  data,
});

describe('NodeStorage round trips', () => {
  it('reports a brand-new node as null, and reads back what was persisted after a restart', async () => {
    const first = await NodeStorage.open(dir, 1);
    expect(first.load()).toBeNull();
    await first.persist({
      hardState: { term: 2, vote: 3, commit: 1 },
      entries: [
        { kind: 'noop', term: 1, index: 1 },
        { kind: 'conf', term: 2, index: 2, change: { type: 'add-learner', node: 4 } },
        { kind: 'command', term: 2, index: 3, data: '{"op":"put","key":"k","value":"ünïcødé ✓"}' },
      ],
      snapshot: null,
    });
    const expected = first.load();
    await first.close();

    const second = await NodeStorage.open(dir, 1);
    expect(second.load()).toEqual(expected);
    expect(second.load()?.hardState).toEqual({ term: 2, vote: 3, commit: 1 });
    expect(second.load()?.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    await second.close();
  });

  it('recovers from the journal alone when the process never closed the storage', async () => {
    const crashed = await NodeStorage.open(dir, 1);
    await crashed.persist({ hardState: { term: 1, vote: 1, commit: 0 }, entries: commands(1, 50, 1), snapshot: null });
    await crashed.persist({ hardState: { term: 1, vote: 1, commit: 40 }, entries: [], snapshot: null });
    await crashed.close({ checkpoint: false }); // as after a crash: the database file is still empty
    expect(crashed.stats()).toMatchObject({ checkpoints: 0, databaseBytes: 0 });
    expect(crashed.stats().journalBytes).toBeGreaterThan(0);
    const restarted = await NodeStorage.open(dir, 1);
    expect(restarted.load()).toEqual({ hardState: { term: 1, vote: 1, commit: 40 }, snapshot: null, entries: commands(1, 50, 1) });
    await restarted.close();
  });

  it('keeps a node file to its own node', async () => {
    await (await NodeStorage.open(dir, 2)).close();
    await (await NodeStorage.open(dir, 3)).close();
    const two = await NodeStorage.open(dir, 2);
    await two.persist({ hardState: { term: 5, vote: 2, commit: 0 }, entries: [], snapshot: null });
    await two.close();
    const three = await NodeStorage.open(dir, 3);
    expect(three.load()).toBeNull();
    await three.close();
  });
});

describe('NodeStorage log semantics', () => {
  it('truncates the stored suffix from the first new entry, then appends', async () => {
    const storage = await NodeStorage.open(dir, 1);
    await storage.persist({ hardState: null, entries: commands(1, 10, 1), snapshot: null });
    await storage.persist({ hardState: { term: 2, vote: 0, commit: 3 }, entries: commands(6, 7, 2), snapshot: null });
    const expected = [...commands(1, 5, 1), ...commands(6, 7, 2)];
    expect(storage.load()?.entries).toEqual(expected);
    await storage.close();
    const reopened = await NodeStorage.open(dir, 1);
    expect(reopened.load()?.entries).toEqual(expected);
    await reopened.close();
  });

  it('refuses a batch that would leave a hole in the log, and writes nothing for it', async () => {
    const storage = await NodeStorage.open(dir, 1);
    await storage.persist({ hardState: null, entries: commands(1, 3, 1), snapshot: null });
    await expect(storage.persist({ hardState: { term: 9, vote: 9, commit: 0 }, entries: commands(5, 6, 1), snapshot: null })).rejects.toThrow(
      /entries start at index 5/,
    );
    await expect(storage.persist({ hardState: null, entries: [...commands(4, 4, 1), ...commands(6, 6, 1)], snapshot: null })).rejects.toThrow(
      /not contiguous/,
    );
    await storage.persist({ hardState: null, entries: commands(4, 4, 1), snapshot: null });
    expect(storage.load()?.entries).toEqual(commands(1, 4, 1));
    expect(storage.load()?.hardState.term).toBe(0);
    await storage.close();
  });

  it('compacts: keeps the snapshot and the entries after it, across restarts', async () => {
    const storage = await NodeStorage.open(dir, 1);
    await storage.persist({ hardState: { term: 1, vote: 1, commit: 20 }, entries: commands(1, 20, 1), snapshot: null });
    await storage.compact(snapshotAt(15, 1));
    await storage.persist({ hardState: null, entries: commands(21, 22, 1), snapshot: null });
    await expect(storage.compact(snapshotAt(30, 1))).rejects.toThrow(/log ends at 22/);
    const expected = { hardState: { term: 1, vote: 1, commit: 20 }, snapshot: snapshotAt(15, 1), entries: commands(16, 22, 1) };
    expect(storage.load()).toEqual(expected);
    await storage.checkpoint();
    await storage.persist({ hardState: null, entries: commands(23, 23, 1), snapshot: null });
    await storage.close({ checkpoint: false });
    const reopened = await NodeStorage.open(dir, 1); // database file + journal with one record
    expect(reopened.load()).toEqual({ ...expected, entries: commands(16, 23, 1) });
    await reopened.close();
  });

  it('lets a snapshot from the leader replace the whole log, then appends after it', async () => {
    const storage = await NodeStorage.open(dir, 1);
    await storage.persist({ hardState: { term: 1, vote: 0, commit: 5 }, entries: commands(1, 10, 1), snapshot: null });
    await storage.persist({ hardState: { term: 3, vote: 0, commit: 100 }, entries: commands(101, 102, 3), snapshot: snapshotAt(100, 3) });
    const expected = { hardState: { term: 3, vote: 0, commit: 100 }, snapshot: snapshotAt(100, 3), entries: commands(101, 102, 3) };
    expect(storage.load()).toEqual(expected);
    await storage.close();
    const reopened = await NodeStorage.open(dir, 1);
    expect(reopened.load()).toEqual(expected);
    await reopened.close();
  });

  it('shares one fsync among persist calls made together (group commit)', async () => {
    const storage = await NodeStorage.open(dir, 1);
    await storage.persist({ hardState: null, entries: commands(1, 1, 1), snapshot: null });
    const syncsBefore = storage.stats().journalSyncs;
    await Promise.all(Array.from({ length: 20 }, (_, i) => storage.persist({ hardState: null, entries: commands(i + 2, i + 2, 1), snapshot: null })));
    expect(storage.stats().journalSyncs - syncsBefore).toBeLessThanOrEqual(2);
    expect(storage.load()?.entries).toEqual(commands(1, 21, 1));
    await storage.close();
  });

  it('checkpoints automatically once the journal outgrows its threshold, losing nothing', async () => {
    const storage = await NodeStorage.open(dir, 1, { checkpointMinJournalBytes: 4096 });
    for (let i = 0; i < 200; i++) {
      await storage.persist({ hardState: { term: 1, vote: 1, commit: i }, entries: commands(i + 1, i + 1, 1), snapshot: null });
    }
    await storage.idle();
    expect(storage.stats().checkpoints).toBeGreaterThan(0);
    // The journal never grows much past max(threshold, database size): one record of slack.
    const { journalBytes, databaseBytes } = storage.stats();
    expect(journalBytes).toBeLessThanOrEqual(Math.max(4096, databaseBytes) + 300);
    await storage.close({ checkpoint: false });
    const reopened = await NodeStorage.open(dir, 1);
    expect(reopened.load()?.entries).toEqual(commands(1, 200, 1));
    expect(reopened.load()?.hardState.commit).toBe(199);
    await reopened.close();
  });

  it('keeps appending while checkpoints and exports run, and loses nothing', async () => {
    const storage = await NodeStorage.open(dir, 1, { checkpointMinJournalBytes: 2048 });
    const work: Promise<void>[] = [];
    for (let i = 1; i <= 300; i++) {
      work.push(storage.persist({ hardState: { term: 1, vote: 1, commit: i - 1 }, entries: commands(i, i, 1), snapshot: null }));
      if (i % 100 === 0) work.push(storage.exportDatabase(join(dir, `export-${i}.sqlite`)), storage.checkpoint());
      if (i % 7 === 0) await work[work.length - 1];
    }
    await Promise.all(work);
    await storage.idle();
    expect(storage.stats().checkpoints).toBeGreaterThan(3);
    expect(storage.load()?.entries).toEqual(commands(1, 300, 1));
    await storage.close({ checkpoint: false });
    const reopened = await NodeStorage.open(dir, 1);
    expect(reopened.load()?.entries).toEqual(commands(1, 300, 1));
    await reopened.close();
    // Each export holds at least what was persisted before it was asked for.
    for (const i of [100, 200, 300]) {
      const count = Number(execFileSync('sqlite3', ['-readonly', join(dir, `export-${i}.sqlite`), 'SELECT count(*) FROM entries'], { encoding: 'utf8' }));
      expect(count).toBeGreaterThanOrEqual(i);
    }
  });

  it('finishes a checkpoint that a crash interrupted (journal renamed to .prev) when it next opens', async () => {
    const storage = await NodeStorage.open(dir, 1);
    await storage.persist({ hardState: { term: 1, vote: 1, commit: 2 }, entries: commands(1, 30, 1), snapshot: null });
    await storage.close({ checkpoint: false });
    // The state a checkpoint leaves between renaming the journal and the worker's rename:
    // the old journal is .prev, a fresh one starts after its last record (seq 1).
    await rename(join(dir, 'node-1.journal'), join(dir, 'node-1.journal.prev'));
    await createJournalFile(join(dir, 'node-1.journal'), 1, 1);

    const reopened = await NodeStorage.open(dir, 1);
    expect(reopened.load()?.entries).toEqual(commands(1, 30, 1));
    expect(existsSync(join(dir, 'node-1.journal.prev'))).toBe(false);
    await reopened.persist({ hardState: null, entries: commands(31, 31, 1), snapshot: null });
    await reopened.checkpoint(); // the .prev name is free again
    await reopened.close({ checkpoint: false });
    const again = await NodeStorage.open(dir, 1);
    expect(again.load()?.entries).toEqual(commands(1, 31, 1));
    await again.close();
  });

  it('finishes a checkpoint that a crash interrupted between its two renames (no journal, .prev and .next)', async () => {
    const storage = await NodeStorage.open(dir, 1);
    await storage.persist({ hardState: { term: 1, vote: 1, commit: 2 }, entries: commands(1, 30, 1), snapshot: null });
    await storage.persist({ hardState: null, entries: commands(31, 32, 1), snapshot: null });
    await storage.close({ checkpoint: false });
    await prepareJournalFile(join(dir, 'node-1.journal'), 1, 2);
    await rename(join(dir, 'node-1.journal'), join(dir, 'node-1.journal.prev'));

    const reopened = await NodeStorage.open(dir, 1);
    expect(reopened.load()?.entries).toEqual(commands(1, 32, 1));
    expect(existsSync(join(dir, 'node-1.journal.prev'))).toBe(false);
    expect(existsSync(join(dir, 'node-1.journal.next'))).toBe(false);
    await reopened.close();
  });

  it('refuses a second open of the same node in one process, and allows it after close', async () => {
    const storage = await NodeStorage.open(dir, 1);
    await expect(NodeStorage.open(dir, 1)).rejects.toMatchObject({ kind: 'in-use' });
    await storage.close();
    await (await NodeStorage.open(dir, 1)).close();
  });

  it('stops at the first I/O failure, reports it, and loses nothing acknowledged', async () => {
    const missingWorker = new URL('file:///nonexistent/raft-lab/checkpoint-worker.mjs');
    await expect(NodeStorage.open(dir, 1, { checkpointWorkerUrl: missingWorker })).rejects.toThrow(
      /checkpoint worker script \(option checkpointWorkerUrl\) is missing at \/nonexistent/,
    );
    // Past that check (the file vanished after open, say), a failed checkpoint stops the storage.
    const storage = await NodeStorage.open(dir, 1, { checkpointWorkerUrl: missingWorker, checkWorkerFiles: false });
    await storage.persist({ hardState: { term: 3, vote: 2, commit: 1 }, entries: commands(1, 20, 3), snapshot: null });
    const failure = await storage.checkpoint().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StorageError);
    expect(failure).toMatchObject({ kind: 'io', file: join(dir, 'node-1.sqlite') });
    // Nothing more is accepted once the disk may be behind memory.
    await expect(storage.persist({ hardState: null, entries: commands(21, 21, 3), snapshot: null })).rejects.toBe(failure);
    await storage.close({ checkpoint: false }).catch(() => undefined);

    const reopened = await NodeStorage.open(dir, 1); // finishes the interrupted checkpoint
    expect(reopened.load()).toEqual({ hardState: { term: 3, vote: 2, commit: 1 }, snapshot: null, entries: commands(1, 20, 3) });
    expect(existsSync(join(dir, 'node-1.journal.prev'))).toBe(false);
    await reopened.close();
  });

  it('refuses calls after close', async () => {
    const storage = await NodeStorage.open(dir, 1);
    await storage.close();
    await expect(storage.persist({ hardState: null, entries: commands(1, 1, 1), snapshot: null })).rejects.toThrow(/closed/);
  });
});
