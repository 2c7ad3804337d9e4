/**
 * Reading a recording file as a stream: the file's text (plain JSON Lines, or gzip decompressed
 * as it is read: recording-text.ts) is split into lines of bytes, each line decoded as strict
 * UTF-8 and checked by the shared line reader, so a file of any size up to the limit is read
 * without ever being one string (a JavaScript string cannot hold 512 MiB). Text is never
 * repaired: bytes that are not UTF-8 are a RecordingError naming the line and the byte offset.
 * The command line and the lab controller both read through here.
 *
 * Limits: the 2 GiB limit is on the file as stored (compressed bytes for gzip), so a long run's
 * compressed recording stays readable. Decompressed text has no byte limit of its own; a gzip
 * bomb is bounded instead by the line limit (a line is refused while it grows past it) and the
 * record limit, and reading holds one chunk and one line at a time.
 */
import { TextDecoder } from 'node:util';
import { ByteLines, type ByteLine } from '../../shared/record/byte-lines';
import type { BodyRecord, EndRecord, Located, Recording } from '../../shared/record/format';
import { MAX_LINE_CHARS, MAX_RECORDS, RecordingError, RecordingLineReader, type ReadOptions } from '../../shared/record/read';
import { firstInvalidUtf8 } from '../../shared/record/utf8';
import { GzipDataError, openRecordingText } from './recording-text';

/** Largest recording file read (the documented limit), in the file's own bytes: compressed ones for gzip. */
export const MAX_RECORDING_FILE_BYTES = 2 * 1024 * 1024 * 1024;

/** UTF-8 uses at most 3 bytes per UTF-16 code unit, so a longer line is over the character limit. */
const MAX_LINE_BYTES = MAX_LINE_CHARS * 3;

const CHUNK_BYTES = 1024 * 1024;

/**
 * One line as text; bytes that are not UTF-8 are an error naming where they are (`gzip`: the
 * offset is in the decompressed text, the one a user can look at with zcat).
 */
export function decodeLine(line: ByteLine, decoder: TextDecoder, gzip = false): string {
  try {
    return decoder.decode(line.bytes);
  } catch {
    const at = Math.max(0, firstInvalidUtf8(line.bytes));
    const byte = line.bytes[at] ?? 0;
    const where = gzip ? `at offset ${line.offset + at} of the decompressed text` : `at file offset ${line.offset + at}`;
    throw new RecordingError(line.line, `not valid UTF-8: byte 0x${byte.toString(16).padStart(2, '0')} ${where} (offset ${at} in this line); the reader does not repair text`);
  }
}

/** What a streamed recording yields: the header first, then each body record with its line. */
export type RecordingItem =
  | { readonly kind: 'header'; readonly header: Recording['header'] }
  | { readonly kind: 'record'; readonly located: Located<BodyRecord> };

/**
 * Streams a recording file: yields the header, then every body record as it is read and
 * validated, so a file of any size up to the limit is handled in memory bounded by one chunk and
 * the caller's own state. Returns the end record (null for an incomplete file read with
 * allowIncomplete). Throws RecordingError for anything wrong with the content; errors opening or
 * reading the file (ENOENT, EISDIR...) are thrown as they are.
 *
 * A gzip file whose compressed stream is cut short (being written, or its writer was killed)
 * reads like a file without its end record: with allowIncomplete, every line that ended before
 * the cut (the unfinished one is dropped); without it, a RecordingError naming the last complete
 * line. Damaged compressed data (bad checksum, data zlib cannot decode, bytes after the stream)
 * is always a RecordingError. Records are yielded before a damaged stream's checksum is reached,
 * so a caller must treat the whole read as failed when it throws (readRecordingFile does).
 */
export async function* streamRecordingFile(path: string, options: ReadOptions = {}): AsyncGenerator<RecordingItem, EndRecord | null, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const lines = new ByteLines(MAX_LINE_BYTES);
  const reader = new RecordingLineReader(options);
  const text = await openRecordingText(path, { chunkBytes: CHUNK_BYTES, maxFileBytes: MAX_RECORDING_FILE_BYTES });
  let sawHeader = false;
  /** Lines read whole so far. */
  let complete = 0;
  function* take(line: ByteLine): Generator<RecordingItem> {
    if (line.line > MAX_RECORDS + 2) throw new RecordingError(line.line, `too many lines (limit ${MAX_RECORDS + 2})`);
    const decoded = decodeLine(line, decoder, text.gzip);
    complete = line.line;
    if (!sawHeader) {
      sawHeader = true;
      yield { kind: 'header', header: reader.header(decoded) };
    } else {
      const record = reader.line(decoded);
      if (record) yield { kind: 'record', located: { line: line.line, record } };
    }
  }
  let cut = false;
  try {
    for await (const chunk of text.chunks) for (const line of lines.push(chunk)) yield* take(line);
  } catch (e) {
    if (!(e instanceof GzipDataError)) throw e;
    if (e.damage !== 'truncated' || !options.allowIncomplete) throw damaged(e, complete, lines.bytesRead);
    cut = true;
  } finally {
    text.close();
  }
  // After a cut, the unfinished line is not one: only lines that ended were written whole.
  const last = cut ? null : lines.end();
  if (last !== null) yield* take(last);
  if (!sawHeader) throw new RecordingError(null, cut ? 'the gzip stream is cut short before the end of its first line' : text.gzip ? 'the file is empty (it decompresses to no text)' : 'the file is empty');
  return reader.finish();
}

/** Refused compressed data as the reader's error, naming the last complete line and where the text stops. */
function damaged(e: GzipDataError, complete: number, textBytes: number): RecordingError {
  const at = `after line ${complete} (offset ${textBytes} of the decompressed text)`;
  switch (e.damage) {
    case 'truncated':
      return new RecordingError(complete + 1, `the gzip stream is cut short ${at}: the file ends before the compressed data does (a recording still being written, or one whose writer stopped); read as incomplete, the lines before are readable`);
    case 'checksum':
      return new RecordingError(null, `the gzip data is damaged: the decompressed text does not match the stream's checksum (${e.zlibMessage}), so none of it can be trusted`);
    case 'damaged':
      return new RecordingError(complete + 1, `the gzip data is damaged ${at}: ${e.zlibMessage}`);
  }
}

/**
 * Reads and validates a whole recording file into memory (see streamRecordingFile for files too
 * large to hold). Same errors as streamRecordingFile.
 */
export async function readRecordingFile(path: string, options: ReadOptions = {}): Promise<Recording> {
  const records: Located<BodyRecord>[] = [];
  let header: Recording['header'] | null = null;
  const items = streamRecordingFile(path, options);
  for (;;) {
    const next = await items.next();
    if (next.done) {
      if (header === null) throw new RecordingError(null, 'the file is empty');
      return { header, records, end: next.value };
    }
    if (next.value.kind === 'header') header = next.value.header;
    else records.push(next.value.located);
  }
}
