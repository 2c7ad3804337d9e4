import { concatBytes } from '../../../shared/record/byte-lines';
import { RecordingError } from '../../../shared/record/read';
import { firstInvalidUtf8 } from '../../../shared/record/utf8';

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

/**
 * Decodes strictly: bytes that are not UTF-8 are a RecordingError naming the line and the byte
 * offset, never replaced with U+FFFD (the reader does not repair text). Lines are split on bytes,
 * then each slice's complete lines are decoded in one call.
 */
export async function* blobLines(file: Blob, sliceBytes: number, maxLineChars: number, linesPerBatch = Infinity): AsyncGenerator<LineBatch> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** Bytes of the line not ended yet (from earlier slices). */
  let carry: Uint8Array[] = [];
  let carryBytes = 0;
  /** Lines handed out so far, and the file offset where the unfinished line starts. */
  let lineCount = 0;
  let lineStart = 0;
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
  /** Decodes `bytes`, lines `firstLine`.. starting at file offset `offset`; names the bad byte. */
  const decode = (bytes: Uint8Array, firstLine: number, offset: number): string => {
    try {
      return decoder.decode(bytes);
    } catch {
      const bad = Math.max(0, firstInvalidUtf8(bytes));
      let line = firstLine;
      let start = 0;
      for (let i = bytes.indexOf(0x0a); i >= 0 && i < bad; i = bytes.indexOf(0x0a, i + 1)) {
        line++;
        start = i + 1;
      }
      const byte = (bytes[bad] ?? 0).toString(16).padStart(2, '0');
      throw new RecordingError(line, `not valid UTF-8: byte 0x${byte} at file offset ${offset + bad} (offset ${bad - start} in this line); the reader does not repair text`);
    }
  };
  askMore();
  while (ahead.length > 0) {
    const bytes = new Uint8Array(await (ahead.shift() as Promise<ArrayBuffer>));
    const from = at;
    at += bytes.byteLength;
    askMore();
    const last = at >= file.size;
    const lines: string[] = [];
    const firstNl = bytes.indexOf(0x0a);
    if (firstNl < 0) {
      carry.push(bytes);
      carryBytes += bytes.length;
    } else {
      const lastNl = bytes.lastIndexOf(0x0a);
      const head = concat([...carry, bytes.subarray(0, firstNl)], carryBytes + firstNl);
      lines.push(decode(head, lineCount + 1, lineStart));
      if (lastNl > firstNl) lines.push(...decode(bytes.subarray(firstNl + 1, lastNl), lineCount + 2, from + firstNl + 1).split('\n'));
      carry = [bytes.subarray(lastNl + 1)];
      carryBytes = bytes.length - lastNl - 1;
      lineStart = from + lastNl + 1;
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a longer unfinished line is over the limit.
    if (carryBytes > maxLineChars * 3) throw new LineTooLong(`a line is longer than ${maxLineChars} characters`);
    if (last && carryBytes > 0) lines.push(decode(concat(carry, carryBytes), lineCount + lines.length + 1, lineStart));
    lineCount += lines.length;
    for (let i = 0; i < lines.length || i === 0; i += linesPerBatch) {
      const end = Math.min(lines.length, i + linesPerBatch);
      yield { lines: i === 0 && end === lines.length ? lines : lines.slice(i, end), bytesRead: end === lines.length ? at : from + Math.floor(((at - from) * end) / lines.length) };
    }
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  // One whole part is used as it is (no copy).
  return parts.length === 1 && parts[0]!.length === length ? parts[0]! : concatBytes(parts, length);
}
