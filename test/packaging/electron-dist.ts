/**
 * Where this machine has an unpacked Electron distribution, if anywhere: the one electron's
 * postinstall downloads into node_modules/electron/dist (recorded in path.txt), or a folder
 * named by ELECTRON_OVERRIDE_DIST_PATH (Electron's own variable for a local dist).
 * With ELECTRON_SKIP_BINARY_DOWNLOAD=1 and no override there is none, and no registry package
 * ships one, so the tests that need a real Electron say so and skip.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ElectronDist {
  readonly dir: string;
  readonly executable: string;
}

export function findElectronDist(projectRoot: string): ElectronDist | null {
  const pkgDir = join(projectRoot, 'node_modules', 'electron');
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  const dir = process.env['ELECTRON_OVERRIDE_DIST_PATH'] ?? (existsSync(pathFile) ? join(pkgDir, 'dist') : null);
  if (dir === null) return null;
  const executable = join(dir, relative);
  return existsSync(executable) ? { dir, executable } : null;
}

export const NO_ELECTRON_REASON =
  'no Electron binary on this machine: electron\'s postinstall download was skipped ' +
  '(ELECTRON_SKIP_BINARY_DOWNLOAD=1, no network to Electron\'s downloads) and no npm package ships ' +
  'an unpacked Electron; set ELECTRON_OVERRIDE_DIST_PATH to a local Electron dist to run this';
