/**
 * Crash-safe whole-file replacement: write a temporary file beside the target, fsync it,
 * rename it over the target, fsync the folder. After a crash the target is either the old
 * file or the new one, never a mixture (rename within one folder is atomic on POSIX file
 * systems, and the folder fsync makes the rename itself durable).
 */
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

/** Makes creations, renames and deletions inside `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
