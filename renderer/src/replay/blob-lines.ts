/**
 * A file's text as batches of lines, read a large slice at a time (the next slice is already
 * being read while the caller works on this one) and handed out at most `linesPerBatch` lines at
 * a time, so a caller that yields between batches stays responsive. Lines are what
 * `text.split('\n')` gives, less the empty piece after a final newline.
 */
export interface LineBatch {
  readonly lines: readonly string[];
  /** Bytes of the file read so far, about where this batch ends (exact at a slice's end). */
  readonly bytesRead: number;
}

/** Thrown when a line grows past `maxLineChars` before its newline (the caller names the line). */
export class LineTooLong extends Error {
  override readonly name = 'LineTooLong';
}

export async function* blobLines(file: Blob, sliceBytes: number, maxLineChars: number, linesPerBatch = Infinity): AsyncGenerator<LineBatch> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let carry = '';
  let at = 0;
  const read = (from: number) => file.slice(from, Math.min(file.size, from + sliceBytes)).arrayBuffer();
  let next: Promise<ArrayBuffer> | null = file.size > 0 ? read(0) : null;
  while (next) {
    const bytes = await next;
    const from = at;
    at += bytes.byteLength;
    next = at < file.size ? read(at) : null;
    const text = carry + decoder.decode(bytes, { stream: next !== null });
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    if (carry.length > maxLineChars) throw new LineTooLong(`a line is longer than ${maxLineChars} characters`);
    if (next === null && carry !== '') lines.push(carry);
    for (let i = 0; i < lines.length || i === 0; i += linesPerBatch) {
      const end = Math.min(lines.length, i + linesPerBatch);
      yield { lines: i === 0 && end === lines.length ? lines : lines.slice(i, end), bytesRead: end === lines.length ? at : from + Math.floor(((at - from) * end) / lines.length) };
    }
  }
}
