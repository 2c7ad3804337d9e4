// `npm run smoke` on a machine without an Electron binary: a clear skip where that is expected
// (ELECTRON_SKIP_BINARY_DOWNLOAD=1), a clear failure where it is not. Where a binary exists the
// smoke run itself is the test (README: run it after installing).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { electronExecutable } from './electron-executable';

const projectRoot = resolve(import.meta.dirname, '../..');
const hasElectron = electronExecutable(projectRoot) !== null;

function smoke(env: Record<string, string | undefined>) {
  const { ELECTRON_SKIP_BINARY_DOWNLOAD: _skip, ...rest } = process.env;
  return spawnSync(process.execPath, ['--import', 'tsx', 'test/smoke/smoke.ts'], { cwd: projectRoot, encoding: 'utf8', env: { ...rest, ...env } });
}

describe.skipIf(hasElectron)('npm run smoke without an Electron binary', () => {
  it('skips and says why when the install skipped the binary on purpose', () => {
    const run = smoke({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(run.stdout).toMatch(/smoke: SKIPPED\. No Electron binary installed/);
    expect(run.status).toBe(0);
  }, 60_000);

  it('fails, naming the missing binary, when nothing said to expect that', () => {
    const run = smoke({});
    expect(run.stderr).toMatch(/smoke: FAILED\. No Electron binary installed/);
    expect(run.status).toBe(1);
  }, 60_000);
});
