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
  /** sql.js's loader for the storage checkpoint worker (unpacked when packaged). */
  readonly sqlJs: string;
  /** The storage checkpoint worker script (unpacked when packaged). */
  readonly checkpointWorker: string;
}

/** `mainDir` is the folder of the built main script. */
export function appPaths(mainDir: string): AppPaths {
  const outDir = dirname(mainDir);
  return {
    preload: join(outDir, 'preload', 'index.cjs'),
    rendererDir: join(outDir, 'renderer'),
    nodeEntry: join(mainDir, 'node.js'),
    sqlWasm: unpacked(join(mainDir, 'sql-wasm.wasm')),
    sqlJs: unpacked(join(mainDir, 'sql-wasm.cjs')),
    checkpointWorker: unpacked(join(mainDir, 'checkpoint-worker.mjs')),
  };
}

/** The path electron-builder's `asarUnpack` gives a file that was inside app.asar. */
export function unpacked(path: string): string {
  const marker = `${sep}app.asar${sep}`;
  return path.includes(marker) ? path.replace(marker, `${sep}app.asar.unpacked${sep}`) : path;
}

/** Environment variables through which node processes learn where their run-time files are. */
export const SQL_WASM_ENV = 'RAFT_LAB_SQL_WASM';
export const SQL_JS_ENV = 'RAFT_LAB_SQL_JS';
export const CHECKPOINT_WORKER_ENV = 'RAFT_LAB_CHECKPOINT_WORKER';

/**
 * The environment main sets before forking nodes (utility processes inherit it). Node processes
 * pass these paths to storage: NodeStorage.open(dir, id, { wasmPath, sqlJsPath, checkpointWorkerUrl }).
 */
export function nodeRuntimeEnv(paths: AppPaths): Record<string, string> {
  return {
    [SQL_WASM_ENV]: paths.sqlWasm,
    [SQL_JS_ENV]: paths.sqlJs,
    [CHECKPOINT_WORKER_ENV]: paths.checkpointWorker,
  };
}
