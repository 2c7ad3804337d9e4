/**
 * The lab's Export (LabApi.exportRun) on a real cluster (nodes in worker threads writing their
 * SQLite files in a temp folder): every format comes back as a file that its reader accepts, node
 * databases open in Debian's sqlite3 CLI (from a running node and from a crashed one), the
 * crashed node's files are left byte-for-byte untouched, and bad requests fail with a reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportFile } from '../../shared/protocol/lab';
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

/** Saves the file the way a host would (after validating it like the wire does). */
async function save(file: ExportFile): Promise<string> {
  parseLabResult('exportRun', file);
  const path = join(out, file.fileName);
  await writeFile(path, file.encoding === 'text' ? file.text : Buffer.from(file.base64, 'base64'));
  return path;
}

function sqlite(path: string, sql: string): string {
  return execFileSync('sqlite3', ['-readonly', path, sql], { encoding: 'utf8' }).trim();
}

describe('exportRun on a live cluster', () => {
  it('replay: a JSON Lines recording that reads back without errors and names the nodes', async () => {
    const file = await lab.lab.exportRun({ kind: 'replay' });
    expect(file.encoding).toBe('text');
    expect(file.fileName).toMatch(/^recording-\d+\.jsonl$/);
    const recording = readRecording(file.encoding === 'text' ? file.text : '');
    expect(recording.header.cluster.nodes).toEqual([1, 2, 3]);
    expect(recording.records.some((r) => r.record.kind === 'crash')).toBe(true);
  }, 30_000);

  it('shiviz, perfetto and both client histories hold the run', async () => {
    const shiviz = await lab.lab.exportRun({ kind: 'shiviz' });
    expect(shiviz.encoding === 'text' && shiviz.text.split('\n').filter((l) => l.includes(' recv ')).length).toBeGreaterThan(5);

    const perfetto = await lab.lab.exportRun({ kind: 'perfetto' });
    const trace = JSON.parse(perfetto.encoding === 'text' ? perfetto.text : '') as { traceEvents: unknown[] };
    expect(trace.traceEvents.length).toBeGreaterThan(10);

    const porcupine = await lab.lab.exportRun({ kind: 'history', flavor: 'porcupine' });
    expect(porcupine.fileName).toMatch(/porcupine\.json$/);
    const text = porcupine.encoding === 'text' ? porcupine.text : '';
    for (let i = 0; i < PUTS; i++) expect(text).toContain(`v${i}`);
    expect(() => JSON.parse(text) as unknown).not.toThrow();

    const knossos = await lab.lab.exportRun({ kind: 'history', flavor: 'knossos' });
    expect(knossos.fileName).toMatch(/\.edn$/);
    expect(knossos.encoding === 'text' && knossos.text).toContain(':invoke');
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
    expect(file.encoding).toBe('base64');
    expect(file.fileName).toMatch(/\.tar$/);
    const path = await save(file);
    const members = execFileSync('tar', ['-tf', path], { encoding: 'utf8' }).trim().split('\n');
    expect(members.sort()).toEqual(archiveFileNames('raft-lab-export', [1, 2, 3]).sort());
  }, 60_000);

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
    } finally {
      await fresh.dispose();
    }
  });
});
