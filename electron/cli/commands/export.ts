/**
 * `raft-lab export FILE --format ...`: turn a recording into what other tools read (ShiViz,
 * Perfetto / chrome://tracing, Porcupine or Knossos), the nodes' SQLite databases, or all of it
 * as one tar archive. Outputs are created, never silently replaced (--force to replace).
 */
import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NodeId } from '../../../shared/raft/types';
import { exportArchive } from '../../../shared/record/export-archive';
import { exportHistory } from '../../../shared/record/export-history';
import { exportPerfetto, perfettoChunks } from '../../../shared/record/export-perfetto';
import { exportShiViz, shivizChunks } from '../../../shared/record/export-shiviz';
import type { Recording } from '../../../shared/record/format';
import { encodeRecording } from '../../../shared/record/write';
import { MAX_RECORDING_FILE_BYTES } from '../../lab/recording-file';
import { openRecordingText } from '../../lab/recording-text';
import { NodeStorage, nodeFileNames } from '../../storage';
import { UsageError, parseArgs } from '../args';
import type { CliIo, Subcommand } from '../subcommand';
import { makeFolder } from './make-folder';
import { EXIT_BAD_FILE, EXIT_NO_INPUT, FileProblem, checkOutputFolder, copyNew, loadRecording, oneFile, reserveOutput, withFiles, writeChunksNew, writeNew } from './recording-io';

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
      const recording = await loadRecording(file);
      if (f === 'replay') {
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
        const written = await exportDatabases(recording, dataDirOf(recording, flags.get('data-dir')), out!, force);
        io.out(`wrote ${written.join(', ')}\n`);
        return 0;
      }
      if (f === 'shiviz' || f === 'perfetto') {
        // Streamed: these grow with the recording, past what one string can hold.
        const chunks = f === 'shiviz' ? shivizChunks(recording) : perfettoChunks(recording);
        if (out === undefined) for (const chunk of chunks) io.out(chunk);
        else {
          await writeChunksNew(out, chunks, reserved || force);
          io.err(`wrote ${out}\n`);
        }
        return 0;
      }
      const dir = f === 'archive' ? dataDirOf(recording, flags.get('data-dir'), true) : null;
      if (f === 'archive' && dir === null) io.err('raft-lab export: no data folder known (--data-dir): the archive holds no node databases\n');
      const data = await renderExport(recording, f, { dataDir: dir, flavor });
      if (out === undefined) io.out(typeof data === 'string' ? data : '');
      else {
        await writeNew(out, data, reserved || force);
        io.err(`wrote ${out}\n`);
      }
      return 0;
    }
  },
};

/**
 * One export of a recording as file content (every format but `sqlite`, which is a folder of
 * files). For the app's Export menu as much as for this command: the main process calls it with
 * the controller's recording and the cluster's data folder, then saves the result.
 */
export async function renderExport(
  recording: Recording,
  format: Exclude<ExportFormat, 'sqlite'>,
  options: { readonly dataDir?: string | null; readonly flavor?: 'porcupine' | 'knossos' } = {},
): Promise<string | Uint8Array> {
  switch (format) {
    case 'archive': {
      const databases = options.dataDir ? await readDatabases(recording, options.dataDir) : [];
      return exportArchive({ recording, databases });
    }
    case 'history': {
      const h = exportHistory(recording);
      return options.flavor === 'knossos' ? h.knossos : h.porcupine;
    }
    case 'shiviz':
      return exportShiViz(recording);
    case 'perfetto':
      return exportPerfetto(recording);
    case 'replay':
      return encodeRecording(recording);
  }
}

/** Node ids that appear in the recording. */
function nodesOf(recording: Recording): NodeId[] {
  const ids = new Set<NodeId>(recording.header.cluster.nodes);
  for (const { record } of recording.records) if ('node' in record) ids.add(record.node);
  return [...ids].sort((a, b) => a - b);
}

function dataDirOf(recording: Recording, flag: string | undefined, optional = false): string | null {
  if (flag !== undefined) return resolve(flag);
  const named = recording.header.cluster.settings['dataDir'];
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

async function readDatabases(recording: Recording, dir: string): Promise<{ node: NodeId; bytes: Uint8Array }[]> {
  const out: { node: NodeId; bytes: Uint8Array }[] = [];
  for (const node of nodesOf(recording)) {
    const bytes = await withDatabase(dir, node, async (storage, scratch) => {
      const path = join(scratch, `export-${node}.sqlite`);
      await storage.exportDatabase(path);
      return new Uint8Array(await readFile(path));
    });
    if (bytes !== null) out.push({ node, bytes });
  }
  return out;
}

async function exportDatabases(recording: Recording, dir: string | null, outDir: string, force: boolean): Promise<string[]> {
  if (dir === null) throw new UsageError('pass --data-dir DIR');
  const databases = await readDatabases(recording, dir);
  if (databases.length === 0) throw new FileProblem(`${dir}: no node-N.sqlite files for the recording's nodes`, EXIT_NO_INPUT);
  await makeFolder(resolve(outDir));
  const written: string[] = [];
  for (const db of databases) {
    const path = join(outDir, `node-${db.node}.sqlite`);
    await writeNew(path, db.bytes, force);
    written.push(path);
  }
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
