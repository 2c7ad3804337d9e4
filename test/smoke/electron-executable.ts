/**
 * The installed Electron executable, if there is one: what electron's postinstall downloaded
 * (named in node_modules/electron/path.txt), or a local dist named by ELECTRON_OVERRIDE_DIST_PATH.
 * Looked up on disk only: `require('electron')` would try to download a missing binary.
 */
import { findElectronDist } from '../packaging/electron-dist';

export function electronExecutable(projectRoot: string): string | null {
  return findElectronDist(projectRoot)?.executable ?? null;
}

export const NO_ELECTRON_BINARY =
  'No Electron binary installed: electron\'s postinstall did not download it (node_modules/electron has no dist), and ELECTRON_OVERRIDE_DIST_PATH names none.';
