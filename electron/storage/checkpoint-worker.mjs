// The checkpoint worker (plain JavaScript so it runs in a worker thread without a TypeScript
// loader, in a source checkout and in the packaged app alike). It folds the statements the node
// ran since the last checkpoint into a copy of the database file, and replaces the file
// atomically: temporary file, fsync, rename, fsync of the folder. The export that this needs
// blocks this thread, not the node's, for as long as the database is large.
//
// workerData: { sqlJsPath, wasmPath, databasePath, copyTo: string | null, slabs: [{ buffer, used }] }
// reply:      { ok: true, bytes } | { ok: false, message }
import { Buffer } from 'node:buffer';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

async function syncDirectory(dir) {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeFileAtomic(path, bytes) {
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

async function checkpoint({ sqlJsPath, wasmPath, databasePath, copyTo, slabs }) {
  const initSqlJs = createRequire(import.meta.url)(sqlJsPath);
  const SQL = await initSqlJs({ locateFile: () => wasmPath });
  const db = new SQL.Database(await readFile(databasePath));
  try {
    db.run('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;');
    const statements = new Map();
    db.run('BEGIN');
    for (const slab of slabs) {
      const text = Buffer.from(slab.buffer, 0, slab.used).toString('utf8');
      for (const line of text.split('\n')) {
        if (line === '') continue;
        for (const [sql, params] of JSON.parse(line)) {
          let statement = statements.get(sql);
          if (statement === undefined) {
            statement = db.prepare(sql);
            statements.set(sql, statement);
          }
          statement.run(params);
        }
      }
    }
    db.run('COMMIT');
    for (const statement of statements.values()) statement.free();
    const bytes = db.export();
    await writeFileAtomic(databasePath, bytes);
    if (copyTo !== null) await writeFileAtomic(copyTo, bytes);
    return bytes.length;
  } finally {
    db.close();
  }
}

checkpoint(workerData).then(
  (bytes) => parentPort.postMessage({ ok: true, bytes }),
  (error) => parentPort.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) }),
);
