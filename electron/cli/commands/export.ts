/**
 * `raft-lab export FILE --format ...`: turn a recording into what other tools read (ShiViz,
 * Perfetto / chrome://tracing, Porcupine or Knossos), the nodes' SQLite databases, or all of it
 * as one tar archive. Outputs are created, never silently replaced (--force to replace).
 */
import { constants } from 'node:fs';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NodeId } from '../../../shared/raft/types';
import { isNodeRecord, type HeaderRecord } from '../../../shared/record/format';
import { RecordingError } from '../../../shared/record/read';
import { OutputError, type Chunk } from '../../lab/chunk-writer';
import { exportChunks, type DatabaseFile, type StreamedFormat } from '../../lab/export-stream';
import { readSourceHeader, type RecordingSource } from '../../lab/recording-source';
import { MAX_RECORDING_FILE_BYTES } from '../../lab/recording-file';
import { openRecordingText } from '../../lab/recording-text';
import { NodeStorage, nodeFileNames } from '../../storage';
import { UsageError, parseArgs } from '../args';
import type { CliIo, Subcommand } from '../subcommand';
import { makeFolder } from './make-folder';
import { EXIT_BAD_FILE, EXIT_CANNOT_WRITE, EXIT_NO_INPUT, FileProblem, checkOutputFolder, copyNew, oneFile, reserveOutput, streamRecording, withFiles, writeChunksNew } from './recording-io';

export const EXPORT_FORMATS = ['replay', 'shiviz', 'perfetto', 'history', 'sqlite', 'archive'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const HELP = `Usage: raft-lab export FILE --format FORMAT [--out PATH] [options]

Formats:
  replay     the replay log itself (validated copy): its text byte for byte, gzip when --out
             ends in .gz, plain JSON Lines otherwise (and on standard output)
  shiviz     a ShiViz log (first line: the parser regex; load the file in ShiViz)
  perfetto   Chrome Trace Event JSON: open in Perfetto UI or chrome://tracing
  history    the client history: --flavor porcupine (JSON, default) or knossos (EDN)
  sqlite     each node's SQLite database as node-N.sqlite in the folder --out (needs the
             nodes' data folder: --data-dir, or the one the recording names)
  archive    all of the above in one .tar file
Options:
  --out PATH        where to write (text formats default to standard output; sqlite and
                    archive need it). An existing file is never replaced without --force.
  --data-dir DIR    folder holding the nodes' node-N.sqlite / node-N.journal files
  --flavor NAME     history flavour: porcupine | knossos
  --force           replace existing output files
Exit codes: 0 written, 64 bad arguments, 65 bad recording, 66 input not readable,
73 output not writable or already there.
`;

export const exportCommand: Subcommand = {
  summary: 'export a recording: shiviz, perfetto, history, sqlite or a tar archive',
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, ['format', 'out', 'data-dir', 'flavor'], ['force', 'help']);
    if (flags.has('help')) {
      io.out(HELP);
      return 0;
    }
    const file = oneFile(positionals, 'export');
    const format = flags.get('format');
    if (format === undefined) throw new UsageError(`--format is required: ${EXPORT_FORMATS.join(', ')}`);
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown --format "${format}"; choose one of ${EXPORT_FORMATS.join(', ')}`);
    const flavorName = flags.get('flavor') ?? 'porcupine';
    if (flavorName !== 'porcupine' && flavorName !== 'knossos') throw new UsageError(`--flavor must be porcupine or knossos, got "${flavorName}"`);
    const flavor: 'porcupine' | 'knossos' = flavorName;
    if (flags.has('flavor') && format !== 'history') throw new UsageError('--flavor applies only to --format history');
    const out = flags.get('out');
    if ((format === 'sqlite' || format === 'archive') && out === undefined) throw new UsageError(`--format ${format} needs --out`);
    const force = flags.has('force');
    return withFiles(io.err, 'export', async () => {
      const f = format as ExportFormat;
      // --out is checked first: an export can take long and must not fail only at its end.
      let release: (() => Promise<void>) | null = null;
      if (out !== undefined && f === 'sqlite') await checkOutputFolder(out);
      else if (out !== undefined) release = await reserveOutput(out, force);
      try {
        return await exportTo(f, out, release !== null);
      } catch (e) {
        await release?.();
        throw e;
      }
    });

    /** The export itself; `reserved`: `out` is an empty file this command created (or may replace). */
    async function exportTo(f: ExportFormat, out: string | undefined, reserved: boolean): Promise<number> {
      if (f === 'replay') {
        // Validated first, keeping nothing: a bad file leaves no output.
        await streamRecording(file, { header: () => undefined, record: () => undefined });
        // The reader validated the file and never changes text, so the export is the file itself
        // (its text, in the container --out's name asks for).
        if (out === undefined) await streamText(file, io.out);
        else {
          await copyNew(file, out, reserved || force);
          io.err(`wrote ${out}\n`);
        }
        return 0;
      }
      if (f === 'sqlite') {
        const { header, nodes } = await recordingNodes(file);
        const written = await exportDatabases(nodes, dataDirOf(header, flags.get('data-dir')), out!, force);
        io.out(`wrote ${written.join(', ')}\n`);
        return 0;
      }
      // Every other format is written in pieces as it is produced (electron/lab/export-stream.ts),
      // never as one string or buffer: they grow with the recording.
      const source: RecordingSource = { path: file, records: null, allowIncomplete: false };
      const format: StreamedFormat = f === 'history' ? { kind: 'history', flavor } : f === 'archive' ? { kind: 'archive' } : f === 'shiviz' ? { kind: 'shiviz' } : { kind: 'perfetto' };
      const dir = f === 'archive' ? dataDirOf(await fromInput(file, () => readSourceHeader(source)), flags.get('data-dir'), true) : null;
      if (f === 'archive' && dir === null) io.err('raft-lab export: no data folder known (--data-dir): the archive holds no node databases\n');
      const chunks = exportChunks(source, format, dir === null ? {} : { databases: (scratch, nodes) => writeDatabases(dir, nodes, scratch) });
      await fromInput(file, async () => {
        if (out === undefined) for await (const chunk of chunks) io.out(asText(chunk));
        else await writeChunksNew(out, chunks, reserved || force);
      });
      if (out !== undefined) io.err(`wrote ${out}\n`);
      return 0;
    }
  },
};

/**
 * Runs `body`, which reads the recording `file`: a bad recording is a FileProblem naming it (65),
 * a file that cannot be read another (66); problems already named pass through.
 */
async function fromInput<T>(file: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof FileProblem || e instanceof UsageError) throw e;
    if (e instanceof RecordingError) throw new FileProblem(`${file}: ${e.message}`, EXIT_BAD_FILE);
    if (e instanceof OutputError) throw new FileProblem(`cannot write (${e.code ?? e.message})`, EXIT_CANNOT_WRITE);
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new FileProblem(`${file}: cannot read (${code})`, EXIT_NO_INPUT);
    throw e;
  }
}

/** A text format's piece (only the archive, which needs --out, has byte pieces). */
function asText(chunk: Chunk): string {
  if (typeof chunk !== 'string') throw new Error('export: a binary format cannot go to standard output');
  return chunk;
}

/** The recording's header and every node it names (the header's and any started later), read as a stream. */
async function recordingNodes(file: string): Promise<{ header: HeaderRecord; nodes: NodeId[] }> {
  let header: HeaderRecord | null = null;
  const ids = new Set<NodeId>();
  await streamRecording(file, {
    header: (h) => {
      header = h;
      for (const n of h.cluster.nodes) ids.add(n);
    },
    record: ({ record }) => {
      if (isNodeRecord(record)) ids.add(record.node);
    },
  });
  if (header === null) throw new FileProblem(`${file}: the file is empty`, EXIT_BAD_FILE);
  return { header, nodes: [...ids].sort((a, b) => a - b) };
}

function dataDirOf(header: HeaderRecord, flag: string | undefined, optional = false): string | null {
  if (flag !== undefined) return resolve(flag);
  const named = header.cluster.settings['dataDir'];
  if (typeof named === 'string' && named !== '') return named;
  if (optional) return null;
  throw new UsageError('the recording names no data folder; pass --data-dir DIR (the folder with node-N.sqlite files)');
}

/**
 * Each node's database as a complete SQLite file. The node's files are copied to a scratch
 * folder first and opened there (opening folds in the journal), so the originals stay untouched.
 */
async function withDatabase<T>(dir: string, node: NodeId, use: (storage: NodeStorage, scratch: string) => Promise<T>): Promise<T | null> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    throw new FileProblem(`${dir}: cannot read the data folder (${e.code ?? String(e)})`, EXIT_NO_INPUT);
  });
  // .journal.prev and .next too: a checkpoint that was cut short leaves records only there.
  const files = nodeFileNames(node);
  const mine = names.filter((n) => files.includes(n));
  if (mine.length === 0) return null;
  const scratch = await mkdtemp(join(tmpdir(), 'raft-lab-export-'));
  try {
    for (const n of mine) await copyFile(join(dir, n), join(scratch, n));
    let storage: NodeStorage;
    try {
      storage = await NodeStorage.open(scratch, node);
    } catch (e) {
      throw new FileProblem(`${join(dir, `node-${node}.sqlite`)}: ${e instanceof Error ? e.message : String(e)}`, EXIT_BAD_FILE);
    }
    try {
      return await use(storage, scratch);
    } finally {
      await storage.close({ checkpoint: false });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Writes each node's database as a complete SQLite file in `scratch` (for the archive); nodes without files are left out. */
async function writeDatabases(dir: string, nodes: readonly NodeId[], scratch: string): Promise<DatabaseFile[]> {
  const out: DatabaseFile[] = [];
  for (const node of nodes) {
    const path = join(scratch, `node-${node}.sqlite`);
    const written = await withDatabase(dir, node, async (storage) => {
      await storage.exportDatabase(path);
      return true;
    });
    if (written) out.push({ node, path });
  }
  return out;
}

async function exportDatabases(nodes: readonly NodeId[], dir: string | null, outDir: string, force: boolean): Promise<string[]> {
  if (dir === null) throw new UsageError('pass --data-dir DIR');
  await makeFolder(resolve(outDir));
  const written: string[] = [];
  for (const node of nodes) {
    const path = join(outDir, `node-${node}.sqlite`);
    // Written in the scratch folder, then copied: an existing file is replaced only with --force.
    const done = await withDatabase(dir, node, async (storage, scratch) => {
      const exported = join(scratch, `export-${node}.sqlite`);
      await storage.exportDatabase(exported);
      await copyFile(exported, path, force ? 0 : constants.COPYFILE_EXCL).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST') throw new FileProblem(`${path} already exists; choose another --out or pass --force to replace it`, EXIT_CANNOT_WRITE);
        throw new FileProblem(`${path}: cannot create (${e.code ?? String(e)})`, EXIT_CANNOT_WRITE);
      });
      return true;
    });
    if (done) written.push(path);
  }
  if (written.length === 0) throw new FileProblem(`${dir}: no node-N.sqlite files for the recording's nodes`, EXIT_NO_INPUT);
  return written;
}

/** A (validated, UTF-8) recording's text, decompressed if it is gzip, to `write` a chunk at a time. */
async function streamText(path: string, write: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const text = await openRecordingText(path, { chunkBytes: 1 << 20, maxFileBytes: MAX_RECORDING_FILE_BYTES });
  try {
    for await (const chunk of text.chunks) write(decoder.decode(chunk, { stream: true }));
  } finally {
    text.close();
  }
  write(decoder.decode());
}
