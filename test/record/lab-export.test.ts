/**
 * The lab's Export (LabApi.exportRun) on a real cluster (nodes in worker threads writing their
 * SQLite files in a temp folder): every format is written to a file on the host, kept in the
 * export store, and only its description crosses the wire; each file is one its reader accepts,
 * node databases open in Debian's sqlite3 CLI (from a running node and from a crashed one), the
 * crashed node's files are left byte-for-byte untouched, and bad requests fail with a reason.
 * The whole-run search (LabApi.searchRun) reads the same file and answers with matches only.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportedFile } from '../../shared/protocol/lab';
import { parseLabArgs, parseLabResult } from '../../shared/protocol/lab-schema';
import { archiveFileNames } from '../../shared/record/export-archive';
import { readRecording } from '../../shared/record/read';
import { FAST, openLab, waitFor, waitForLeader, type Lab } from '../runtime/helpers';

let lab: Lab;
let out: string;
let crashed = 0;
let live = 0;
const PUTS = 6;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'raft-lab-export-out-'));
  lab = await openLab();
  await lab.lab.createCluster({ ...FAST, nodes: 3, dataDir: lab.dir });
  const leader = await waitForLeader(lab.lab);
  for (let i = 0; i < PUTS; i++) expect((await lab.lab.submit({ type: 'put', key: `k${i}`, value: `v${i}` }, { timeoutMs: 8000 })).ok).toBe(true);
  crashed = [1, 2, 3].find((id) => id !== leader)!;
  live = leader;
  // Crash the follower only once it holds every put, so its files have something to show.
  const leaderLast = (await lab.lab.snapshot()).nodes.find((n) => n.id === leader)!.status!.lastIndex;
  await waitFor('the follower to catch up', async () => ((await lab.lab.snapshot()).nodes.find((n) => n.id === crashed)?.status?.lastIndex ?? 0) >= leaderLast || null);
  await lab.lab.crashNode(crashed);
}, 60_000);

afterAll(async () => {
  await lab?.dispose();
  if (out) await rm(out, { recursive: true, force: true });
});

/**
 * Saves the file the way a host does: the answer is validated like the wire does, the file is
 * taken from the lab's export store (which then forgets it) and copied out.
 */
async function save(file: ExportedFile): Promise<string> {
  parseLabResult('exportRun', file);
  const kept = lab.lab.exports.take(file.id);
  if (kept === null) throw new Error(`export ${file.fileName} is not in the store`);
  expect((await stat(kept.path)).size).toBe(file.bytes);
  const path = join(out, file.fileName);
  await copyFile(kept.path, path);
  await rm(kept.path);
  return path;
}

async function text(file: ExportedFile): Promise<string> {
  return readFile(await save(file), 'utf8');
}

function sqlite(path: string, sql: string): string {
  return execFileSync('sqlite3', ['-readonly', path, sql], { encoding: 'utf8' }).trim();
}

describe('exportRun on a live cluster', () => {
  it('replay: a JSON Lines recording that reads back without errors and names the nodes', async () => {
    const file = await lab.lab.exportRun({ kind: 'replay' });
    expect(file.fileName).toMatch(/^recording-\d+\.jsonl$/);
    expect(file.mimeType).toBe('application/x-ndjson');
    // The run is still going: the export holds what was recorded so far, closed by an end record.
    const recording = readRecording(await text(file));
    expect(recording.header.cluster.nodes).toEqual([1, 2, 3]);
    expect(recording.records.some((r) => r.record.kind === 'crash')).toBe(true);
    expect(recording.end?.records).toBe(recording.records.length);
  }, 30_000);

  it('shiviz, perfetto and both client histories hold the run', async () => {
    const shiviz = await text(await lab.lab.exportRun({ kind: 'shiviz' }));
    expect(shiviz.split('\n').filter((l) => l.includes(' recv ')).length).toBeGreaterThan(5);

    const perfetto = await text(await lab.lab.exportRun({ kind: 'perfetto' }));
    const trace = JSON.parse(perfetto) as { traceEvents: unknown[] };
    expect(trace.traceEvents.length).toBeGreaterThan(10);

    const porcupine = await lab.lab.exportRun({ kind: 'history', flavor: 'porcupine' });
    expect(porcupine.fileName).toMatch(/porcupine\.json$/);
    const history = await text(porcupine);
    for (let i = 0; i < PUTS; i++) expect(history).toContain(`v${i}`);
    expect(() => JSON.parse(history) as unknown).not.toThrow();

    const knossos = await lab.lab.exportRun({ kind: 'history', flavor: 'knossos' });
    expect(knossos.fileName).toMatch(/\.edn$/);
    expect(await text(knossos)).toContain(':invoke');
  }, 30_000);

  it('sqlite of a running node opens in sqlite3 and holds the replicated entries', async () => {
    const path = await save(await lab.lab.exportRun({ kind: 'sqlite', node: live }));
    expect(sqlite(path, 'PRAGMA integrity_check')).toBe('ok');
    expect(Number(sqlite(path, 'SELECT count(*) FROM entries'))).toBeGreaterThanOrEqual(PUTS);
    expect(sqlite(path, "SELECT value FROM meta WHERE key = 'node_id'")).toBe(String(live));
  }, 30_000);

  it('sqlite of a crashed node comes from a copy of its files, which stay untouched', async () => {
    const names = (await readdir(lab.dir)).filter((n) => n.startsWith(`node-${crashed}.`)).sort();
    expect(names.length).toBeGreaterThan(0);
    const before = await Promise.all(names.map((n) => readFile(join(lab.dir, n))));
    const path = await save(await lab.lab.exportRun({ kind: 'sqlite', node: crashed }));
    expect(sqlite(path, 'PRAGMA integrity_check')).toBe('ok');
    expect(Number(sqlite(path, 'SELECT count(*) FROM entries'))).toBeGreaterThanOrEqual(PUTS);
    expect((await readdir(lab.dir)).filter((n) => n.startsWith(`node-${crashed}.`)).sort()).toEqual(names);
    const after = await Promise.all(names.map((n) => readFile(join(lab.dir, n))));
    after.forEach((bytes, i) => expect(bytes.equals(before[i]!)).toBe(true));
  }, 30_000);

  it('sqlite of a restarted node (state replayed from its journal) still holds every entry', async () => {
    await lab.lab.restartNode(crashed);
    await waitFor('the restarted node to run', async () => (await lab.lab.snapshot()).nodes.find((n) => n.id === crashed)?.life === 'running' || null);
    const path = await save(await lab.lab.exportRun({ kind: 'sqlite', node: crashed }));
    expect(Number(sqlite(path, 'SELECT count(*) FROM entries'))).toBeGreaterThanOrEqual(PUTS);
  }, 30_000);

  it('archive: a tar that lists every export and each node database', async () => {
    const file = await lab.lab.exportRun({ kind: 'archive' });
    expect(file.fileName).toMatch(/\.tar$/);
    expect(file.mimeType).toBe('application/x-tar');
    const path = await save(file);
    const members = execFileSync('tar', ['-tf', path], { encoding: 'utf8' }).trim().split('\n');
    expect(members.sort()).toEqual(archiveFileNames('raft-lab-export', [1, 2, 3]).sort());
    const db = join(out, 'from-archive-node-1.sqlite');
    execFileSync('sh', ['-c', `tar -xOf "${path}" raft-lab-export/node-1.sqlite > "${db}"`]);
    expect(sqlite(db, 'PRAGMA integrity_check')).toBe('ok');
    const replay = readRecording(execFileSync('tar', ['-xOf', path, 'raft-lab-export/recording.jsonl'], { encoding: 'utf8', maxBuffer: 1 << 28 }));
    expect(replay.end?.records).toBe(replay.records.length);
  }, 60_000);

  it('searchRun reads the whole recording on the host and answers with the matches only', async () => {
    const found = await lab.lab.searchRun('start (bootstrap)');
    parseLabResult('searchRun', found);
    // In file order, which is the order the nodes' reports arrived.
    expect(found.matches.map((m) => m.text).sort()).toEqual(['node 1 #1: start (bootstrap)', 'node 2 #1: start (bootstrap)', 'node 3 #1: start (bootstrap)']);
    expect(found.total).toBe(3);
    expect(found.records).toBeGreaterThan(100);
    const limited = await lab.lab.searchRun('RECEIVE', 5);
    expect(limited.matches).toHaveLength(5);
    expect(limited.total).toBeGreaterThan(5);
    expect(() => parseLabArgs('searchRun', ['   '])).toThrow(/searchRun: args\[0\]: an empty query/);
    expect(() => parseLabArgs('searchRun', ['x', 0])).toThrow(/searchRun: args\[1\]/);
    expect(() => parseLabArgs('searchRun', ['x'.repeat(201)])).toThrow(/searchRun: args\[0\]/);
  }, 30_000);

  it('keeps each export once: taken or removed, it is gone; a failed export leaves no file', async () => {
    const file = await lab.lab.exportRun({ kind: 'history', flavor: 'porcupine' });
    const kept = lab.lab.exports.get(file.id);
    expect(kept?.bytes).toBe(file.bytes);
    await lab.lab.exports.remove(file.id);
    expect(lab.lab.exports.get(file.id)).toBeNull();
    await expect(stat(kept!.path)).rejects.toThrow(/ENOENT/);
    const before = await readdir(await lab.lab.exports.dir());
    await expect(lab.lab.exportRun({ kind: 'sqlite', node: 9 })).rejects.toThrow(/no node 9/);
    expect(await readdir(await lab.lab.exports.dir())).toEqual(before);
  }, 30_000);

  it('refuses a node the run does not have, and bad formats on the wire, naming the problem', async () => {
    await expect(lab.lab.exportRun({ kind: 'sqlite', node: 9 })).rejects.toThrow(/no node 9/);
    expect(() => parseLabArgs('exportRun', [{ kind: 'pdf' }])).toThrow(/exportRun: args\[0\]/);
    expect(() => parseLabArgs('exportRun', [{ kind: 'sqlite' }])).toThrow(/exportRun: args\[0\]\.node/);
  }, 30_000);

  it('after the cluster is destroyed, the last run still exports, databases included', async () => {
    await lab.lab.destroyCluster();
    const path = await save(await lab.lab.exportRun({ kind: 'sqlite', node: live }));
    expect(Number(sqlite(path, 'SELECT count(*) FROM entries'))).toBeGreaterThanOrEqual(PUTS);
  }, 30_000);
});

describe('exportRun with nothing to export', () => {
  it('says that no cluster has run', async () => {
    const fresh = await openLab();
    try {
      await expect(fresh.lab.exportRun({ kind: 'replay' })).rejects.toThrow(/nothing to export/);
      await expect(fresh.lab.searchRun('x')).rejects.toThrow(/nothing to search/);
    } finally {
      await fresh.dispose();
    }
  });
});
