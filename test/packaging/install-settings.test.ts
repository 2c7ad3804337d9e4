// The install settings that make `npm install` leave Electron able to launch on a user's
// machine: Electron pinned to a supported release whose install tooling runs on the Node the
// project names (Node 24 LTS, 22.12 at least), and its
// postinstall (the binary download) approved in package.json's allowScripts, which npm 11
// consults before running any dependency's install script.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../electron/build-helpers';

interface PackageJson {
  readonly name?: string;
  readonly version: string;
  readonly main?: string;
  readonly engines?: { readonly node?: string };
  readonly scripts?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly allowScripts?: Record<string, boolean>;
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
const pkg = readJson(join(projectRoot, 'package.json'));
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { readonly version: string } | null;
};

describe('install settings', () => {
  it('pins Electron to one exact release, the installed one', () => {
    const wanted = pkg.devDependencies?.['electron'];
    expect(wanted).toMatch(/^\d+\.\d+\.\d+$/);
    expect(readJson(join(projectRoot, 'node_modules/electron/package.json')).version).toBe(wanted);
  });

  it('uses a supported Electron line and names Node 24 LTS as the development platform', () => {
    // Electron keeps its three newest major lines patched: 45, 44 and 43 as of December 2026.
    expect(Number(pkg.devDependencies?.['electron']?.split('.')[0])).toBeGreaterThanOrEqual(45);
    expect(pkg.engines?.node).toBe('>=22.12');
    expect(readFileSync(join(projectRoot, '.nvmrc'), 'utf8').trim()).toBe('24');
    const ci = readFileSync(join(projectRoot, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/node@24/);
  });

  it('installs on the Node the project supports: Electron and its download tooling accept it', () => {
    const electronDir = join(projectRoot, 'node_modules/electron');
    const electron = readJson(join(electronDir, 'package.json'));
    // Resolved from electron's own folder: the copy its install script will load.
    // Its package.json is not in its exports map: walk up from the entry it exports.
    let getDir = dirname(createRequire(join(electronDir, 'install.js')).resolve('@electron/get'));
    while (!existsSync(join(getDir, 'package.json')) || readJson(join(getDir, 'package.json')).name !== '@electron/get') getDir = dirname(getDir);
    const getPkg = join(getDir, 'package.json');
    const get = readJson(getPkg);
    const supportedNode = pkg.engines?.node;
    expect(supportedNode).toBeDefined();
    // The oldest Node that package.json's engines admit must be enough too.
    const lowest = semver.minVersion(supportedNode!)!.version;
    for (const [name, range] of [['electron', electron.engines?.node], ['@electron/get', get.engines?.node]] as const) {
      if (range === undefined) continue;
      expect(semver.satisfies(process.version, range), `${name} needs Node ${range}, running ${process.version}`).toBe(true);
      expect(semver.satisfies(lowest, range), `${name} needs Node ${range}, package.json promises ${supportedNode}`).toBe(true);
    }
    expect(dirname(getPkg)).toContain('@electron');
  });

  it('approves electron\'s install script and leaves no dependency\'s script unreviewed', async () => {
    expect(pkg.allowScripts?.['electron']).toBe(true);
    const { stdout, stderr } = await promisify(execFile)('npm', ['install-scripts', 'ls'], { cwd: projectRoot, env: { ...process.env, NO_COLOR: '1' } });
    expect(`${stdout}${stderr}`).toMatch(/No packages with unreviewed install scripts/);
  }, 120_000);

  it('has start, build and dist scripts and points main at the built main script', () => {
    expect(pkg.main).toBe('out/main/index.js');
    expect(pkg.scripts?.['build']).toBe('electron-vite build');
    expect(pkg.scripts?.['start']).toBe('electron-vite preview');
    expect(pkg.scripts?.['dist']).toMatch(/^electron-vite build && electron-builder\b/);
  });
});
