/**
 * Builds the app with electron-vite into a fresh temporary folder, once per test file that asks.
 * Tests use their own folder rather than out/ so that parallel runs and a developer's own
 * `npm run build` never collide.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const projectRoot = resolve(import.meta.dirname, '../..');

/** Runs `electron-vite build --outDir <tmp>/out` and returns the out folder. */
export async function buildApp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'raft-lab-build-'));
  const outDir = join(dir, 'out');
  const cli = join(projectRoot, 'node_modules/electron-vite/bin/electron-vite.js');
  await promisify(execFile)(process.execPath, [cli, 'build', '--outDir', outDir], {
    cwd: projectRoot,
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return outDir;
}
