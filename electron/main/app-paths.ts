/**
 * Where the built app's pieces are, relative to the built main script (out/main/index.js, inside
 * app.asar when packaged). electron.vite.config.ts decides these names; electron-builder.yml
 * packs them; test/electron/build-output.test.ts checks that a build produces them.
 */
import { dirname, join, sep } from 'node:path';

export interface AppPaths {
  /** The sandboxed preload (CommonJS). */
  readonly preload: string;
  /** The built renderer folder, served on the app scheme. */
  readonly rendererDir: string;
  /** The Raft node utility-process entry. */
  readonly nodeEntry: string;
  /** sql.js's WebAssembly: unpacked from the archive when packaged, so it is a plain file. */
  readonly sqlWasm: string;
}

/** `mainDir` is the folder of the built main script. */
export function appPaths(mainDir: string): AppPaths {
  const outDir = dirname(mainDir);
  return {
    preload: join(outDir, 'preload', 'index.cjs'),
    rendererDir: join(outDir, 'renderer'),
    nodeEntry: join(mainDir, 'node.js'),
    sqlWasm: unpacked(join(mainDir, 'sql-wasm.wasm')),
  };
}

/** The path electron-builder's `asarUnpack` gives a file that was inside app.asar. */
export function unpacked(path: string): string {
  const marker = `${sep}app.asar${sep}`;
  return path.includes(marker) ? path.replace(marker, `${sep}app.asar.unpacked${sep}`) : path;
}

/** Environment variable through which node processes learn where sql.js's wasm is. */
export const SQL_WASM_ENV = 'RAFT_LAB_SQL_WASM';
