import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../electron/cli/args';
import { NodeStorage } from '../../electron/storage';
import { checkCommand } from '../../electron/cli/commands/check';
import { exportCommand } from '../../electron/cli/commands/export';
import { replayCommand } from '../../electron/cli/commands/replay';
import type { Subcommand } from '../../electron/cli/subcommand';
import { recordSimulation } from '../../shared/record/record-sim';
import { encodeRecording } from '../../shared/record/write';
import { editLine, factory, recordedRun } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'raft-lab-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(cmd: Subcommand, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await cmd.run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

function writeRecording(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const good = () => writeRecording('good.jsonl', encodeRecording(recordedRun({}, true).recording));

describe('raft-lab replay / check / export', () => {
  it('replay --verify: zero divergences exits 0; a tampered hash exits 2 naming the line', async () => {
    const path = good();
    const ok = await run(replayCommand, path, '--verify');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('zero divergences');
    const { recording } = recordedRun({}, true);
    const target = recording.records.find((r) => r.record.kind === 'input' && r.record.node === 3 && r.record.seq === 40)!;
    const bad = writeRecording('tampered.jsonl', editLine(encodeRecording(recording), target.line, (v) => ({ ...v, digest: 'ffffffffffffffff' })));
    const diverged = await run(replayCommand, bad, '--verify', '--json');
    expect(diverged.code).toBe(2);
    const json = JSON.parse(diverged.out) as { ok: boolean; firstDivergence: { line: number; node: number; seq: number } };
    expect(json.ok).toBe(false);
    expect(json.firstDivergence).toMatchObject({ line: target.line, node: 3, seq: 40 });
  });

  it('replay without --verify prints the timeline', async () => {
    const r = await run(replayCommand, good(), '--limit', '5');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => l.startsWith('line ')).length).toBe(5);
  });

  it('bad files and bad arguments get clear errors and distinct exit codes', async () => {
    const truncated = writeRecording('cut.jsonl', encodeRecording(recordedRun({}, true).recording).slice(0, 5000));
    const r = await run(replayCommand, truncated, '--verify');
    expect(r.code).toBe(65);
    expect(r.err).toMatch(/cut\.jsonl: line \d+: not valid JSON/);
    const missing = await run(checkCommand, join(dir, 'nope.jsonl'));
    expect(missing.code).toBe(66);
    expect(missing.err).toContain('nope.jsonl: cannot read (ENOENT)');
    await expect(run(replayCommand)).rejects.toThrow(UsageError);
    await expect(run(exportCommand, good(), '--format', 'pdf')).rejects.toThrow(/unknown --format "pdf"/);
    await expect(run(exportCommand, good(), '--format', 'archive')).rejects.toThrow(/needs --out/);
  });

  it('check: a correct run passes; a deliberately broken core fails with exit 1', async () => {
    const pass = await run(checkCommand, good());
    expect(pass.code).toBe(0);
    expect(pass.out).toContain('PASS');
    let failing: string | null = null;
    for (let seed = 1; seed <= 30 && failing === null; seed++) {
      const { recording, sim } = recordSimulation({ nodes: 3, seed, ops: 20, clients: 2, faults: ['partition', 'crash'], unsafe: ['double-vote', 'skip-vote-check'], maxTimeMs: 6_000, faultWindowMs: 4_000 }, factory);
      if (sim.violations.length > 0) failing = writeRecording('bug.jsonl', encodeRecording(recording));
    }
    expect(failing).not.toBeNull();
    const fail = await run(checkCommand, failing!, '--json');
    expect(fail.code).toBe(1);
    expect((JSON.parse(fail.out) as { violations: unknown[] }).violations.length).toBeGreaterThan(0);
  });

  it('export writes each format and never replaces an existing file without --force', async () => {
    const path = good();
    const out = join(dir, 'trace.json');
    expect((await run(exportCommand, path, '--format', 'perfetto', '--out', out)).code).toBe(0);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { traceEvents: unknown[] }).traceEvents.length).toBeGreaterThan(0);
    writeFileSync(out, 'precious');
    const again = await run(exportCommand, path, '--format', 'perfetto', '--out', out);
    expect(again.code).toBe(73);
    expect(again.err).toContain('already exists');
    expect(readFileSync(out, 'utf8')).toBe('precious');
    expect((await run(exportCommand, path, '--format', 'perfetto', '--out', out, '--force')).code).toBe(0);

    const shiviz = await run(exportCommand, path, '--format', 'shiviz');
    expect(shiviz.out.split('\n')[0]).toContain('(?<host>');
    const knossos = await run(exportCommand, path, '--format', 'history', '--flavor', 'knossos');
    expect(knossos.out).toContain(':type :invoke');
    const replayLog = await run(exportCommand, path, '--format', 'replay');
    expect(replayLog.out).toBe(readFileSync(path, 'utf8'));
    const tar = join(dir, 'all.tar');
    const archived = await run(exportCommand, path, '--format', 'archive', '--out', tar);
    expect(archived.code).toBe(0);
    expect(archived.err).toContain('no node databases');
    expect(existsSync(tar)).toBe(true);
  });

  it('export --format sqlite copies out each node database, leaving the node files untouched', async () => {
    const data = join(dir, 'data');
    const storage = await NodeStorage.open(data, 1);
    await storage.persist({ hardState: { term: 2, vote: 1, commit: 1 }, entries: [{ kind: 'noop', term: 2, index: 1 }], snapshot: null });
    await storage.close({ checkpoint: false });
    const before = readFileSync(join(data, 'node-1.journal'));
    const outDir = join(dir, 'dbs');
    const r = await run(exportCommand, good(), '--format', 'sqlite', '--data-dir', data, '--out', outDir);
    expect(r.code).toBe(0);
    const db = readFileSync(join(outDir, 'node-1.sqlite'));
    expect(db.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    expect(readFileSync(join(data, 'node-1.journal'))).toEqual(before);
    const again = await run(exportCommand, good(), '--format', 'sqlite', '--data-dir', data, '--out', outDir);
    expect(again.code).toBe(73);
  });

  it('runs through the real raft-lab command: exit codes reach the shell', () => {
    const bin = join(import.meta.dirname, '../../electron/cli/raft-lab.mjs');
    const ok = spawnSync(process.execPath, [bin, 'replay', good(), '--verify'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('zero divergences');
    const bad = writeRecording('v3.jsonl', editLine(encodeRecording(recordedRun({}, true).recording), 1, (h) => ({ ...h, version: 3 })));
    const refused = spawnSync(process.execPath, [bin, 'check', bad], { encoding: 'utf8' });
    expect(refused.status).toBe(65);
    expect(refused.stderr).toContain('line 1: unsupported recording version 3');
  });
});
