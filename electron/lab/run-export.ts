/**
 * The lab's Export: the current (or last) run's recording and node databases turned into one
 * file for the UI to save (`LabApi.exportRun`). The formats are the shared/record exporters, the
 * same ones `raft-lab export` writes from a recording file.
 *
 * Node databases are never read from the live files of a running node (a checkpoint may be
 * replacing them mid-read): a running node writes a complete copy itself (`export-db`), and the
 * files of a stopped node are copied to a scratch folder and opened there by a short-lived node
 * process (`export-files`), so the originals are left untouched either way.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ExportFile, ExportFormat } from '../../shared/protocol/lab';
import type { NodeId } from '../../shared/raft/types';
import { exportArchive } from '../../shared/record/export-archive';
import { exportHistory } from '../../shared/record/export-history';
import { exportPerfetto } from '../../shared/record/export-perfetto';
import { exportShiViz } from '../../shared/record/export-shiviz';
import type { Recording } from '../../shared/record/format';
import { encodeRecording } from '../../shared/record/write';
import { nodeFileNames } from '../storage/node-files';

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
  readonly recording: Recording;
  /** The recording file's path; its name (without .jsonl or .jsonl.gz) names the exported files. */
  readonly recordingPath: string;
  /** The folder holding the nodes' node-N.sqlite / node-N.journal files. */
  readonly dataDir: string;
  /** Every node the run had, in id order. */
  readonly nodes: readonly NodeId[];
  readonly databaseSource: (node: NodeId) => DatabaseSource;
}

const TEXT = 'text/plain;charset=utf-8';

export async function exportRunFile(input: RunExportInput, format: ExportFormat): Promise<ExportFile> {
  const stem = basename(input.recordingPath).replace(/\.jsonl(\.gz)?$/, '');
  switch (format.kind) {
    case 'replay':
      return text(`${stem}.jsonl`, 'application/x-ndjson', encodeRecording(input.recording));
    case 'shiviz':
      return text(`${stem}.shiviz.log`, TEXT, exportShiViz(input.recording));
    case 'perfetto':
      return text(`${stem}.trace.json`, 'application/json', exportPerfetto(input.recording));
    case 'history': {
      const h = exportHistory(input.recording);
      return format.flavor === 'knossos'
        ? text(`${stem}.history.knossos.edn`, 'application/edn', h.knossos)
        : text(`${stem}.history.porcupine.json`, 'application/json', h.porcupine);
    }
    case 'sqlite': {
      if (!input.nodes.includes(format.node)) throw new Error(`export sqlite: the run has no node ${format.node} (nodes ${input.nodes.join(', ')})`);
      const bytes = await nodeDatabase(input, format.node);
      if (bytes === null) throw new Error(`export sqlite: node ${format.node} has no database files in ${input.dataDir}`);
      return binary(`${stem}-node-${format.node}.sqlite`, 'application/vnd.sqlite3', bytes);
    }
    case 'archive': {
      const databases: { node: NodeId; bytes: Uint8Array }[] = [];
      for (const node of input.nodes) {
        const bytes = await nodeDatabase(input, node);
        if (bytes !== null) databases.push({ node, bytes });
      }
      return binary(`${stem}.tar`, 'application/x-tar', exportArchive({ recording: input.recording, databases }));
    }
  }
}

function text(fileName: string, mimeType: string, content: string): ExportFile {
  return { fileName, mimeType, encoding: 'text', text: content };
}

function binary(fileName: string, mimeType: string, bytes: Uint8Array): ExportFile {
  return { fileName, mimeType, encoding: 'base64', base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
}

/** One node's database as a complete SQLite file, or null when the node never wrote one. */
async function nodeDatabase(input: RunExportInput, node: NodeId): Promise<Uint8Array | null> {
  const source = input.databaseSource(node);
  if (source.kind === 'busy') throw new Error(`export: node ${node}'s database cannot be read now (${source.why}); try again in a moment`);
  const scratch = await mkdtemp(join(tmpdir(), 'raft-lab-export-'));
  try {
    if (source.kind === 'live') {
      const out = join(scratch, `export-${node}.sqlite`);
      await source.write(out);
      return new Uint8Array(await readFile(out));
    }
    const names = await readdir(input.dataDir).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`export: cannot read the data folder ${input.dataDir} (${e.code ?? String(e)})`);
    });
    const files = nodeFileNames(node);
    const mine = names.filter((n) => files.includes(n));
    if (mine.length === 0) return null;
    const copy = join(scratch, 'files');
    await mkdir(copy);
    for (const n of mine) await copyFile(join(input.dataDir, n), join(copy, n));
    const out = join(scratch, `export-${node}.sqlite`);
    try {
      await source.write(copy, out);
    } catch (e) {
      throw new Error(`export: node ${node}'s database in ${input.dataDir} cannot be read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return new Uint8Array(await readFile(out));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

