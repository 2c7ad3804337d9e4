/**
 * The lab's Export: the current (or last) run's recording and node databases turned into one
 * file in the export store for the UI to save (`LabApi.exportRun`). Every format is written as it
 * is produced (export-stream.ts, which `raft-lab export` uses too), never held as one string or
 * buffer, and the recording is read from its file as a stream (recording-source.ts).
 *
 * Node databases are never read from the live files of a running node (a checkpoint may be
 * replacing them mid-read): a running node writes a complete copy itself (`export-db`), and the
 * files of a stopped node are copied to a scratch folder and opened there by a short-lived node
 * process (`export-files`), so the originals are left untouched either way.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportedFile, ExportFormat } from '../../shared/protocol/lab';
import type { NodeId } from '../../shared/raft/types';
import { nodeFileNames } from '../storage/node-files';
import { writeChunksToNewFile } from './chunk-writer';
import { exportFileName, recordingStem } from './export-names';
import type { ExportStore } from './export-store';
import { exportChunks, type DatabaseFile } from './export-stream';
import type { RecordingSource } from './recording-source';

/** Where one node's database comes from at export time. */
export type DatabaseSource =
  /** The node process runs: it writes a complete copy to `path` itself. */
  | { readonly kind: 'live'; readonly write: (path: string) => Promise<void> }
  /**
   * No process owns the files: they are copied to `copyDir`, and `write` turns that copy into a
   * complete SQLite file at `path` (opening a node's files folds in its journal, which needs the
   * storage code: a node process does it, not main).
   */
  | { readonly kind: 'files'; readonly write: (copyDir: string, path: string) => Promise<void> }
  /** The process is coming up and may be replaying its files right now. */
  | { readonly kind: 'busy'; readonly why: string };

export interface RunExportInput {
  /** The run's recording, as far as it goes when the export begins. */
  readonly source: RecordingSource;
  /** The recording file's path; its name (without .jsonl or .jsonl.gz) names the exported files. */
  readonly recordingPath: string;
  /** The folder holding the nodes' node-N.sqlite / node-N.journal files. */
  readonly dataDir: string;
  /** Every node the run has (the archive adds any other the recording names), in id order. */
  readonly nodes: readonly NodeId[];
  readonly databaseSource: (node: NodeId) => DatabaseSource;
  /** Where the file is written and kept until the UI saves it. */
  readonly store: ExportStore;
}

export async function exportRunFile(input: RunExportInput, format: ExportFormat): Promise<ExportedFile> {
  const { fileName, mimeType } = exportFileName(recordingStem(input.recordingPath), format);
  const scratchRoot = await input.store.dir();
  if (format.kind === 'sqlite') {
    const node = format.node;
    if (!input.nodes.includes(node)) throw new Error(`export sqlite: the run has no node ${node} (nodes ${input.nodes.join(', ')})`);
    return input.store.add(fileName, mimeType, async (path) => {
      if (!(await writeNodeDatabase(input, node, path, scratchRoot))) throw new Error(`export sqlite: node ${node} has no database files in ${input.dataDir}`);
    });
  }
  const databases = async (dir: string, named: readonly NodeId[]): Promise<DatabaseFile[]> => {
    const out: DatabaseFile[] = [];
    for (const node of [...new Set([...input.nodes, ...named])].sort((a, b) => a - b)) {
      const path = join(dir, `node-${node}.sqlite`);
      if (await writeNodeDatabase(input, node, path, scratchRoot)) out.push({ node, path });
    }
    return out;
  };
  return input.store.add(fileName, mimeType, async (path) => {
    await writeChunksToNewFile(path, exportChunks(input.source, format, { databases, scratchRoot }));
  });
}

/**
 * Writes one node's database as a complete SQLite file at `path`; false when the node never
 * wrote one. A stopped node's files are copied to a scratch folder under `scratchRoot` first.
 */
async function writeNodeDatabase(input: RunExportInput, node: NodeId, path: string, scratchRoot: string): Promise<boolean> {
  const source = input.databaseSource(node);
  if (source.kind === 'busy') throw new Error(`export: node ${node}'s database cannot be read now (${source.why}); try again in a moment`);
  if (source.kind === 'live') {
    await source.write(path);
    return true;
  }
  const names = await readdir(input.dataDir).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`export: cannot read the data folder ${input.dataDir} (${e.code ?? String(e)})`);
  });
  const files = nodeFileNames(node);
  const mine = names.filter((n) => files.includes(n));
  if (mine.length === 0) return false;
  const scratch = await mkdtemp(join(scratchRoot, 'node-files-'));
  try {
    const copy = join(scratch, 'files');
    await mkdir(copy);
    for (const n of mine) await copyFile(join(input.dataDir, n), join(copy, n));
    try {
      await source.write(copy, path);
    } catch (e) {
      throw new Error(`export: node ${node}'s database in ${input.dataDir} cannot be read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return true;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
