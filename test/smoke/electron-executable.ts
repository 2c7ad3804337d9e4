/** The Electron executable `require('electron')` names, if it is really there. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export function electronExecutable(projectRoot: string): string | null {
  try {
    const path = createRequire(join(projectRoot, 'package.json'))('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    // electron's index.js throws when its postinstall never downloaded the binary.
    return null;
  }
}

export const NO_ELECTRON_BINARY =
  'No Electron binary installed: require("electron") names no existing file (electron\'s postinstall did not download it).';
