/**
 * The streaming recording reader (electron/lab/recording-file.ts) against hostile bytes: random
 * truncations, inserted and replaced bytes (including ones that are not UTF-8), random lines.
 * Every outcome is either the same recording the string reader gives for the same text, or a
 * RecordingError naming the line (and, for text that is not UTF-8, the exact byte offset);
 * never another exception, never repaired text. Bounded runs, so the suite stays quick.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRecordingFile } from '../../electron/lab/recording-file';
import { ByteLines } from '../../shared/record/byte-lines';
import type { Recording } from '../../shared/record/format';
import { readRecording, RecordingError } from '../../shared/record/read';
import { firstInvalidUtf8 } from '../../shared/record/utf8';
import { encodeRecording } from '../../shared/record/write';
import { recordedRun } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'raft-lab-read-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const small = Buffer.from(encodeRecording(recordedRun({ ops: 4, maxTimeMs: 1_500 }).recording), 'utf8');

type Outcome = { ok: true; recording: Recording } | { ok: false; error: RecordingError };

async function readBytes(bytes: Uint8Array, name: string): Promise<Outcome> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  try {
    return { ok: true, recording: await readRecordingFile(path) };
  } catch (e) {
    if (!(e instanceof RecordingError)) throw new Error(`the file reader threw ${String(e)} instead of a RecordingError`);
    return { ok: false, error: e };
  } finally {
    rmSync(path, { force: true });
  }
}

function readText(text: string): Outcome {
  try {
    return { ok: true, recording: readRecording(text) };
  } catch (e) {
    if (!(e instanceof RecordingError)) throw e;
    return { ok: false, error: e };
  }
}

/** Where `bytes` has its first byte that is not UTF-8: [1-based line, file offset], or null. */
function firstBadByte(bytes: Uint8Array): [number, number] | null {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      const at = firstInvalidUtf8(bytes.subarray(start, i));
      if (at >= 0) return [line, start + at];
      line++;
      start = i + 1;
    }
  }
  return null;
}

/** The file reader agrees with the string reader on UTF-8 text, and names the spot otherwise. */
async function expectSameVerdict(bytes: Uint8Array, name: string): Promise<void> {
  const got = await readBytes(bytes, name);
  const bad = firstBadByte(bytes);
  if (bad !== null) {
    // Lines before the bad one may already be refused for another reason (the reader stops at the first problem).
    expect(got.ok).toBe(false);
    if (!got.ok && got.error.problem.startsWith('not valid UTF-8')) {
      expect(got.error.line).toBe(bad[0]);
      expect(got.error.problem).toContain(`at file offset ${bad[1]} `);
    } else if (!got.ok) {
      expect(got.error.line).not.toBeNull();
      expect(got.error.line!).toBeLessThanOrEqual(bad[0]);
    }
    return;
  }
  const want = readText(Buffer.from(bytes).toString('utf8'));
  if (want.ok) {
    expect(got.ok ? got.recording : got.error.message).toEqual(want.recording);
  } else {
    expect(got.ok ? 'parsed' : got.error.message).toBe(want.error.message);
  }
}

describe('the streaming reader under random damage', () => {
  it('splits lines the same whatever the chunk sizes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), (bytes, sizes) => {
        const lines = new ByteLines(1 << 20);
        const got: string[] = [];
        const offsets: number[] = [];
        let at = 0;
        for (let k = 0; at < bytes.length; k++) {
          const n = sizes[k % sizes.length]!;
          for (const l of lines.push(bytes.slice(at, at + n))) {
            got.push(Buffer.from(l.bytes).toString('latin1'));
            offsets.push(l.offset);
            expect(l.line).toBe(got.length);
          }
          at += n;
        }
        const last = lines.end();
        if (last !== null) {
          got.push(Buffer.from(last.bytes).toString('latin1'));
          offsets.push(last.offset);
        }
        const want = Buffer.from(bytes).toString('latin1').split('\n');
        if (want[want.length - 1] === '') want.pop();
        expect(got).toEqual(want);
        let o = 0;
        expect(offsets).toEqual(want.map((w) => ((o += w.length + 1), o - w.length - 1)));
      }),
      { numRuns: 300, seed: 20261203 },
    );
  });

  it('refuses a line longer than its limit while reading it, naming the line', () => {
    const lines = new ByteLines(10);
    expect(lines.push(new Uint8Array([0x61, 0x0a]))).toHaveLength(1);
    lines.push(new Uint8Array(8).fill(0x62));
    expect(() => lines.push(new Uint8Array(3).fill(0x62))).toThrow(/^line 2: line is longer than 10 bytes \(it starts at byte 2\)$/);
  });

  it('truncations, byte edits and inserted bytes: the same verdict as the string reader, or the exact spot of bad UTF-8', async () => {
    const damage = fc.oneof(
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(damage, { minLength: 1, maxLength: 3 }), async (edits) => {
        let bytes: Uint8Array = small;
        for (const e of edits) {
          const at = e.at % (bytes.length + 1);
          if (e.kind === 'cut') bytes = bytes.slice(0, at);
          else if (e.kind === 'set') {
            bytes = bytes.slice();
            if (at < bytes.length) bytes[at] = e.byte;
          } else bytes = Buffer.concat([bytes.subarray(0, at), e.bytes, bytes.subarray(at)]);
        }
        await expectSameVerdict(bytes, `damaged-${run++}.jsonl`);
      }),
      { numRuns: 120, seed: 4242 },
    );
  });

  it('random lines of bytes never crash the reader', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.json().map((j) => Buffer.from(j))), { maxLength: 6 }), async (lines) => {
        const bytes = Buffer.concat([small.subarray(0, small.indexOf(0x0a) + 1), ...lines.flatMap((l) => [Buffer.from(l), Buffer.from('\n')])]);
        await expectSameVerdict(bytes, `random-${run++}.jsonl`);
      }),
      { numRuns: 80, seed: 77 },
    );
  });

  it('overlong forms, surrogates and code points above U+10FFFF are not UTF-8; well-formed text is', () => {
    const bad = [[0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0x80], [0xe2, 0x82]];
    for (const seq of bad) expect(firstInvalidUtf8(new Uint8Array([0x61, ...seq])), seq.join(',')).toBe(1);
    expect(firstInvalidUtf8(Buffer.from('a ü € 😀 节点 \u{10FFFF}'))).toBe(-1);
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => firstInvalidUtf8(Buffer.from(s, 'utf8')) === -1), { numRuns: 300, seed: 1 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), (bytes) => {
        let valid = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          valid = false;
        }
        return (firstInvalidUtf8(bytes) === -1) === valid;
      }),
      { numRuns: 2000, seed: 2 },
    );
  });
});
