/**
 * A file's text as batches of lines, read a large slice at a time (the next two slices are
 * already being read while the caller works on this one) and handed out at most `linesPerBatch` lines at
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
  /** Reads asked for and not consumed yet, in file order. */
  const ahead: Promise<ArrayBuffer>[] = [];
  let asked = 0;
  const askMore = () => {
    while (ahead.length < 3 && asked < file.size) {
      ahead.push(file.slice(asked, Math.min(file.size, asked + sliceBytes)).arrayBuffer());
      asked += sliceBytes;
    }
  };
  askMore();
  while (ahead.length > 0) {
    const bytes = await (ahead.shift() as Promise<ArrayBuffer>);
    const from = at;
    at += bytes.byteLength;
    askMore();
    const last = at >= file.size;
    const text = carry + decoder.decode(bytes, { stream: !last });
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    if (carry.length > maxLineChars) throw new LineTooLong(`a line is longer than ${maxLineChars} characters`);
    if (last && carry !== '') lines.push(carry);
    for (let i = 0; i < lines.length || i === 0; i += linesPerBatch) {
      const end = Math.min(lines.length, i + linesPerBatch);
      yield { lines: i === 0 && end === lines.length ? lines : lines.slice(i, end), bytesRead: end === lines.length ? at : from + Math.floor(((at - from) * end) / lines.length) };
    }
  }
}
