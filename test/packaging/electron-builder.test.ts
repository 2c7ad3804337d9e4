// Packaging with electron-builder. The configuration is validated against electron-builder's
// own schema everywhere. Packing the app into a directory (`--dir`) needs a local Electron
// distribution to copy, which only machines with the Electron binary have (see electron-dist.ts);
// elsewhere that test is skipped and says why.
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, projectRoot } from '../electron/build-helpers';
import { findElectronDist, NO_ELECTRON_REASON } from './electron-dist';

const require = createRequire(import.meta.url);

interface BuilderConfig {
  /** electron-builder normalises plain globs into `{ filter }` entries while validating. */
  readonly files?: readonly (string | { readonly filter?: readonly string[] })[];
  readonly asarUnpack?: readonly string[];
  readonly npmRebuild?: boolean;
  readonly appId?: string;
  readonly productName?: string;
  readonly electronFuses?: Record<string, boolean>;
  readonly linux?: {
    readonly target?: readonly string[]; readonly executableName?: string; readonly icon?: string; readonly category?: string;
    readonly maintainer?: string; readonly desktop?: { readonly entry?: Record<string, string> };
  };
  readonly deb?: { readonly depends?: readonly string[] };
  readonly win?: { readonly target?: readonly string[]; readonly icon?: string };
  readonly mac?: { readonly target?: readonly string[]; readonly icon?: string };
}
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const asar = require('@electron/asar') as { listPackage(archive: string, options: object): string[] };
// Resolved from electron-builder's own folder: the copy that flips the fuses when it packs.
const fuses = createRequire(require.resolve('app-builder-lib/package.json'))('@electron/fuses') as {
  getCurrentFuseWire(executable: string): Promise<Record<string, unknown>>;
  FuseV1Options: Record<string, number>;
  FuseState: Record<string, number>;
};

/** The fuses the packed app must have, by @electron/fuses' option name: on (true) or off (false). */
const WANTED_FUSES = {
  RunAsNode: false,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  GrantFileProtocolExtraPrivileges: false,
  EnableCookieEncryption: true,
} as const;

const dist = findElectronDist(projectRoot);
const cleanup: string[] = [];
afterAll(() => cleanup.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('electron-builder configuration', () => {
  it('passes electron-builder\'s schema and targets AppImage, deb, nsis and dmg', async () => {
    const config = await getConfig(projectRoot, 'electron-builder.yml', null);
    await validateConfiguration(config, new DebugLogger(false));
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.mac?.target).toEqual(['dmg']);
    const globs = (config.files ?? []).flatMap((f) => (typeof f === 'string' ? [f] : (f.filter ?? [])));
    expect(globs).toEqual(expect.arrayContaining(['out/**/*', 'package.json']));
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['out/main/sql-wasm.wasm', 'out/main/sql-wasm.cjs', 'out/main/checkpoint-worker.mjs']));
  });

  it('sets the security fuses at packaging', async () => {
    const config = await getConfig(projectRoot, 'electron-builder.yml', null);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('carries release metadata: id, name, icons for every platform, Linux desktop entry and deb dependencies', async () => {
    const config = await getConfig(projectRoot, 'electron-builder.yml', null);
    expect(config.appId).toMatch(/^[a-z]+(\.[A-Za-z]+)+$/);
    expect(config.productName).toBe('Raft Lab');
    const icons = join(projectRoot, config.linux!.icon!);
    for (const size of [16, 32, 48, 64, 128, 256, 512]) expect(existsSync(join(icons, `${size}x${size}.png`)), `${size}px`).toBe(true);
    const ico = readFileSync(join(projectRoot, config.win!.icon!));
    expect(ico.readUInt16LE(2)).toBe(1); // an icon directory
    expect(ico.readUInt16LE(4)).toBeGreaterThanOrEqual(5);
    expect(readFileSync(join(projectRoot, config.mac!.icon!)).subarray(0, 4).toString('ascii')).toBe('icns');
    expect(config.linux?.category).toBe('Education');
    expect(config.linux?.maintainer).toBeTruthy();
    expect(config.linux?.desktop?.entry?.['Categories']).toMatch(/Education;/);
    expect(config.deb?.depends).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libgbm1']));
  });

  it('rejects a configuration with a misspelt option (the check above can fail)', async () => {
    const config = await getConfig(projectRoot, 'electron-builder.yml', null);
    await expect(validateConfiguration({ ...config, linux: { ...config.linux, targt: ['deb'] } as BuilderConfig['linux'] }, new DebugLogger(false))).rejects.toThrow(/configuration/);
  });
});

describe('electron-builder --dir', () => {
  if (!dist) console.warn(`packaging test skipped: ${NO_ELECTRON_REASON}`);

  it.skipIf(!dist)('packs main, preload, node entry, renderer and wasm where the app finds them', async () => {
    // A staging project: the build output plus what electron-builder reads, nothing else.
    const stage = mkdtempSync(join(tmpdir(), 'raft-lab-pack-'));
    cleanup.push(stage);
    const out = await buildApp();
    cleanup.push(join(out, '..'));
    cpSync(out, join(stage, 'out'), { recursive: true });
    copyFileSync(join(projectRoot, 'package.json'), join(stage, 'package.json'));
    copyFileSync(join(projectRoot, 'electron-builder.yml'), join(stage, 'electron-builder.yml'));
    cpSync(join(projectRoot, 'build'), join(stage, 'build'), { recursive: true });

    const cli = join(projectRoot, 'node_modules/electron-builder/cli.js');
    await promisify(execFile)(process.execPath, [cli, '--dir', '--projectDir', stage, `-c.electronDist=${dist!.dir}`, '--publish', 'never'], {
      cwd: stage, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    });

    const unpackedDir = ['linux-unpacked', 'win-unpacked', 'mac/Raft Lab.app/Contents']
      .map((d) => join(stage, 'release', d)).find((d) => existsSync(d));
    expect(unpackedDir, 'electron-builder wrote an unpacked app').toBeDefined();
    const resources = join(unpackedDir!, 'resources');
    const files = asar.listPackage(join(resources, 'app.asar'), {}).map((f) => f.replaceAll('\\', '/'));
    for (const file of ['/package.json', '/out/main/index.js', '/out/main/node.js', '/out/preload/index.cjs', '/out/renderer/index.html', '/out/main/sql-wasm.wasm', '/out/main/sql-wasm.cjs', '/out/main/checkpoint-worker.mjs']) {
      expect(files, file).toContain(file);
    }
    expect(files.some((f) => f.startsWith('/node_modules/')), 'no node_modules in the archive').toBe(false);
    // The fuses as flipped in the packed executable itself.
    const executable = ['raft-lab', 'Raft Lab.exe', 'MacOS/Raft Lab'].map((f) => join(unpackedDir!, f)).find((f) => existsSync(f));
    expect(executable, 'the packed executable').toBeDefined();
    const wire = await fuses.getCurrentFuseWire(executable!);
    for (const [name, on] of Object.entries(WANTED_FUSES)) {
      expect(wire[fuses.FuseV1Options[name]!], name).toBe(on ? fuses.FuseState['ENABLE'] : fuses.FuseState['DISABLE']);
    }
    // What node processes load by path is there as plain files too (electron/main/app-paths.ts).
    for (const file of ['sql-wasm.wasm', 'sql-wasm.cjs', 'checkpoint-worker.mjs']) {
      expect(existsSync(join(resources, 'app.asar.unpacked', 'out', 'main', file)), `${file} unpacked`).toBe(true);
    }
  }, 600_000);
});
