import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../electron/cli/commands/export';
import { parseDuration, runCommand } from '../../electron/cli/commands/run';
import { RawNode } from '../../shared/raft/raw-node';
import { readRecording } from '../../shared/record/read';
import { replayRecording } from '../../shared/record/replay';

const dir = mkdtempSync(join(tmpdir(), 'raft-lab-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCommand.run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('raft-lab run', () => {
  it('runs a real cluster under crashes and partitions, writes a recording that replays with zero divergences', async () => {
    const file = join(dir, 'run.jsonl');
    const r = await run('--nodes', '3', '--duration', '2500ms', '--faults', 'crash,partition,loss', '--seed', '3', '--out', file, '--json');
    const summary = JSON.parse(r.out) as { passed: boolean; opsOk: number; replay: { ok: boolean }; injected: string[] };
    expect(r.code).toBe(0);
    expect(summary.passed).toBe(true);
    expect(summary.opsOk).toBeGreaterThan(0);
    expect(summary.injected.length).toBeGreaterThan(0);
    const recording = readRecording(readFileSync(file, 'utf8'));
    expect(recording.header.source).toBe('lab');
    expect(replayRecording(recording, RawNode).ok).toBe(true);
  }, 120_000);

  it('refuses bad arguments and an existing output before starting anything', async () => {
    await expect(run('--nodes', '0')).rejects.toThrow('--nodes must be 1 to 9, got 0');
    await expect(run('--faults', 'meteor')).rejects.toThrow(/unknown fault "meteor"/);
    await expect(run('--duration', 'soon')).rejects.toThrow(/--duration must look like/);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2m')).toBe(120_000);
    const existing = join(dir, 'keep.jsonl');
    writeFileSync(existing, 'mine');
    const r = await run('--duration', '1s', '--out', existing);
    expect(r.code).toBe(73);
    expect(readFileSync(existing, 'utf8')).toBe('mine');
  });

  it('--data-dir into a folder that does not exist yet: creates it, keeps the node files, and the archive export includes every database', async () => {
    const data = join(dir, 'new', 'lab-data');
    const file = join(dir, 'kept.jsonl');
    const r = await run('--nodes', '3', '--duration', '1500ms', '--seed', '5', '--data-dir', data, '--out', file, '--json');
    expect(r.code).toBe(0);
    expect(readdirSync(data).filter((f) => /^node-\d\.sqlite$/.test(f)).sort()).toEqual(['node-1.sqlite', 'node-2.sqlite', 'node-3.sqlite']);
    const tar = join(dir, 'kept.tar');
    let err = '';
    const code = await exportCommand.run([file, '--format', 'archive', '--out', tar], { out: () => undefined, err: (s) => (err += s) });
    expect(code, err).toBe(0);
    expect(err).toContain(`wrote ${tar}`);
    const members = execFileSync('tar', ['-tf', tar], { encoding: 'utf8' });
    for (const n of [1, 2, 3]) expect(members).toContain(`node-${n}.sqlite`);
  }, 120_000);
});

