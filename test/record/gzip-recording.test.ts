/**
 * Recordings stored as gzip (the lab writes them so: electron/lab/gzip-appender.ts) read through
 * the streaming file reader exactly as their text does: written in sync-flushed batches, they
 * round-trip; a file still being written (or whose writer was killed) reads as an incomplete
 * recording; damaged compressed data is a RecordingError naming what is wrong, never another
 * exception and never different records; a gzip bomb is refused by the line limit while memory
 * stays flat. Real files, real zlib.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, crc32, deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { GzipAppender } from '../../electron/lab/gzip-appender';
import { readRecordingFile, streamRecordingFile } from '../../electron/lab/recording-file';
import type { Recording } from '../../shared/record/format';
import { MAX_LINE_CHARS, readRecording, RecordingError } from '../../shared/record/read';
import { encodeRecording } from '../../shared/record/write';
import { recordedRun } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'raft-lab-gzip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = encodeRecording(recordedRun({ ops: 6, maxTimeMs: 2_000 }).recording);
const lines = text.split('\n').slice(0, -1);
const whole = readRecording(text);

let files = 0;
const fresh = (name: string) => join(dir, `${files++}-${name}`);

/** `text` written the way the lab writes it: batches of `perBatch` lines, each sync-flushed. */
async function writeGzip(path: string, perBatch: number, close = true): Promise<GzipAppender> {
  const gz = new GzipAppender(path);
  for (let i = 0; i < lines.length; i += perBatch) await gz.append(lines.slice(i, i + perBatch).join('\n') + '\n');
  if (close) await gz.close();
  return gz;
}

type Outcome = { ok: true; recording: Recording } | { ok: false; error: RecordingError };

async function read(path: string, allowIncomplete = false): Promise<Outcome> {
  try {
    return { ok: true, recording: await readRecordingFile(path, { allowIncomplete }) };
  } catch (e) {
    if (!(e instanceof RecordingError)) throw new Error(`the reader threw ${String(e)} instead of a RecordingError`);
    return { ok: false, error: e };
  }
}

/** The text a truncated gzip file holds, decoded independently of the reader (zlib in one call). */
function textOfPrefix(bytes: Uint8Array): string {
  try {
    return gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
  } catch {
    return '';
  }
}

describe('gzip recordings', () => {
  it('a gzip recording written in sync-flushed batches reads back as the same recording as its text', async () => {
    const path = fresh('run.jsonl.gz');
    await writeGzip(path, 40);
    expect(gunzipSync(readFileSync(path)).toString('utf8')).toBe(text);
    const got = await read(path);
    expect(got.ok ? got.recording : got.error.message).toEqual(whole);
    // The container is told by its first bytes, not its name; plain text still reads as before.
    const renamed = fresh('run.jsonl');
    writeFileSync(renamed, readFileSync(path));
    expect(await readRecordingFile(renamed)).toEqual(whole);
    const plain = fresh('plain.jsonl.gz');
    writeFileSync(plain, text);
    expect(await readRecordingFile(plain)).toEqual(whole);
  });

  it('a recording being written reads back after every batch as an incomplete recording, and as cut short without allowIncomplete', async () => {
    const path = fresh('live.jsonl.gz');
    const gz = new GzipAppender(path);
    const perBatch = 25;
    for (let i = 0; i < lines.length; i += perBatch) {
      await gz.append(lines.slice(i, i + perBatch).join('\n') + '\n');
      const upTo = Math.min(lines.length, i + perBatch);
      const got = await readRecordingFile(path, { allowIncomplete: true });
      const hasEnd = upTo === lines.length;
      expect(got.records).toEqual(whole.records.slice(0, upTo - (hasEnd ? 2 : 1)));
      // No trailer yet: without allowIncomplete, the stream is cut short, after the last line written.
      await expect(readRecordingFile(path)).rejects.toThrow(new RegExp(`^line ${upTo + 1}: the gzip stream is cut short after line ${upTo} \\(offset \\d+ of the decompressed text\\)`));
    }
    await gz.close();
    expect(await readRecordingFile(path)).toEqual(whole);
    // Never replaces an existing file: the first append fails, and so does every later one.
    const again = new GzipAppender(path);
    await expect(again.append('x\n')).rejects.toThrow(/EEXIST/);
    await expect(again.append('y\n')).rejects.toThrow(/EEXIST/);
    await again.close();
    expect(await readRecordingFile(path)).toEqual(whole);
  });

  it('a cut inside a line keeps only the lines before it (allowIncomplete), and a stream cut before its first line is named', async () => {
    const path = fresh('cut.jsonl.gz');
    await writeGzip(path, 1_000_000);
    const bytes = readFileSync(path);
    const cut = fresh('cut-mid.jsonl.gz');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const prefix = textOfPrefix(bytes.subarray(0, Math.floor(bytes.length / 2)));
    const completeLines = prefix.split('\n').length - 1;
    expect(prefix.endsWith('\n')).toBe(false);
    const got = await readRecordingFile(cut, { allowIncomplete: true });
    expect(got.end).toBeNull();
    expect(got.records).toEqual(whole.records.slice(0, completeLines - 1));
    const header = fresh('cut-header.jsonl.gz');
    writeFileSync(header, bytes.subarray(0, 12));
    await expect(readRecordingFile(header, { allowIncomplete: true })).rejects.toThrow('the gzip stream is cut short before the end of its first line');
    await expect(readRecordingFile(header)).rejects.toThrow(/^line 1: the gzip stream is cut short after line 0/);
  });

  it('damage is named: a wrong checksum, undecodable data, bytes after the stream, text that is not UTF-8', async () => {
    const path = fresh('whole.jsonl.gz');
    await writeGzip(path, 50);
    const bytes = readFileSync(path);
    const crc = Buffer.from(bytes);
    crc[crc.length - 6]! ^= 0x01;
    await expectError(crc, /^the gzip data is damaged: the decompressed text does not match the stream's checksum \(incorrect data check\)/);
    const size = Buffer.from(bytes);
    size[size.length - 1]! ^= 0x01;
    await expectError(size, /does not match the stream's checksum \(incorrect length check\)/);
    await expectError(Buffer.concat([bytes, Buffer.from('trailing')]), /^line \d+: the gzip data is damaged after line \d+ \(offset \d+ of the decompressed text\): incorrect header check/);
    const header = Buffer.from(bytes);
    header[2] = 7; // compression method: only 8 (deflate) exists
    await expectError(header, /^line 1: the gzip data is damaged after line 0 \(offset 0 of the decompressed text\): /);
    // Text that is not UTF-8 inside a valid stream: the offset is the decompressed text's.
    const second = text.indexOf('\n') + 1;
    const bad = Buffer.from(text, 'utf8');
    bad[second + 3] = 0xff;
    await expectError(gzipSync(bad), new RegExp(`^line 2: not valid UTF-8: byte 0xff at offset ${second + 3} of the decompressed text \\(offset 3 in this line\\)`));
  });

  it('random truncations and byte flips: the same records, a prefix of complete lines (truncated, allowIncomplete), or a RecordingError', async () => {
    const path = fresh('damage.jsonl.gz');
    await writeGzip(path, 30);
    const bytes = readFileSync(path);
    const damage = fc.oneof(
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat({ max: bytes.length - 1 }), allowIncomplete: fc.boolean() }),
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat({ max: bytes.length - 1 }), bit: fc.integer({ min: 0, max: 7 }), allowIncomplete: fc.boolean() }),
    );
    let changed = 0;
    await fc.assert(
      fc.asyncProperty(damage, async (d) => {
        const damaged = d.kind === 'cut' ? bytes.subarray(0, d.at) : Buffer.from(bytes);
        if (d.kind === 'flip') damaged[d.at]! ^= 1 << d.bit;
        const file = fresh('damaged.jsonl.gz');
        writeFileSync(file, damaged);
        const got = await read(file, d.allowIncomplete);
        rmSync(file);
        if (!got.ok) {
          expect(got.error.message.length).toBeGreaterThan(10);
          return;
        }
        if (d.kind === 'flip' && !d.allowIncomplete) {
          // A flip that zlib does not see (a header byte it ignores, e.g. the time) changes nothing.
          expect(got.recording).toEqual(whole);
          return;
        }
        if (d.kind === 'flip') {
          // Read as incomplete, a flip that makes the stream look cut short may give fewer records, never other ones.
          expect(got.recording.header).toEqual(whole.header);
          expect(got.recording.records).toEqual(whole.records.slice(0, got.recording.records.length));
          expect([whole.end, null]).toContainEqual(got.recording.end);
          return;
        }
        // A cut is only accepted as incomplete: exactly the complete lines zlib can decode before it.
        expect(d.allowIncomplete).toBe(true);
        const prefix = textOfPrefix(damaged);
        const complete = prefix.split('\n').length - 1;
        expect(got.recording.header).toEqual(whole.header);
        const endSeen = complete === lines.length;
        expect(got.recording.records).toEqual(whole.records.slice(0, endSeen ? whole.records.length : complete - 1));
        expect(got.recording.end).toEqual(endSeen ? whole.end : null);
        changed++;
      }),
      { numRuns: 150, seed: 20261204 },
    );
    expect(changed).toBeGreaterThan(0);
  });

  it('a gzip bomb (a 1 GiB line of one repeated byte in a 1 MiB file) is refused by the line limit while memory stays flat', async () => {
    const path = fresh('bomb.jsonl.gz');
    const mib = Buffer.alloc(1 << 20, 0x61);
    // One sync-flushed deflate block for 1 MiB of "a", repeated: a valid stream of 1 GiB of text.
    const block = deflateRawSync(mib, { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
    const headerLine = Buffer.from(`${lines[0]}\n`, 'utf8');
    let crc = crc32(headerLine);
    const blocks: Buffer[] = [];
    for (let i = 0; i < 1024; i++) {
      blocks.push(block);
      crc = crc32(mib, crc);
    }
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc >>> 0, 0);
    trailer.writeUInt32LE((headerLine.length + 1024 * mib.length) >>> 0, 4);
    const gzipHeader = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    writeFileSync(path, Buffer.concat([gzipHeader, deflateRawSync(headerLine, { finishFlush: constants.Z_SYNC_FLUSH }), ...blocks, Buffer.from([0x03, 0x00]), trailer]));
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const items = streamRecordingFile(path);
      await expect((async () => { for await (const _ of items) void _; })()).rejects.toThrow(new RegExp(`^line 2: line is longer than ${MAX_LINE_CHARS * 3} bytes`));
    } finally {
      clearInterval(sampler);
    }
    // The line limit is 48 MiB of bytes; the text is 1 GiB.
    expect(peak - before).toBeLessThan(400 * 1024 * 1024);
  });
});

/** Reading `bytes` fails with `message`, with or without allowIncomplete (only a cut is incomplete). */
async function expectError(bytes: Uint8Array, message: RegExp): Promise<void> {
  const path = fresh('bad.jsonl.gz');
  writeFileSync(path, bytes);
  for (const allowIncomplete of [false, true]) {
    const got = await read(path, allowIncomplete);
    expect(got.ok ? 'read without an error' : got.error.message).toMatch(message);
  }
}
