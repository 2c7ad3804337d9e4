/**
 * The command line under hostile arguments and files, run as a child process exactly as a user
 * runs it: out-of-range numbers, data folders that are files, unreadable or already hold a
 * cluster, unwritable outputs, recordings with bytes that are not UTF-8. Every refusal is a
 * one-line message with the documented exit code, never a stack trace, and is made before any
 * node starts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRecording } from '../../shared/record/write';
import { recordedRun } from './fixtures';

const BIN = fileURLToPath(new URL('../../electron/cli/raft-lab.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'raft-lab-cli-hard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function raftLab(args: readonly string[], timeoutMs = 120_000): { code: number | null; out: string; err: string; ms: number } {
  const started = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - started };
}

/** A refusal: the code, one clear message, no stack trace, nothing started. */
function expectRefusal(r: { code: number | null; out: string; err: string }, code: number, message: RegExp): void {
  expect(r.code, r.err).toBe(code);
  expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.err).not.toContain('cluster of');
}

describe('raft-lab run: every argument is checked before anything starts', () => {
  it('out-of-range and malformed seeds are usage errors (64), not stack traces', () => {
    for (const seed of ['4294967296', '-1', '1e3', '99999999999999999999', '0x10']) {
      const out = join(dir, `seed-${seed}.jsonl`);
      expectRefusal(raftLab(['run', '--seed', seed, '--duration', '100ms', '--out', out]), 64, /--seed/);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('a --data-dir that is a file, or a folder it cannot write, is refused (64) naming the folder', () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'not a folder');
    expectRefusal(raftLab(['run', '--duration', '100ms', '--data-dir', file, '--out', join(dir, 'df.jsonl')]), 64, /--data-dir .*plain-file.* is not a folder/);
    expect(readFileSync(file, 'utf8')).toBe('not a folder');
    expectRefusal(raftLab(['run', '--duration', '100ms', '--data-dir', '/proc/self', '--out', join(dir, 'proc.jsonl')]), 64, /--data-dir \/proc\/self.*cannot write/);
    expectRefusal(raftLab(['run', '--duration', '100ms', '--data-dir', join(file, 'sub'), '--out', join(dir, 'sub.jsonl')]), 64, /--data-dir/);
    // Node's recursive mkdir never returns for this one; it must be a refusal, not a hang.
    expectRefusal(raftLab(['run', '--duration', '100ms', '--data-dir', '/proc/self/lab', '--out', join(dir, 'proc-sub.jsonl')], 30_000), 64, /--data-dir \/proc\/self\/lab: cannot create it/);
    expect(existsSync(join(dir, 'df.jsonl')) || existsSync(join(dir, 'proc.jsonl')) || existsSync(join(dir, 'sub.jsonl'))).toBe(false);
  });

  it('an unwritable --out is found first, before the run (73), not after it', () => {
    const r = raftLab(['run', '--duration', '20s', '--out', join(dir, 'no-such-folder', 'run.jsonl')]);
    expectRefusal(r, 73, /no-such-folder.*cannot create/);
    expect(r.ms).toBeLessThan(15_000);
    const r2 = raftLab(['run', '--duration', '20s', '--out', '/proc/self/run.jsonl']);
    expectRefusal(r2, 73, /cannot create/);
  });

  it('export checks --out before reading anything: an unwritable output folder is 73 even when the data folder is empty', () => {
    const recording = join(dir, 'for-export.jsonl');
    writeFileSync(recording, encodeRecording(recordedRun({}, true).recording));
    const empty = join(dir, 'empty-data');
    mkdirSync(empty);
    expectRefusal(raftLab(['export', recording, '--format', 'sqlite', '--data-dir', empty, '--out', '/proc/self/dbs']), 73, /\/proc\/self\/dbs: cannot write files there/);
    const missing = join(dir, 'nowhere', 'x.trace.json');
    expectRefusal(raftLab(['export', recording, '--format', 'perfetto', '--out', missing]), 73, /cannot create \(ENOENT\)/);
    // A bad recording with a good --out: the reserved output is removed again.
    const out = join(dir, 'never.trace.json');
    writeFileSync(join(dir, 'broken.jsonl'), '{"kind":"header"\n');
    expectRefusal(raftLab(['export', join(dir, 'broken.jsonl'), '--format', 'perfetto', '--out', out]), 65, /line 1/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('raft-lab run: a data folder that already holds a cluster', () => {
  it('the second run into the same --data-dir is refused, saying what is there and how to discard it; the first run\'s files are untouched', () => {
    const data = join(dir, 'reused');
    const first = raftLab(['run', '--nodes', '3', '--duration', '1500ms', '--seed', '2', '--data-dir', data, '--out', join(dir, 'first.jsonl'), '--json']);
    expect(first.code, first.err).toBe(0);
    const before = readdirSync(data).sort();
    expect(before).toEqual(expect.arrayContaining(['node-1.sqlite', 'node-2.sqlite', 'node-3.sqlite']));
    const snapshot = new Map(before.map((f) => [f, readFileSync(join(data, f))]));
    const second = raftLab(['run', '--nodes', '3', '--duration', '1500ms', '--seed', '2', '--data-dir', data, '--out', join(dir, 'second.jsonl')]);
    expectRefusal(second, 64, /already holds a cluster/);
    expect(second.err).toContain('node-1.sqlite');
    expect(second.err).toMatch(/recording-\d+\.jsonl\.gz/);
    expect(second.err).toMatch(/delete|remove/);
    expect(existsSync(join(dir, 'second.jsonl'))).toBe(false);
    expect(readdirSync(data).sort()).toEqual(before);
    for (const [f, bytes] of snapshot) expect(readFileSync(join(data, f)).equals(bytes), f).toBe(true);
  }, 120_000);
});

/** A valid recording with one byte inside a string replaced by 0xFF (not UTF-8). */
function recordingWithBadByte(): { path: string; line: number; offset: number } {
  const text = encodeRecording(recordedRun({}, true).recording);
  const lines = text.split('\n');
  const line = 5;
  const at = lines[line - 1]!.indexOf('"kind"') + 2; // the 'k' of kind: inside a JSON string
  const offset = Buffer.byteLength(lines.slice(0, line - 1).join('\n') + '\n') + at;
  const bytes = Buffer.from(text, 'utf8');
  bytes[offset] = 0xff;
  const path = join(dir, 'bad-utf8.jsonl');
  writeFileSync(path, bytes);
  return { path, line, offset };
}

describe('recordings that are not UTF-8', () => {
  it('replay, check and export refuse it (65) naming the line and the byte offset; export writes nothing', () => {
    const { path, line, offset } = recordingWithBadByte();
    const message = new RegExp(`line ${line}: not valid UTF-8: byte 0xff at file offset ${offset} `);
    expectRefusal(raftLab(['replay', path, '--verify']), 65, message);
    expectRefusal(raftLab(['check', path]), 65, message);
    const out = join(dir, 'bad-utf8-copy.jsonl');
    expectRefusal(raftLab(['export', path, '--format', 'replay', '--out', out]), 65, message);
    expect(existsSync(out)).toBe(false);
  });

  it('export --format replay writes the file byte for byte as it was read', () => {
    const path = join(dir, 'unicode.jsonl');
    const recording = recordedRun({}, true).recording;
    const withNote = { ...recording, records: [...recording.records, { line: 0, record: { kind: 'note' as const, wallMs: 1, text: 'crash 节点 2 — ünïcödé ✓ 😀' } }] };
    const text = encodeRecording({ ...withNote, end: recording.end === null ? null : { ...recording.end, records: withNote.records.length } });
    writeFileSync(path, text);
    const out = join(dir, 'unicode-copy.jsonl');
    const r = raftLab(['export', path, '--format', 'replay', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(out).equals(readFileSync(path))).toBe(true);
  });
});

describe('large recordings are streamed', () => {
  it('check reads a file larger than the longest string the runtime can hold (over 512 MiB)', async () => {
    // 36 lines of 15 MiB: valid JSON (a note padded with whitespace), 540 MiB in all.
    const big = join(dir, 'big');
    mkdirSync(big);
    const path = join(big, 'big.jsonl');
    const { header } = recordedRun({}, true).recording;
    const pad = Buffer.alloc(15 * 1024 * 1024, 0x20);
    const lines = 36;
    const { createWriteStream } = await import('node:fs');
    const stream = createWriteStream(path);
    const write = (chunk: string | Buffer) => new Promise<void>((resolve, reject) => stream.write(chunk, (e) => (e ? reject(e) : resolve())));
    await write(JSON.stringify({ ...header, cluster: { ...header.cluster, nodes: [] } }) + '\n');
    for (let i = 0; i < lines; i++) {
      await write(`{"kind":"note","wallMs":${i},"text":"padding ${i}"}`);
      await write(pad);
      await write('\n');
    }
    await write(`{"kind":"end","wallMs":99,"records":${lines}}\n`);
    await new Promise<void>((resolve) => stream.end(resolve));
    const child = spawn(process.execPath, [BIN, 'check', path, '--json'], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    rmSync(big, { recursive: true, force: true });
    expect(code, err).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true });
  }, 180_000);
});

describe('raft-lab run keeps long runs bounded', () => {
  it('compacts by default, so a restart carries the snapshot and the entries after it, not the whole log', () => {
    const help = raftLab(['run', '--help']);
    expect(help.out).toMatch(/--snapshot-every N .*\[1000\]/);
    const out = join(dir, 'compacting.jsonl');
    // A short run reaches no 1,000 entries: compact every 10 to see it happen.
    const r = raftLab(['run', '--nodes', '3', '--duration', '3s', '--faults', 'crash', '--seed', '4', '--snapshot-every', '10', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out) as { snapshotEvery: number; load: { recordingMBPerSec: number; rssMB: { early: number; late: number } } };
    expect(summary.snapshotEvery).toBe(10);
    expect(summary.load.recordingMBPerSec).toBeGreaterThan(0);
    const records = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { kind: string; input?: { type: string }; mode?: { type: string; persisted?: { entries: unknown[]; snapshot: { meta: { index: number } } | null } } });
    expect(records.filter((x) => x.kind === 'input' && x.input?.type === 'compact').length).toBeGreaterThan(0);
    const restores = records.filter((x) => x.kind === 'start' && x.mode?.type === 'restore');
    expect(restores.length).toBeGreaterThan(0);
    for (const x of restores) expect(x.mode!.persisted!.entries.length).toBeLessThan(10 + 64);
  }, 120_000);
});
