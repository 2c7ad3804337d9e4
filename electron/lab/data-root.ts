/**
 * Data folders named by a page: the lab's hosts (the browser host, the Electron main process)
 * let a page name a folder, never a path. The name is resolved inside the lab's data root; an
 * absolute path, a `..` segment, or a symlink that leads out of the root is refused with a
 * message saying so, and nothing is created outside the root.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, posix, resolve, sep, win32 } from 'node:path';

/** The folder `name` names inside `root` (created, with the root, when missing). */
export async function resolveDataFolder(root: string, name: string): Promise<string> {
  const refuse = (why: string): Error => new Error(`dataDir ${JSON.stringify(name)}: ${why}; name a folder inside the lab's data root (${root})`);
  if (name.length === 0) throw refuse('empty name');
  if (name.includes('\u0000')) throw refuse('NUL in the name');
  if (isAbsolute(name) || posix.isAbsolute(name) || win32.isAbsolute(name) || /^[A-Za-z]:/.test(name)) throw refuse('an absolute path is not allowed');
  const segments = name.split(/[\\/]/);
  if (segments.includes('..')) throw refuse('".." is not allowed');
  const absRoot = resolve(root);
  const folder = resolve(absRoot, ...segments.filter((s) => s !== '' && s !== '.'));
  if (folder === absRoot) throw refuse('that is the data root itself');

  await mkdir(absRoot, { recursive: true });
  const realRoot = await realpath(absRoot);
  const inside = (p: string): boolean => p.startsWith(realRoot + sep);
  // Check the deepest part that already exists before creating anything below it, so a
  // symlink in the root cannot make mkdir create folders elsewhere.
  let existing = folder;
  for (;;) {
    const real = await realpath(existing).catch(() => null);
    if (real !== null) {
      if (real !== realRoot && !inside(real)) throw refuse('it leads outside the data root (a symlink)');
      break;
    }
    existing = dirname(existing);
  }
  await mkdir(folder, { recursive: true });
  const real = await realpath(folder);
  if (!inside(real)) throw refuse('it leads outside the data root (a symlink)');
  return real;
}
