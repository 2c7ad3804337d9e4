/**
 * Every export is written in pieces, never as one string or buffer (a long run's export is past
 * the longest string the runtime can hold). The pieces must make exactly the file the old
 * whole-string exporters made (kept in ./reference as the tests' reference only), each piece must
 * stay small, and both writers (the lab's, the command line's) must write that file. A recording
 * whose text is larger than a write's gathering size (1 MiB) shows that no whole-text path is
 * left; a recording that is still being written (its last line half there) exports as far as it
 * was flushed, closed by an end record.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main';
import { writeChunksToNewFile, type Chunk } from '../../electron/lab/chunk-writer';
import { exportFileName, recordingStem } from '../../electron/lab/export-names';
import { exportChunks, type StreamedFormat } from '../../electron/lab/export-stream';
import type { RecordingSource } from '../../electron/lab/recording-source';
import { archiveFileNames } from '../../shared/record/export-archive';
import { perfettoChunks, perfettoTrace } from '../../shared/record/export-perfetto';
import { shivizChunks, shivizLines } from '../../shared/record/export-shiviz';
import type { Recording } from '../../shared/record/format';
import { readRecording } from '../../shared/record/read';
import { TAR_END, tarHeader, tarPadding, utf8 } from '../../shared/record/tar';
import { encodeRecord, encodeRecording } from '../../shared/record/write';
import { recordedRun } from './fixtures';
import { exportArchive } from './reference/export-archive';
import { exportHistory } from './reference/export-history';
import { buildTar } from './reference/tar';
import { exportShiViz } from './reference/whole-text';

const small = recordedRun({}, true).recording;
const large = recordedRun({ ops: 150, maxTimeMs: 30_000 }, true).recording;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'raft-lab-export-streamed-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function recordingFile(name: string, recording: Recording): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, encodeRecording(recording));
  return path;
}

async function collect(chunks: AsyncIterable<Chunk>): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

function bytesOf(chunks: readonly Chunk[]): Buffer {
  return Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c))));
}

const whole = (source: string): RecordingSource => ({ path: source, records: null, allowIncomplete: false });

describe('streamed exports are the old whole-string exports, in small pieces', () => {
  it('perfetto: the pieces make exactly JSON.stringify of the trace, one event a piece', () => {
    const chunks = [...perfettoChunks(small)];
    const trace = perfettoTrace(small);
    expect(chunks.join('')).toBe(JSON.stringify(trace));
    expect(chunks.length).toBe(trace.traceEvents.length + 2);
    const longestEvent = Math.max(...trace.traceEvents.map((e) => JSON.stringify(e).length)) + 1;
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(Math.max(longestEvent, 200));
  });

  it('shiviz: the pieces are the header and one line each', () => {
    const chunks = [...shivizChunks(small)];
    expect(chunks.length).toBe(shivizLines(small).length + 1);
    expect(chunks.slice(1).every((c) => c.endsWith('\n') && c.indexOf('\n') === c.length - 1)).toBe(true);
  });

  it('every text format, read from a recording file larger than a write gathers, is byte for byte the old export, a line or an operation a piece', async () => {
    const text = encodeRecording(large);
    expect(Buffer.byteLength(text)).toBeGreaterThan(1 << 20);
    const file = await recordingFile('large.jsonl', large);
    const history = exportHistory(large);
    const expected: [StreamedFormat, string][] = [
      [{ kind: 'replay' }, text],
      [{ kind: 'shiviz' }, exportShiViz(large)],
      [{ kind: 'perfetto' }, JSON.stringify(perfettoTrace(large))],
      [{ kind: 'history', flavor: 'porcupine' }, history.porcupine],
      [{ kind: 'history', flavor: 'knossos' }, history.knossos],
    ];
    const longestLine = Math.max(...text.split('\n').map((l) => l.length));
    for (const [format, reference] of expected) {
      const chunks = await collect(exportChunks(whole(file), format));
      expect(bytesOf(chunks).equals(Buffer.from(reference, 'utf8')), format.kind).toBe(true);
      expect(chunks.length, format.kind).toBeGreaterThan(10);
      // No piece is the file: each is at most about one line of the recording.
      expect(Math.max(...chunks.map((c) => c.length)), format.kind).toBeLessThan(Math.max(longestLine * 2, 4096));
      // And the file writer (several 1 MiB writes for the replay log) writes exactly the same bytes.
      const out = join(dir, `large-${format.kind}-${format.kind === 'history' ? format.flavor : ''}`);
      await writeChunksToNewFile(out, exportChunks(whole(file), format));
      expect((await readFile(out)).equals(Buffer.from(reference, 'utf8')), format.kind).toBe(true);
    }
  });

  it('a gzip recording (as the lab stores each run) exports the same text', async () => {
    const file = join(dir, 'recording-1700000000000.jsonl.gz');
    await writeFile(file, gzipSync(encodeRecording(small)));
    expect(bytesOf(await collect(exportChunks(whole(file), { kind: 'replay' }))).toString('utf8')).toBe(encodeRecording(small));
    expect(bytesOf(await collect(exportChunks(whole(file), { kind: 'history', flavor: 'knossos' }))).toString('utf8')).toBe(exportHistory(small).knossos);
  });

  it('names its exports after the recording file, without .jsonl or .jsonl.gz', () => {
    expect(recordingStem('/x/recording-1700000000000.jsonl.gz')).toBe('recording-1700000000000');
    expect(recordingStem('/x/recording-5.jsonl')).toBe('recording-5');
    expect(exportFileName('recording-5', { kind: 'archive' })).toEqual({ fileName: 'recording-5.tar', mimeType: 'application/x-tar' });
    expect(exportFileName('recording-5', { kind: 'sqlite', node: 2 }).fileName).toBe('recording-5-node-2.sqlite');
  });
});

describe('a recording that is still being written', () => {
  it('exports as far as the given record count, closed by an end record, ignoring a half-written last line', async () => {
    const n = 40;
    const lines = encodeRecording(small).split('\n');
    // The header, n records, then half of the next line (a write in progress), no end record.
    const partial = `${lines.slice(0, n + 1).join('\n')}\n${lines[n + 1]!.slice(0, 30)}`;
    const file = join(dir, 'growing.jsonl');
    await writeFile(file, partial);
    const source: RecordingSource = { path: file, records: n, allowIncomplete: true, endWallMs: 123 };
    const text = bytesOf(await collect(exportChunks(source, { kind: 'replay' }))).toString('utf8');
    const back = readRecording(text);
    expect(back.records).toHaveLength(n);
    expect(back.end).toEqual({ kind: 'end', wallMs: 123, records: n });
    expect(text).toBe(`${lines.slice(0, n + 1).join('\n')}\n${encodeRecord({ kind: 'end', wallMs: 123, records: n })}\n`);
    // The archive's members all come from that same cut.
    const tar = join(dir, 'growing.tar');
    await writeChunksToNewFile(tar, exportChunks(source, { kind: 'archive' }));
    expect(execFileSync('tar', ['-xOf', tar, 'raft-lab-export/recording.jsonl'], { encoding: 'utf8' })).toBe(text);
  });
});

describe('archive, written member by member', () => {
  const databases = [1, 2, 3].map((node) => ({ node, bytes: Uint8Array.from({ length: 700 + node * 300 }, (_, i) => (i * node) & 0xff) }));
  const withDatabases = (into: string[]) => async (dbDir: string, nodes: readonly number[]) => {
    into.push(...nodes.map(String));
    return Promise.all(databases.map(async (db) => {
      const path = join(dbDir, `db-${db.node}`);
      await writeFile(path, db.bytes);
      return { node: db.node, path };
    }));
  };

  it('is byte for byte the old one-buffer archive, and the system tar lists and extracts it', async () => {
    const file = await recordingFile('archive-source.jsonl', small);
    const scratchRoot = join(dir, 'scratch');
    await mkdir(scratchRoot);
    const named: string[] = [];
    const chunks = await collect(exportChunks(whole(file), { kind: 'archive' }, { databases: withDatabases(named), scratchRoot }));
    expect(named).toEqual(['1', '2', '3']);
    const streamed = bytesOf(chunks);
    expect(streamed.equals(Buffer.from(exportArchive({ recording: small, databases })))).toBe(true);
    // No piece is the archive: headers, file pieces, padding.
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(1 << 20);
    expect(await readdir(scratchRoot)).toEqual([]);

    const tar = join(dir, 'export.tar');
    await writeChunksToNewFile(tar, exportChunks(whole(file), { kind: 'archive' }, { databases: withDatabases([]) }));
    expect(execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).trim().split('\n')).toEqual(archiveFileNames('raft-lab-export', [1, 2, 3]));
    expect(execFileSync('tar', ['-xOf', tar, 'raft-lab-export/recording.jsonl'], { encoding: 'utf8' })).toBe(encodeRecording(small));
    expect(execFileSync('tar', ['-xOf', tar, 'raft-lab-export/node-2.sqlite']).equals(Buffer.from(databases[1]!.bytes))).toBe(true);
    expect(() => JSON.parse(execFileSync('tar', ['-xOf', tar, 'raft-lab-export/trace.json'], { encoding: 'utf8' })) as unknown).not.toThrow();
    expect(execFileSync('tar', ['-xOf', tar, 'raft-lab-export/shiviz.log'], { encoding: 'utf8' })).toBe(exportShiViz(small));
  });

  it('removes its scratch folder when the reader stops early', async () => {
    const file = await recordingFile('abandoned.jsonl', small);
    const scratchRoot = join(dir, 'scratch-abandoned');
    await mkdir(scratchRoot);
    const chunks = exportChunks(whole(file), { kind: 'archive' }, { scratchRoot });
    const first = await chunks.next();
    expect(first.done).toBe(false);
    expect((await readdir(scratchRoot)).length).toBe(1);
    await chunks.return(undefined);
    expect(await readdir(scratchRoot)).toEqual([]);
  });

  it('tar pieces: the same bytes as the one-buffer writer, UTF-8 content, names tar cannot hold refused', () => {
    const body = utf8('Raft — 選挙 🗳');
    const entry = { name: 'a/notes.txt', size: body.length, mtimeSec: 1_700_000_000 };
    const pieces = Buffer.concat([tarHeader(entry), body, tarPadding(body.length), TAR_END]);
    expect(pieces.equals(Buffer.from(buildTar([{ name: entry.name, bytes: body, mtimeSec: entry.mtimeSec }])))).toBe(true);
    expect(tarPadding(512)).toHaveLength(0);
    expect(tarPadding(513)).toHaveLength(511);
    expect(() => tarHeader({ name: 'x'.repeat(101), size: 0, mtimeSec: 0 })).toThrow(/at most 100 bytes/);
    expect(() => tarHeader({ name: 'a', size: -1, mtimeSec: 0 })).toThrow(/not a byte count/);
  });
});

describe('raft-lab export writes the same files', () => {
  const quiet = (): void => undefined;

  it('shiviz, perfetto, both histories and the archive (no data folder: no databases)', async () => {
    const file = await recordingFile('run.jsonl', small);
    const out = (name: string) => join(dir, `cli-${name}`);
    const history = exportHistory(small);
    expect(await main(['export', file, '--format', 'perfetto', '--out', out('trace.json')], quiet, quiet)).toBe(0);
    expect(await main(['export', file, '--format', 'shiviz', '--out', out('shiviz.log')], quiet, quiet)).toBe(0);
    expect(await main(['export', file, '--format', 'history', '--out', out('h.json')], quiet, quiet)).toBe(0);
    expect(await main(['export', file, '--format', 'history', '--flavor', 'knossos', '--out', out('h.edn')], quiet, quiet)).toBe(0);
    const err: string[] = [];
    expect(await main(['export', file, '--format', 'archive', '--out', out('all.tar')], quiet, (t) => err.push(t))).toBe(0);
    expect(err.join('')).toContain('no data folder known');
    expect(await readFile(out('trace.json'), 'utf8')).toBe(JSON.stringify(perfettoTrace(small)));
    expect(await readFile(out('shiviz.log'), 'utf8')).toBe(exportShiViz(small));
    expect(await readFile(out('h.json'), 'utf8')).toBe(history.porcupine);
    expect(await readFile(out('h.edn'), 'utf8')).toBe(history.knossos);
    expect((await readFile(out('all.tar'))).equals(Buffer.from(exportArchive({ recording: small, databases: [] })))).toBe(true);
  });

  it('to standard output in pieces; an existing --out is kept without --force and replaced with it', async () => {
    const file = await recordingFile('run-stdout.jsonl', small);
    const pieces: string[] = [];
    expect(await main(['export', file, '--format', 'history', '--flavor', 'knossos'], (t) => pieces.push(t), quiet)).toBe(0);
    expect(pieces.join('')).toBe(exportHistory(small).knossos);
    expect(pieces.length).toBeGreaterThan(10);

    const taken = join(dir, 'taken.json');
    await writeFile(taken, 'keep me');
    const err: string[] = [];
    expect(await main(['export', file, '--format', 'history', '--out', taken], quiet, (t) => err.push(t))).toBe(73);
    expect(err.join('')).toMatch(/already exists/);
    expect(await readFile(taken, 'utf8')).toBe('keep me');
    expect(await main(['export', file, '--format', 'history', '--out', taken, '--force'], quiet, quiet)).toBe(0);
    expect(await readFile(taken, 'utf8')).toBe(exportHistory(small).porcupine);
    // A bad recording with --force leaves the file as it was: nothing is opened before the recording is read.
    const broken = join(dir, 'broken.jsonl');
    await writeFile(broken, `${encodeRecording(small).split('\n').slice(0, 5).join('\n')}\n{"kind":"note"}\n`);
    expect(await main(['export', broken, '--format', 'history', '--out', taken, '--force'], quiet, quiet)).toBe(65);
    expect(await readFile(taken, 'utf8')).toBe(exportHistory(small).porcupine);
  });
});
