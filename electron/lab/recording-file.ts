/**
 * Reading a recording file as a stream: the file is read a chunk at a time and split into lines
 * of bytes, each line decoded as strict UTF-8 and checked by the shared line reader, so a file of
 * any size up to the limit is read without ever being one string (a JavaScript string cannot
 * hold 512 MiB). Text is never repaired: bytes that are not UTF-8 are a RecordingError naming the
 * line and the byte offset. The command line and the lab controller both read through here.
 */
import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
import { ByteLines, type ByteLine } from '../../shared/record/byte-lines';
import type { BodyRecord, EndRecord, Located, Recording } from '../../shared/record/format';
import { MAX_LINE_CHARS, MAX_RECORDS, RecordingError, RecordingLineReader, type ReadOptions } from '../../shared/record/read';
import { firstInvalidUtf8 } from '../../shared/record/utf8';

/** Largest recording file read (the documented limit). */
export const MAX_RECORDING_FILE_BYTES = 2 * 1024 * 1024 * 1024;

/** UTF-8 uses at most 3 bytes per UTF-16 code unit, so a longer line is over the character limit. */
const MAX_LINE_BYTES = MAX_LINE_CHARS * 3;

const CHUNK_BYTES = 1024 * 1024;

/** One line as text; bytes that are not UTF-8 are an error naming where they are. */
export function decodeLine(line: ByteLine, decoder: TextDecoder): string {
  try {
    return decoder.decode(line.bytes);
  } catch {
    const at = Math.max(0, firstInvalidUtf8(line.bytes));
    const byte = line.bytes[at] ?? 0;
    throw new RecordingError(line.line, `not valid UTF-8: byte 0x${byte.toString(16).padStart(2, '0')} at file offset ${line.offset + at} (offset ${at} in this line); the reader does not repair text`);
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
 */
export async function* streamRecordingFile(path: string, options: ReadOptions = {}): AsyncGenerator<RecordingItem, EndRecord | null, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const lines = new ByteLines(MAX_LINE_BYTES);
  const reader = new RecordingLineReader(options);
  let sawHeader = false;
  function* take(line: ByteLine): Generator<RecordingItem> {
    if (line.line > MAX_RECORDS + 2) throw new RecordingError(line.line, `too many lines (limit ${MAX_RECORDS + 2})`);
    const text = decodeLine(line, decoder);
    if (!sawHeader) {
      sawHeader = true;
      yield { kind: 'header', header: reader.header(text) };
    } else {
      const record = reader.line(text);
      if (record) yield { kind: 'record', located: { line: line.line, record } };
    }
  }
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (lines.bytesRead + chunk.length > MAX_RECORDING_FILE_BYTES) throw new RecordingError(null, `the file is larger than ${MAX_RECORDING_FILE_BYTES} bytes (the limit)`);
      for (const line of lines.push(chunk)) yield* take(line);
    }
  } finally {
    stream.destroy();
  }
  const last = lines.end();
  if (last !== null) yield* take(last);
  if (!sawHeader) throw new RecordingError(null, 'the file is empty');
  return reader.finish();
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
