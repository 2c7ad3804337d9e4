/**
 * A file's bytes as lines, chunk by chunk, for readers that must not hold the whole file as one
 * string: `push` each chunk as it is read and get the lines it completed, then `end` for the
 * last line when the file does not end with a newline. Lines keep their bytes (decoding is the
 * reader's job, so it can say where text is not UTF-8) and know their 1-based number and the
 * byte offset where they start. A line that grows past `maxLineBytes` is refused while it is
 * still being read, so a file without newlines cannot exhaust memory.
 */
import { RecordingError } from './read';

export interface ByteLine {
  /** 1-based line number. */
  readonly line: number;
  /** Offset of the line's first byte in the file. */
  readonly offset: number;
  /** The line without its newline. */
  readonly bytes: Uint8Array;
}

export class ByteLines {
  /** Pieces of the line being read (from earlier chunks). */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private line = 1;
  /** File offset of the line being read. */
  private lineStart = 0;
  /** File offset of the next chunk. */
  private at = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** The lines this chunk completes, in order. */
  push(chunk: Uint8Array): ByteLine[] {
    const out: ByteLine[] = [];
    let from = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
      this.grow(nl - from);
      const piece = chunk.subarray(from, nl);
      const bytes = this.pending.length === 0 ? piece : concatBytes([...this.pending, piece], this.pendingBytes + piece.length);
      out.push({ line: this.line, offset: this.lineStart, bytes });
      this.pending = [];
      this.pendingBytes = 0;
      this.line++;
      this.lineStart = this.at + nl + 1;
      from = nl + 1;
    }
    if (from < chunk.length) {
      this.grow(chunk.length - from);
      // A copy: the caller may reuse its chunk buffer.
      this.pending.push(chunk.slice(from));
      this.pendingBytes += chunk.length - from;
    }
    this.at += chunk.length;
    return out;
  }

  /** The last line, when the file does not end with a newline; null when it does. */
  end(): ByteLine | null {
    if (this.pendingBytes === 0) return null;
    const bytes = concatBytes(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return { line: this.line, offset: this.lineStart, bytes };
  }

  /** Bytes read so far. */
  get bytesRead(): number {
    return this.at;
  }

  private grow(more: number): void {
    if (this.pendingBytes + more > this.maxLineBytes) {
      throw new RecordingError(this.line, `line is longer than ${this.maxLineBytes} bytes (it starts at byte ${this.lineStart})`);
    }
  }
}

/** `parts` copied into one new array of `length` bytes. */
export function concatBytes(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
