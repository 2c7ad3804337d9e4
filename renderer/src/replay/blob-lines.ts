/**
 * A file's text as batches of lines, read one slice at a time: the replay worker indexes each
 * batch before the next is needed, and the next slice is already being read meanwhile. Lines are
 * what `text.split('\n')` gives, less the empty piece after a final newline.
 */
export interface LineBatch {
  readonly lines: readonly string[];
  /** Bytes of the file read so far (the batch ends there). */
  readonly bytesRead: number;
}

/** Thrown when a line grows past `maxLineChars` before its newline (the caller names the line). */
export class LineTooLong extends Error {
  override readonly name = 'LineTooLong';
}

export async function* blobLines(file: Blob, sliceBytes: number, maxLineChars: number): AsyncGenerator<LineBatch> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let carry = '';
  let at = 0;
  const read = (from: number) => file.slice(from, Math.min(file.size, from + sliceBytes)).arrayBuffer();
  let next: Promise<ArrayBuffer> | null = file.size > 0 ? read(0) : null;
  while (next) {
    const bytes = await next;
    at += bytes.byteLength;
    next = at < file.size ? read(at) : null;
    const text = carry + decoder.decode(bytes, { stream: next !== null });
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    if (carry.length > maxLineChars) throw new LineTooLong(`a line is longer than ${maxLineChars} characters`);
    if (next === null && carry !== '') lines.push(carry);
    yield { lines, bytesRead: at };
  }
}
