/**
 * Loads sql.js once per wasm location. The wasm file's location is injectable because the
 * packaged app ships it outside node_modules; by default it is the copy in the sql.js package.
 */
import { createRequire } from 'node:module';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';

const loaded = new Map<string, Promise<SqlJsStatic>>();

export function defaultWasmPath(): string {
  return createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm');
}

export function loadSqlJs(wasmPath: string = defaultWasmPath()): Promise<SqlJsStatic> {
  let sql = loaded.get(wasmPath);
  if (sql === undefined) {
    sql = initSqlJs({ locateFile: () => wasmPath });
    // A failed load (missing file) must not poison later attempts with a fixed path.
    sql.catch(() => loaded.delete(wasmPath));
    loaded.set(wasmPath, sql);
  }
  return sql;
}
