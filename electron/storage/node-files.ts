/**
 * The names of a node's storage files, which of them this isolate has open, and discarding them.
 * Kept apart from node-storage.ts so that the lab controller (main process) can discard a node's
 * files without bundling sql.js and the checkpoint worker.
 */
import { access, readdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { syncDirectory } from './atomic-file';
import { StorageError } from './errors';

/**
 * Database paths open in this isolate. Across processes the lab's supervisor runs at most one
 * process per node; a pid lock file would misfire for nodes hosted as worker threads (one pid).
 */
export const openPaths = new Set<string>();

export interface NodeFilePaths {
  readonly database: string;
  readonly journal: string;
  /** The old journal while a checkpoint runs (or after a crash interrupted one). */
  readonly prev: string;
  /** A fresh journal being prepared; never holds records. */
  readonly next: string;
}

export function nodeFilePaths(dir: string, nodeId: number): NodeFilePaths {
  if (!Number.isSafeInteger(nodeId) || nodeId < 1) throw new RangeError(`node id must be a positive integer, got ${nodeId}`);
  const database = resolve(dir, `node-${nodeId}.sqlite`);
  const journal = resolve(dir, `node-${nodeId}.journal`);
  return { database, journal, prev: `${journal}.prev`, next: `${journal}.next` };
}

/**
 * The names of every file node `nodeId` may have in its folder: what a copy of its storage must
 * take (after a crash between a checkpoint's renames, the records are in `.prev` and the fresh
 * journal is still `.next`).
 */
export function nodeFileNames(nodeId: number): readonly string[] {
  return [`node-${nodeId}.sqlite`, `node-${nodeId}.journal`, `node-${nodeId}.journal.prev`, `node-${nodeId}.journal.next`];
}

/** A node's storage file or a lab recording (gzip now, plain JSON Lines before): what shows that a folder already holds a cluster. */
const CLUSTER_FILE = /^(node-\d+\.(sqlite|journal|journal\.prev|journal\.next)|recording-\d+\.jsonl(\.gz)?)$/;

/** The files in `dir` that belong to a cluster (sorted; none when `dir` does not exist). */
export async function clusterFilesIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  });
  return names.filter((n) => CLUSTER_FILE.test(n)).sort();
}

/** `files` for a message: the first few names, then how many more. */
export function listFiles(files: readonly string[]): string {
  return files.length > 8 ? `${files.slice(0, 8).join(', ')} and ${files.length - 8} more` : files.join(', ');
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Deletes every file of node `nodeId` in `dir` (journals, leftovers of interrupted writes, the
 * database last) so that it next opens as a brand-new node, and returns the paths deleted.
 * For a node whose files were refused: its data is given up, to be rebuilt from its peers.
 * Refused while this isolate has the node open. Interrupted, it leaves files that open() refuses
 * (a database without its journal), so it can simply be run again.
 */
export async function discardNodeFiles(dir: string, nodeId: number): Promise<readonly string[]> {
  const paths = nodeFilePaths(dir, nodeId);
  if (openPaths.has(paths.database)) {
    throw new StorageError('in-use', paths.database, 'open in this process; close it before discarding its files', { node: nodeId });
  }
  const deleted: string[] = [];
  for (const path of [paths.next, paths.prev, paths.journal, `${paths.database}.tmp`, paths.database]) {
    if (!(await exists(path))) continue;
    try {
      await rm(path, { force: true });
    } catch (error) {
      throw new StorageError('io', path, String(error), { cause: error, node: nodeId });
    }
    deleted.push(path);
  }
  try {
    await syncDirectory(resolve(dir));
  } catch (error) {
    throw new StorageError('io', resolve(dir), String(error), { cause: error, node: nodeId });
  }
  return deleted;
}
