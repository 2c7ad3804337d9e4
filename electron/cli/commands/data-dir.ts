/**
 * `--data-dir` for `raft-lab run`, checked before anything starts: it must be a folder this
 * process can write (created if missing), and it must not already hold a cluster. A run starts a
 * new cluster and checks its history from an empty state; nodes that restored an earlier
 * cluster's files would bring back its client sessions and data, so the history could not be
 * checked (clients restart their sequence numbers, the restored sessions answer "superseded" or
 * with an earlier run's cached answer). Such a folder is refused, saying what is in it.
 */
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../args';
import { clusterFilesIn, listFiles } from '../../storage/node-files';
import { makeFolder } from './make-folder';

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

/** Checks (and creates if missing) the folder `path`; throws UsageError naming the problem. */
export async function prepareDataDir(path: string): Promise<void> {
  const info = await stat(path).catch((e: unknown) => {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return null;
    throw new UsageError(`--data-dir ${path}: cannot use it (${code(e)})`);
  });
  if (info !== null && !info.isDirectory()) throw new UsageError(`--data-dir ${path} is not a folder`);
  if (info === null) {
    await makeFolder(path).catch((e: unknown) => {
      throw new UsageError(`--data-dir ${path}: cannot create it (${code(e)})`);
    });
  }
  // Permission bits do not tell (root ignores them; /proc refuses anyway): try a file.
  const probe = join(path, `.raft-lab-probe-${process.pid}`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (e) {
    throw new UsageError(`--data-dir ${path}: cannot write there (${code(e)})`);
  }
  await rm(probe, { force: true });
  const found = await clusterFilesIn(path).catch((e: unknown) => {
    throw new UsageError(`--data-dir ${path}: cannot list it (${code(e)})`);
  });
  if (found.length > 0) {
    const shown = listFiles(found);
    throw new UsageError(
      `--data-dir ${path} already holds a cluster (${shown}). A run starts a new cluster and checks its history from an empty state, so it does not reuse these files. ` +
        `To discard them, delete them (rm -r ${path}) or choose a new --data-dir; an earlier run's recording there can still be checked (raft-lab check ${join(path, found.find((n) => n.startsWith('recording-')) ?? 'recording-<time>.jsonl.gz')}).`,
    );
  }
}
