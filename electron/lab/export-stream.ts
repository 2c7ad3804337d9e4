/**
 * Every export of a recording but the node databases, as a stream of pieces: the app's Export
 * (run-export.ts) and `raft-lab export` both write these pieces to a file as they come, so no
 * export is ever one string or buffer, however long the run.
 *
 * - replay: the recording's records, one line a piece, closed by its end record.
 * - shiviz, perfetto: a line or an event a piece, as records are read (their causal order is
 *   built as they come: shared/record/causal.ts CausalStream).
 * - history: the client operations only are kept, then written an operation a piece.
 * - archive: a tar file written member by member. A tar header needs its member's size, so each
 *   member is first written to a scratch folder (the recording once, as it was when the export
 *   began, and the rest from that copy, so all members agree), then the archive is the headers
 *   and those files' bytes; the scratch folder is removed when the stream ends or is abandoned.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportFormat } from '../../shared/protocol/lab';
import type { NodeId } from '../../shared/raft/types';
import { ARCHIVE_FOLDER, ARCHIVE_README, databaseMemberName, type ArchiveTextMember } from '../../shared/record/export-archive';
import { historyChunks, type HistoryFlavor } from '../../shared/record/export-history';
import { PerfettoWriter } from '../../shared/record/export-perfetto';
import { SHIVIZ_PREAMBLE, shivizLineText, ShivizLog } from '../../shared/record/export-shiviz';
import { isNodeRecord } from '../../shared/record/format';
import { RecordedHistory } from '../../shared/record/history';
import { RecordingError } from '../../shared/record/read';
import { TAR_END, TarNames, tarHeader, tarPadding } from '../../shared/record/tar';
import { encodeRecord } from '../../shared/record/write';
import { writeChunksToNewFile, type Chunk } from './chunk-writer';
import { readSource, visitSource, type RecordingSource } from './recording-source';

/** The formats written here (a node's database is a file of its own: run-export.ts). */
export type StreamedFormat = Exclude<ExportFormat, { readonly kind: 'sqlite' }>;

/** A node's database, written to a file for the archive. */
export interface DatabaseFile {
  readonly node: NodeId;
  readonly path: string;
}

export interface ExportStreamOptions {
  /**
   * Archive only: writes each node's database as a complete SQLite file in `dir` and lists the
   * files (nodes without a database are left out). `nodes`: every node the recording names.
   */
  readonly databases?: (dir: string, nodes: readonly NodeId[]) => Promise<readonly DatabaseFile[]>;
  /** Archive only: where its scratch folder goes (default: the system's temporary folder). */
  readonly scratchRoot?: string;
}

const READ_BYTES = 1 << 20;

export function exportChunks(source: RecordingSource, format: StreamedFormat, options: ExportStreamOptions = {}): AsyncGenerator<Chunk, void, undefined> {
  switch (format.kind) {
    case 'replay':
      return recordingChunks(source);
    case 'shiviz':
      return shivizSourceChunks(source);
    case 'perfetto':
      return perfettoSourceChunks(source);
    case 'history':
      return sourceHistoryChunks(source, format.flavor);
    case 'archive':
      return archiveChunks(source, options);
  }
}

/** The recording as JSON Lines, a line a piece (records are re-encoded as they were read). */
export async function* recordingChunks(source: RecordingSource): AsyncGenerator<string, void, undefined> {
  const items = readSource(source);
  for (;;) {
    const next = await items.next();
    if (next.done) {
      yield `${encodeRecord(next.value)}\n`;
      return;
    }
    yield `${encodeRecord(next.value.kind === 'header' ? next.value.header : next.value.located.record)}\n`;
  }
}

/** The ShiViz log, a line a piece, as the source is read. */
export async function* shivizSourceChunks(source: RecordingSource): AsyncGenerator<string, void, undefined> {
  const log = new ShivizLog();
  yield SHIVIZ_PREAMBLE;
  const items = readSource(source);
  for (;;) {
    const next = await items.next();
    if (next.done) break;
    if (next.value.kind === 'record') for (const l of log.push(next.value.located)) yield shivizLineText(l);
  }
  for (const l of log.finish()) yield shivizLineText(l);
}

/** The Perfetto trace, an event a piece, as the source is read. */
export async function* perfettoSourceChunks(source: RecordingSource): AsyncGenerator<string, void, undefined> {
  let writer: PerfettoWriter | null = null;
  const items = readSource(source);
  for (;;) {
    const next = await items.next();
    if (next.done) break;
    if (next.value.kind === 'header') {
      writer = new PerfettoWriter(next.value.header);
      yield* writer.begin();
    } else if (writer !== null) yield* writer.push(next.value.located);
  }
  if (writer === null) throw new RecordingError(null, 'the file is empty');
  yield* writer.end();
}

async function* sourceHistoryChunks(source: RecordingSource, flavor: HistoryFlavor): AsyncGenerator<string, void, undefined> {
  const history = new RecordedHistory();
  await visitSource(source, ({ record }) => history.push(record));
  yield* historyChunks(history.ops(), flavor);
}

interface Member {
  readonly name: string;
  readonly path: string;
}

async function* archiveChunks(source: RecordingSource, options: ExportStreamOptions): AsyncGenerator<Chunk, void, undefined> {
  const scratch = await mkdtemp(join(options.scratchRoot ?? tmpdir(), 'raft-lab-archive-'));
  try {
    const { members, createdAtMs } = await writeMembers(source, scratch, options);
    yield* tarChunks(members, Math.floor(createdAtMs / 1000));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Writes every member to `scratch`; returns them in archive order. */
async function writeMembers(source: RecordingSource, scratch: string, options: ExportStreamOptions): Promise<{ members: Member[]; createdAtMs: number }> {
  const text = (name: ArchiveTextMember): Member => ({ name, path: join(scratch, name) });
  const [readme, replay, shiviz, trace, porcupine, knossos] = [
    text('README.txt'), text('recording.jsonl'), text('shiviz.log'), text('trace.json'), text('history.porcupine.json'), text('history.knossos.edn'),
  ];
  await writeFile(readme.path, ARCHIVE_README, { flag: 'wx' });
  await writeChunksToNewFile(replay.path, recordingChunks(source));
  // Every other member comes from this copy: it no longer grows, so they all show the same run.
  const copy: RecordingSource = { path: replay.path, records: null, allowIncomplete: false };
  await writeChunksToNewFile(shiviz.path, shivizSourceChunks(copy));
  await writeChunksToNewFile(trace.path, perfettoSourceChunks(copy));
  const history = new RecordedHistory();
  const ids = new Set<NodeId>();
  const { header } = await visitSource(copy, ({ record }) => {
    history.push(record);
    if (isNodeRecord(record)) ids.add(record.node);
  });
  const createdAtMs = header.createdAtMs;
  for (const id of header.cluster.nodes) ids.add(id);
  const nodes = [...ids].sort((a, b) => a - b);
  const ops = history.ops();
  await writeChunksToNewFile(porcupine.path, historyChunks(ops, 'porcupine'));
  await writeChunksToNewFile(knossos.path, historyChunks(ops, 'knossos'));
  const members: Member[] = [readme, replay, shiviz, trace, porcupine, knossos];
  if (options.databases) {
    const dir = join(scratch, 'databases');
    await mkdir(dir);
    const databases = [...(await options.databases(dir, nodes))].sort((a, b) => a.node - b.node);
    for (const db of databases) members.push({ name: databaseMemberName(db.node), path: db.path });
  }
  return { members, createdAtMs };
}

/** The tar archive of `members` (files that no longer change), member by member. */
async function* tarChunks(members: readonly Member[], mtimeSec: number): AsyncGenerator<Uint8Array, void, undefined> {
  const names = new TarNames();
  for (const member of members) {
    const name = `${ARCHIVE_FOLDER}/${member.name}`;
    names.add(name);
    const size = (await stat(member.path)).size;
    yield tarHeader({ name, size, mtimeSec });
    yield* fileChunks(member.path, size, name);
    yield tarPadding(size);
  }
  yield TAR_END;
}

/** A file's bytes a piece at a time; exactly `size` of them, or an error (the header says `size`). */
async function* fileChunks(path: string, size: number, name: string): AsyncGenerator<Uint8Array, void, undefined> {
  let read = 0;
  const stream = createReadStream(path, { highWaterMark: READ_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      if (read > size) throw new Error(`archive: ${name} grew while it was archived`);
      yield chunk;
    }
  } finally {
    stream.destroy();
  }
  if (read !== size) throw new Error(`archive: ${name} shrank while it was archived`);
}
