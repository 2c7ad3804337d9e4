/**
 * The command line and gzip recordings: `run` writes gzip by default (and when --out ends in
 * .gz), plain JSON Lines for any other name; `sim --out` likewise; `replay`, `check` and `export`
 * read either container (told by the file's first bytes); `export --format replay` writes the
 * text byte for byte in the container its --out name asks for (standard output: the text).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../electron/cli/commands/check';
import { exportCommand } from '../../electron/cli/commands/export';
import { replayCommand } from '../../electron/cli/commands/replay';
import { runCommand } from '../../electron/cli/commands/run';
import { simCommand } from '../../electron/cli/sim';
import type { Subcommand } from '../../electron/cli/subcommand';
import { readRecording } from '../../shared/record/read';
import { encodeRecording } from '../../shared/record/write';
import { recordedRun } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'raft-lab-cli-gzip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(cmd: Subcommand, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await cmd.run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const isGzip = (bytes: Buffer) => bytes[0] === 0x1f && bytes[1] === 0x8b;

describe('raft-lab and gzip recordings', () => {
  it('run --out x.jsonl.gz writes gzip (the data folder too); --out x.jsonl writes its text', async () => {
    const data = join(dir, 'data');
    const gz = join(dir, 'run.jsonl.gz');
    const r = await run(runCommand, '--nodes', '3', '--duration', '1500ms', '--seed', '4', '--data-dir', data, '--out', gz, '--json');
    expect(r.code, r.err).toBe(0);
    const stored = readdirSync(data).filter((n) => n.startsWith('recording-'));
    expect(stored).toEqual([expect.stringMatching(/^recording-\d+\.jsonl\.gz$/)]);
    const bytes = readFileSync(gz);
    expect(isGzip(bytes)).toBe(true);
    expect(bytes.equals(readFileSync(join(data, stored[0]!)))).toBe(true);
    const text = gunzipSync(bytes).toString('utf8');
    const recording = readRecording(text);
    expect(recording.end).not.toBeNull();

    expect((await run(replayCommand, gz, '--verify')).code).toBe(0);
    const check = await run(checkCommand, gz, '--json');
    expect(check.code, check.out).toBe(0);
    // The replay export: the text byte for byte, in the container the name asks for.
    const plain = join(dir, 'export.jsonl');
    expect((await run(exportCommand, gz, '--format', 'replay', '--out', plain)).code).toBe(0);
    expect(readFileSync(plain, 'utf8')).toBe(text);
    const again = join(dir, 'export.jsonl.gz');
    expect((await run(exportCommand, gz, '--format', 'replay', '--out', again)).code).toBe(0);
    expect(readFileSync(again).equals(bytes)).toBe(true);
    const recompressed = join(dir, 'recompressed.jsonl.gz');
    expect((await run(exportCommand, plain, '--format', 'replay', '--out', recompressed)).code).toBe(0);
    expect(gunzipSync(readFileSync(recompressed)).toString('utf8')).toBe(text);
    expect((await run(exportCommand, gz, '--format', 'replay')).out).toBe(text);
    const shiviz = await run(exportCommand, gz, '--format', 'shiviz');
    expect(shiviz.code).toBe(0);
    expect(shiviz.out.length).toBeGreaterThan(100);

    // A name without .gz: the same run's text, plain.
    const txt = join(dir, 'run-plain.jsonl');
    const p = await run(runCommand, '--nodes', '3', '--duration', '1000ms', '--seed', '4', '--out', txt, '--json');
    expect(p.code, p.err).toBe(0);
    expect(isGzip(readFileSync(txt))).toBe(false);
    expect(readRecording(readFileSync(txt, 'utf8')).header.source).toBe('lab');
  }, 120_000);

  it('sim --out writes gzip for a .gz name; a truncated gzip recording is a bad file (65) naming the cut', async () => {
    const out = join(dir, 'sim.jsonl.gz');
    const s = await run(simCommand, '--nodes', '3', '--seed', '3', '--ops', '10', '--out', out);
    expect(s.code, s.err).toBe(0);
    expect(isGzip(readFileSync(out))).toBe(true);
    expect((await run(checkCommand, out)).code).toBe(0);

    const text = encodeRecording(recordedRun({}, true).recording);
    const gz = gzipSync(text);
    const cut = join(dir, 'cut.jsonl.gz');
    writeFileSync(cut, gz.subarray(0, gz.length - 100));
    const r = await run(checkCommand, cut);
    expect(r.code).toBe(65);
    expect(r.err).toMatch(/cut\.jsonl\.gz: line \d+: the gzip stream is cut short after line \d+/);
  });
});
