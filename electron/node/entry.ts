/**
 * The node process entry, the same for both hosts: a worker_threads worker (tests, command line,
 * browser host; run through tsx) and an Electron utility process (the app; bundled by
 * electron-vite). It opens the control port and hands everything else to NodeRuntime.
 * Static imports only, so the bundler can follow them.
 */
import { RawNode } from '../../shared/raft/raw-node';
import { pathToFileURL } from 'node:url';
import { CHECKPOINT_WORKER_ENV, SQL_JS_ENV, SQL_WASM_ENV } from '../main/app-paths';
import type { NodeStorageOptions } from '../storage';
import { NodeStorage } from '../storage';
import { NodeRuntime } from './node-runtime';
import { openControlPort } from './port-shim';

// A packaged app has no node_modules: main says where sql.js's wasm, its loader and the storage
// checkpoint worker are (see app-paths.ts). From a source checkout storage finds them itself.
function storageOptions(env: NodeJS.ProcessEnv): NodeStorageOptions {
  const wasmPath = env[SQL_WASM_ENV];
  const sqlJsPath = env[SQL_JS_ENV];
  const worker = env[CHECKPOINT_WORKER_ENV];
  return {
    ...(wasmPath ? { wasmPath } : {}),
    ...(sqlJsPath ? { sqlJsPath } : {}),
    ...(worker ? { checkpointWorkerUrl: pathToFileURL(worker) } : {}),
  };
}
const options = storageOptions(process.env);

new NodeRuntime(openControlPort(), {
  raft: RawNode,
  openStorage: (dataDir, node) => NodeStorage.open(dataDir, node, options),
  exit: (code) => process.exit(code),
});
