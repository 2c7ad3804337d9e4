/**
 * Runs one checkpoint in a fresh worker thread (checkpoint-worker.mjs) and reports the new
 * database size. A fresh worker per checkpoint keeps nothing alive between checkpoints, which
 * are rare (the journal must outgrow the database first).
 */
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Slab } from './ops-log';

export interface CheckpointJob {
  readonly workerUrl: URL;
  readonly sqlJsPath: string;
  readonly wasmPath: string;
  readonly databasePath: string;
  /** Also write the resulting database here (an export), atomically. */
  readonly copyTo: string | null;
  readonly slabs: readonly Slab[];
}

/** The worker beside this file (source checkout); computed on demand so bundles that pass their own never touch it. */
export function defaultCheckpointWorkerUrl(): URL {
  return new URL('./checkpoint-worker.mjs', import.meta.url);
}

/** sql.js's main module from node_modules (source checkout). Throws a clear error without it. */
export function defaultSqlJsPath(): string {
  try {
    return createRequire(import.meta.url).resolve('sql.js');
  } catch (error) {
    throw new Error(`cannot find sql.js for the storage checkpoint worker (${String(error)}); pass the sqlJsPath option`, { cause: error });
  }
}

/** Fails early, at open, when the worker script is missing: better than failing at the first checkpoint. */
export async function checkWorkerFiles(workerUrl: URL, sqlJsPath: string): Promise<void> {
  for (const [what, path] of [
    ['checkpoint worker script (option checkpointWorkerUrl)', fileURLToPath(workerUrl)],
    ['sql.js module for the checkpoint worker (option sqlJsPath)', sqlJsPath],
  ] as const) {
    try {
      await access(path);
    } catch {
      throw new Error(`storage cannot start: the ${what} is missing at ${path}`);
    }
  }
}

type WorkerReply = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly message: string };

function isReply(value: unknown): value is WorkerReply {
  return typeof value === 'object' && value !== null && 'ok' in value && typeof value.ok === 'boolean';
}

export function runCheckpointWorker(job: CheckpointJob): Promise<number> {
  return new Promise((resolve, reject) => {
    const { workerUrl, ...data } = job;
    const worker = new Worker(workerUrl, {
      name: 'raft-storage-checkpoint',
      workerData: data,
      transferList: job.slabs.map((s) => s.buffer),
    });
    let settled = false;
    worker.once('message', (reply: unknown) => {
      settled = true;
      if (!isReply(reply)) reject(new Error('checkpoint worker sent an unexpected reply'));
      else if (reply.ok) resolve(reply.bytes);
      else reject(new Error(`checkpoint worker failed: ${reply.message}`));
      void worker.terminate();
    });
    worker.once('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`checkpoint worker exited with code ${code} before replying`));
      settled = true;
    });
  });
}
