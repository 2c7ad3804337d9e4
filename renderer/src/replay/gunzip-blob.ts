/**
 * Gzip recordings on the replay page: a file whose first two bytes are gzip's (1f 8b; the name
 * does not matter) is decompressed with the browser's DecompressionStream into a Blob of its
 * text, which the replay and validating workers then read in slices like any plain file. The
 * text goes into Blob parts a few MiB at a time (the browser may keep a large Blob on disk), so
 * the worker never holds it whole as one buffer.
 */
import { RecordingError } from '../../../shared/record/read';

/** Decompressed text gathered before it becomes one Blob part. */
const PART_BYTES = 8 * 1024 * 1024;

export async function isGzipBlob(file: Blob): Promise<boolean> {
  if (file.size < 2) return false;
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  return head[0] === 0x1f && head[1] === 0x8b;
}

export interface GunzipLimits {
  /**
   * Most decompressed text taken. Here the text becomes a Blob, so it is bounded by its own
   * size, not only by the file's: a small file of highly compressible bytes stops here.
   */
  readonly maxTextBytes: number;
  /** A line longer than this is refused while it is decompressed (a gzip bomb without newlines). */
  readonly maxLineBytes: number;
}

/**
 * `file`'s decompressed text. Throws RecordingError when the compressed data is damaged or cut
 * short (the browser does not tell which; both name the last complete line) or over a limit.
 */
export async function gunzipBlob(file: Blob, limits: GunzipLimits): Promise<Blob> {
  const reader = file.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const parts: Blob[] = [];
  let pending: Uint8Array<ArrayBuffer>[] = [];
  let pendingBytes = 0;
  let textBytes = 0;
  /** Complete lines so far, and the length of the unfinished one. */
  let lines = 0;
  let lineBytes = 0;
  const checkLine = (bytes: number): void => {
    if (bytes > limits.maxLineBytes) throw new RecordingError(lines + 1, `line is longer than ${limits.maxLineBytes} bytes`);
  };
  try {
    for (;;) {
      let chunk: Uint8Array<ArrayBuffer>;
      try {
        const next = await reader.read();
        if (next.done) break;
        chunk = next.value;
      } catch (e) {
        throw new RecordingError(lines + 1, `the gzip data is damaged or cut short after line ${lines} (offset ${textBytes} of the decompressed text): ${e instanceof Error ? e.message : String(e)}`);
      }
      textBytes += chunk.length;
      if (textBytes > limits.maxTextBytes) throw new RecordingError(null, `the file decompresses to more than ${limits.maxTextBytes} bytes of text (the limit)`);
      let from = 0;
      for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
        checkLine(lineBytes + nl - from);
        lines++;
        lineBytes = 0;
        from = nl + 1;
      }
      lineBytes += chunk.length - from;
      checkLine(lineBytes);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= PART_BYTES) {
        parts.push(new Blob(pending));
        pending = [];
        pendingBytes = 0;
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return new Blob([...parts, ...pending]);
}
