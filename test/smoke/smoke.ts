/**
 * `npm run smoke`: the one-command check that an installed checkout really runs the desktop
 * app. Builds the app, launches it with the installed Electron under Playwright's Electron
 * support, creates a cluster, waits for a leader, writes, exports the replay log and checks the
 * file (smoke.spec.ts). Exits non-zero on any failure.
 *
 * Without an Electron binary there is nothing to launch. Where that is expected (installed with
 * ELECTRON_SKIP_BINARY_DOWNLOAD=1, as on machines that cannot reach Electron's downloads) it
 * says it skips and why, and exits 0; otherwise a missing binary is itself the failure.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import process from 'node:process';
import { electronExecutable, NO_ELECTRON_BINARY } from './electron-executable';

const projectRoot = resolve(import.meta.dirname, '../..');

function run(command: string, args: readonly string[]): number {
  const result = spawnSync(command, args, { cwd: projectRoot, stdio: 'inherit' });
  return result.status ?? 1;
}

function main(): number {
  const executable = electronExecutable(projectRoot);
  if (executable === null) {
    if (process.env['ELECTRON_SKIP_BINARY_DOWNLOAD'] === '1') {
      console.log(`smoke: SKIPPED. ${NO_ELECTRON_BINARY} ELECTRON_SKIP_BINARY_DOWNLOAD=1 says this machine installs without it, so there is no app to launch here.`);
      return 0;
    }
    console.error(`smoke: FAILED. ${NO_ELECTRON_BINARY} Run \`npm install\` again where Electron's downloads are reachable (or set ELECTRON_SKIP_BINARY_DOWNLOAD=1 to acknowledge a machine without Electron).`);
    return 1;
  }
  console.log(`smoke: building the app, then launching ${executable}`);
  const built = run(process.execPath, [resolve(projectRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build']);
  if (built !== 0) {
    console.error('smoke: FAILED: the build failed');
    return built;
  }
  const tested = run(process.execPath, [resolve(projectRoot, 'node_modules/@playwright/test/cli.js'), 'test', '-c', 'test/smoke/playwright.config.ts']);
  console.log(tested === 0 ? 'smoke: PASSED' : 'smoke: FAILED (see above; screenshots in test-results/smoke/)');
  return tested;
}

process.exitCode = main();
