/**
 * Data folders a page names are resolved inside the lab's data root: absolute paths, `..`
 * segments, and symlinks leading out are refused with a message saying why, and nothing is
 * created outside the root.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveDataFolder } from '../../electron/lab/data-root';

let dir: string;
let root: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'raft-lab-root-')));
  root = join(dir, 'root');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveDataFolder', () => {
  it('creates a named folder (nested too) inside the root, creating the root when missing', async () => {
    expect(await resolveDataFolder(root, 'run-1')).toBe(join(root, 'run-1'));
    expect(await resolveDataFolder(root, 'lesson/a')).toBe(join(root, 'lesson', 'a'));
    expect(existsSync(join(root, 'lesson', 'a'))).toBe(true);
    // An existing folder is fine (continuing a cluster's data is decided elsewhere).
    expect(await resolveDataFolder(root, 'run-1')).toBe(join(root, 'run-1'));
  });

  it.each([
    ['/etc/raft', /absolute/],
    ['C:\\raft', /absolute/],
    ['\\\\server\\share', /absolute/],
    ['../x', /"\.\."/],
    ['a/../../x', /"\.\."/],
    ['a\\..\\..\\x', /"\.\."/],
    ['a/..', /"\.\."/],
    ['.', /the data root itself/],
    ['', /empty/],
    ['a\u0000b', /NUL/],
  ])('refuses %j', async (name, why) => {
    await expect(resolveDataFolder(root, name)).rejects.toThrow(why);
    await expect(resolveDataFolder(root, name)).rejects.toThrow(/data root/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('refuses a symlink inside the root that leads out, creating nothing through it', async () => {
    await mkdir(join(dir, 'outside'));
    await mkdir(root);
    await symlink(join(dir, 'outside'), join(root, 'link'));
    await expect(resolveDataFolder(root, 'link')).rejects.toThrow(/outside the data root/);
    await expect(resolveDataFolder(root, 'link/deeper/still')).rejects.toThrow(/outside the data root/);
    expect(existsSync(join(dir, 'outside', 'deeper'))).toBe(false);
  });
});
