/**
 * `mkdir -p` one level at a time. Node's own `mkdir(path, { recursive: true })` never returns for
 * some paths under /proc (for example /proc/self/x: it loops on the error), which turned a bad
 * `--out` or `--data-dir` into a hang; here each missing level is created with a plain mkdir,
 * whose error is reported.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Creates the folder `path` (absolute) and any missing parents; throws the first fs error. */
export async function makeFolder(path: string): Promise<void> {
  const missing: string[] = [];
  let at = path;
  for (;;) {
    const info = await stat(at).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (info !== null) {
      if (!info.isDirectory()) throw Object.assign(new Error(`${at} is not a folder`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const folder of missing.reverse()) {
    await mkdir(folder).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e; // made meanwhile by someone else: fine
    });
  }
}
