/**
 * The replay workers read a recording as batches of lines from a Blob (the file the user chose):
 * the lines must be exactly those of `text.split('\n')` (less the empty piece after a final
 * newline) whatever the slice size, including characters whose UTF-8 bytes straddle two slices,
 * batches must respect their size, and a line without an end must be stopped at the limit.
 */
import { describe, expect, it } from 'vitest';
import { blobLines, LineTooLong } from '../../renderer/src/replay/blob-lines';

async function collect(text: string, sliceBytes: number, linesPerBatch = Infinity, maxLineChars = 1_000_000) {
  const file = new Blob([text]);
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
});
