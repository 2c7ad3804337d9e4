/**
 * A run's recording as the exports and the whole-run search read it: the file streamed through
 * streamRecordingFile (so whatever container it is in, it is read one record at a time), always
 * closed by an end record.
 *
 * A run that is still being recorded has a file that grows while it is read, and its last line
 * may be half written. So a source names how many body records to read (the count the recorder
 * had flushed when the export began); reading stops there, and an end record is made for what
 * was read, as one would be written had the run stopped at that point.
 */
import type { BodyRecord, EndRecord, HeaderRecord, Located, Recording } from '../../shared/record/format';
import { RecordingError } from '../../shared/record/read';
import { streamRecordingFile } from './recording-file';

export interface RecordingSource {
  readonly path: string;
  /** Read this many body records and no more (a run still recording); null: the whole file. */
  readonly records: number | null;
  /** Accept a file that has no end record (a run that stopped without one): an end is made. */
  readonly allowIncomplete: boolean;
  /** Wall time of a made end record (default: now). */
  readonly endWallMs?: number;
}

/** What reading a source yields: the header first, then each body record with its line. */
export type SourceItem =
  | { readonly kind: 'header'; readonly header: HeaderRecord }
  | { readonly kind: 'record'; readonly located: Located<BodyRecord> };

/**
 * Streams the source: the header, then each body record, then returns its end record (the
 * file's own, or one made for the records read). Errors as streamRecordingFile's.
 */
export async function* readSource(source: RecordingSource): AsyncGenerator<SourceItem, EndRecord, undefined> {
  const items = streamRecordingFile(source.path, { allowIncomplete: source.allowIncomplete || source.records !== null });
  let count = 0;
  try {
    for (;;) {
      if (source.records !== null && count >= source.records) break;
      const next = await items.next();
      if (next.done) {
        if (next.value !== null) return next.value;
        break;
      }
      if (next.value.kind === 'record') count++;
      yield next.value;
    }
  } finally {
    // Stops the file's reader where this one stopped (the rest may still be being written).
    await items.return(null);
  }
  return { kind: 'end', wallMs: source.endWallMs ?? Date.now(), records: count };
}

/** The source's header alone (the file is opened, its first line read, and closed). */
export async function readSourceHeader(source: RecordingSource): Promise<HeaderRecord> {
  const items = readSource(source);
  try {
    const first = await items.next();
    if (first.done || first.value.kind !== 'header') throw new RecordingError(null, 'the file is empty');
    return first.value.header;
  } finally {
    await items.return({ kind: 'end', wallMs: 0, records: 0 });
  }
}

/** Visits every item of the source in order; returns the header and the end record. */
export async function visitSource(source: RecordingSource, record: (located: Located<BodyRecord>) => void): Promise<{ header: HeaderRecord; end: EndRecord }> {
  let header: HeaderRecord | null = null;
  const items = readSource(source);
  for (;;) {
    const next = await items.next();
    if (next.done) {
      if (header === null) throw new RecordingError(null, 'the file is empty');
      return { header, end: next.value };
    }
    if (next.value.kind === 'header') header = next.value.header;
    else record(next.value.located);
  }
}

/** The whole source in memory (LabController.recording(), for tests of small runs); everything else streams. */
export async function loadSource(source: RecordingSource): Promise<Recording> {
  const records: Located<BodyRecord>[] = [];
  const { header, end } = await visitSource(source, (located) => records.push(located));
  return { header, records, end };
}
