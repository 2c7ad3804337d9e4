// The files the build puts beside the node entry for storage (sql.js's wasm and loader, the
// checkpoint worker) work on their own, from a folder with no node_modules above it: a node's
// storage opened with exactly the paths main hands out persists entries, runs a checkpoint in
// the worker (an export, which writes a real SQLite file) and reads everything back on reopen.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPaths } from '../../electron/main/app-paths';
import { NodeStorage } from '../../electron/storage';
import type { Entry } from '../../shared/raft/types';
import { buildApp } from './build-helpers';

let out: string;
let dataDir: string;

beforeAll(async () => {
  out = await buildApp();
  dataDir = mkdtempSync(join(tmpdir(), 'raft-lab-built-storage-'));
}, 240_000);
afterAll(() => {
  rmSync(dirname(out), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('storage with the built run-time files', () => {
  it('persists, checkpoints through the built worker and reads back', async () => {
    const paths = appPaths(join(out, 'main'));
    const options = { wasmPath: paths.sqlWasm, sqlJsPath: paths.sqlJs, checkpointWorkerUrl: pathToFileURL(paths.checkpointWorker) };
    const entries: Entry[] = Array.from({ length: 50 }, (_, i) => ({ kind: 'command', term: 2, index: i + 1, data: `put k${i} v${i}` }));

    const storage = await NodeStorage.open(dataDir, 1, options);
    await storage.persist({ hardState: { term: 2, vote: 1, commit: 50 }, entries, snapshot: null });
    const exported = join(dataDir, 'export.sqlite');
    await storage.exportDatabase(exported);
    expect(readFileSync(exported).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    await storage.close();

    const reopened = await NodeStorage.open(dataDir, 1, options);
    const state = reopened.load();
    expect(state?.hardState).toEqual({ term: 2, vote: 1, commit: 50 });
    expect(state?.entries).toEqual(entries);
    await reopened.close();
  }, 120_000);
});
