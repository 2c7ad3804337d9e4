/**
 * Writing an export that arrives in pieces (text pieces of a line or an event, byte pieces of a
 * tar archive) to an open file, so no export is ever one string or buffer: text is gathered to
 * about 1 MiB per write (one system call per line would be slow), bytes go through as they come.
 */
import { open, type FileHandle } from 'node:fs/promises';

export type Chunk = string | Uint8Array;
export type Chunks = Iterable<Chunk> | AsyncIterable<Chunk>;

const GATHER_CHARS = 1 << 20;

/** Writing to the file failed (a full disk...), as opposed to producing the pieces. */
export class OutputError extends Error {
  override readonly name = 'OutputError';
  readonly code: string | undefined;
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/** Writes every byte of `bytes` (a write may take fewer than it was given). */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  try {
    for (let at = 0; at < bytes.length;) {
      const { bytesWritten } = await handle.write(bytes, at, bytes.length - at);
      at += bytesWritten;
    }
  } catch (e) {
    throw new OutputError(e);
  }
}

/**
 * Writes `chunks` to `handle` in order; returns the bytes written. A failed write throws
 * OutputError; an error producing the pieces is thrown as it is.
 */
export async function writeChunks(handle: FileHandle, chunks: Chunks): Promise<number> {
  let text: string[] = [];
  let chars = 0;
  let bytes = 0;
  const flushText = async (): Promise<void> => {
    if (text.length === 0) return;
    const piece = Buffer.from(text.join(''), 'utf8');
    text = [];
    chars = 0;
    await writeAll(handle, piece);
    bytes += piece.length;
  };
  for await (const chunk of chunks) {
    if (typeof chunk === 'string') {
      text.push(chunk);
      chars += chunk.length;
      if (chars >= GATHER_CHARS) await flushText();
    } else {
      await flushText();
      await writeAll(handle, chunk);
      bytes += chunk.length;
    }
  }
  await flushText();
  return bytes;
}

/** Creates `path` (never replacing a file) and writes `chunks` to it; returns the bytes written. */
export async function writeChunksToNewFile(path: string, chunks: Chunks): Promise<number> {
  const handle = await open(path, 'wx');
  try {
    return await writeChunks(handle, chunks);
  } finally {
    await handle.close();
  }
}
