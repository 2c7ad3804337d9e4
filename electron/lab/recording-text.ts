/**
 * A recording file's text as a stream of byte chunks, whatever its container: plain JSON Lines
 * as they are, gzip (told by its first two bytes, 1f 8b, never by the file's name) decompressed a
 * chunk at a time, so neither is ever held whole. Compressed data that zlib refuses is a
 * GzipDataError saying whether the stream was cut short (a recording still being written, or
 * one whose writer was killed) or is damaged; the reader decides what that means for the lines.
 */
import type { ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { RecordingError } from '../../shared/record/read';

/** A gzip stream's first two bytes (RFC 1952, ID1 ID2). */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * What is wrong with refused compressed data: `truncated`, the file ends before the stream does
 * (everything decompressed before it is what was written); `checksum`, the text does not match
 * the stream's CRC-32 or length (none of it can be trusted); `damaged`, data zlib cannot decode.
 */
export type GzipDamage = 'truncated' | 'checksum' | 'damaged';

/** Whether the file at `path` is gzip (by its first two bytes). */
export async function fileIsGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return isGzip(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

export class GzipDataError extends Error {
  override readonly name = 'GzipDataError';
  constructor(readonly damage: GzipDamage, readonly zlibMessage: string) {
    super(`gzip data ${damage}: ${zlibMessage}`);
  }
}

export interface RecordingText {
  /** The file is gzip: offsets in the text are offsets in the decompressed text, not the file. */
  readonly gzip: boolean;
  /** The text's bytes in order; throws GzipDataError where compressed data is refused. */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Stops reading and closes the file (also done when `chunks` ends or throws). */
  close(): void;
}

export interface TextLimits {
  readonly chunkBytes: number;
  /** Largest file read, counted in the file's own bytes (compressed ones for gzip). */
  readonly maxFileBytes: number;
}

/** Opens `path` for reading its text. Errors opening it (ENOENT, EISDIR...) are thrown as they are. */
export async function openRecordingText(path: string, limits: TextLimits): Promise<RecordingText> {
  const handle = await open(path, 'r');
  let head: Uint8Array;
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    head = buffer.subarray(0, bytesRead);
  } catch (e) {
    await handle.close();
    throw e;
  }
  // The stream owns the handle from here on: it closes it at its end, on an error or when destroyed.
  const file = handle.createReadStream({ start: 0, highWaterMark: limits.chunkBytes });
  const gzip = isGzip(head);
  return { gzip, chunks: gzip ? inflate(file, limits) : plain(file, limits), close: () => file.destroy() };
}

function tooLarge(limits: TextLimits): RecordingError {
  return new RecordingError(null, `the file is larger than ${limits.maxFileBytes} bytes (the limit)`);
}

async function* plain(file: ReadStream, limits: TextLimits): AsyncGenerator<Uint8Array> {
  let fileBytes = 0;
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      fileBytes += chunk.length;
      if (fileBytes > limits.maxFileBytes) throw tooLarge(limits);
      yield chunk;
    }
  } finally {
    file.destroy();
  }
}

async function* inflate(file: ReadStream, limits: TextLimits): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: Math.min(limits.chunkBytes, 1 << 20) });
  let fileBytes = 0;
  file.on('data', (chunk) => {
    fileBytes += chunk.length;
    if (fileBytes > limits.maxFileBytes) file.destroy(tooLarge(limits));
  });
  // A read error (or the size limit) ends the text with that error, not as a cut-short stream.
  file.on('error', (e) => gunzip.destroy(e));
  file.pipe(gunzip);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
  } catch (e) {
    throw zlibDamage(e) ?? e;
  } finally {
    file.destroy();
    gunzip.destroy();
  }
}

/** zlib's own errors (codes Z_...) as GzipDataError; null for anything else. */
function zlibDamage(e: unknown): GzipDataError | null {
  const code = (e as { code?: unknown }).code;
  if (!(e instanceof Error) || typeof code !== 'string' || !code.startsWith('Z_')) return null;
  // zlib reports input that ends mid-stream as a buffer error ("unexpected end of file").
  if (code === 'Z_BUF_ERROR') return new GzipDataError('truncated', e.message);
  if (/incorrect (data|length) check/.test(e.message)) return new GzipDataError('checksum', e.message);
  return new GzipDataError('damaged', e.message);
}
