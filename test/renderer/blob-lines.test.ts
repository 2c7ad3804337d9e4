/**
 * The replay workers read a recording as batches of lines from a Blob (the file the user chose):
 * the lines must be exactly those of `text.split('\n')` (less the empty piece after a final
 * newline) whatever the slice size, including characters whose UTF-8 bytes straddle two slices,
 * batches must respect their size, and a line without an end must be stopped at the limit.
 */
import { describe, expect, it } from 'vitest';
import { blobLines, LineTooLong } from '../../renderer/src/replay/blob-lines';
import { RecordingError } from '../../shared/record/read';

async function collect(text: string | Uint8Array, sliceBytes: number, linesPerBatch = Infinity, maxLineChars = 1_000_000) {
  const file = new Blob([text as BlobPart]);
  const lines: string[] = [];
  const sizes: number[] = [];
  let bytesRead = 0;
  for await (const batch of blobLines(file, sliceBytes, maxLineChars, linesPerBatch)) {
    lines.push(...batch.lines);
    sizes.push(batch.lines.length);
    expect(batch.bytesRead).toBeGreaterThanOrEqual(bytesRead);
    bytesRead = batch.bytesRead;
  }
  return { lines, sizes, bytesRead, size: file.size };
}

describe('blobLines', () => {
  const text = Array.from({ length: 300 }, (_, i) => JSON.stringify({ i, s: 'ünïcödé ✓ 日本 '.repeat(i % 7) })).join('\n') + '\n';
  const expected = text.split('\n').slice(0, -1);

  it('gives the lines of the text for any slice size, multi-byte characters cut across slices included', async () => {
    for (const slice of [1, 2, 3, 7, 64, 1000, 1 << 20]) {
      const got = await collect(text, slice);
      expect(got.lines).toEqual(expected);
      expect(got.bytesRead).toBe(got.size);
    }
  });

  it('hands out at most linesPerBatch lines at a time', async () => {
    const got = await collect(text, 4096, 25);
    expect(got.lines).toEqual(expected);
    expect(Math.max(...got.sizes)).toBeLessThanOrEqual(25);
  });

  it('keeps a last line without a newline, and an empty line before a final newline', async () => {
    expect((await collect('a\nb', 1)).lines).toEqual(['a', 'b']);
    expect((await collect('a\n\n', 2)).lines).toEqual(['a', '']);
    expect((await collect('', 8)).lines).toEqual([]);
  });

  it('stops a line that grows past the limit before its newline', async () => {
    await expect(collect('x'.repeat(500), 64, Infinity, 100)).rejects.toBeInstanceOf(LineTooLong);
  });

  it('bytes that are not UTF-8 are an error naming the line and the file offset, for any slice size (never U+FFFD)', async () => {
    const bytes = new TextEncoder().encode(text);
    const lineStart = new TextEncoder().encode(expected.slice(0, 41).join('\n') + '\n').length;
    for (const at of [lineStart, lineStart + 7]) {
      const bad = bytes.slice();
      bad[at] = 0xff;
      for (const slice of [1, 3, 64, 1000, 1 << 20]) {
        const e = await collect(bad, slice).then(() => null, (err: unknown) => err);
        expect(e, `slice ${slice}`).toBeInstanceOf(RecordingError);
        expect((e as RecordingError).line).toBe(42);
        expect((e as RecordingError).problem).toContain(`byte 0xff at file offset ${at} (offset ${at - lineStart} in this line)`);
      }
    }
    // A multi-byte character cut short by the end of the file.
    const cut = new TextEncoder().encode('{"a":1}\n{"b":"✓');
    const e = await collect(cut.slice(0, cut.length - 1), 4).then(() => null, (err: unknown) => err);
    expect((e as RecordingError).line).toBe(2);
  });
});

