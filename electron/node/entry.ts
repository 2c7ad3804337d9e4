/**
 * The node process entry, the same for both hosts: a worker_threads worker (tests, command line,
 * browser host; run through tsx) and an Electron utility process (the app; bundled by
 * electron-vite). It opens the control port and hands everything else to NodeRuntime.
 * Static imports only, so the bundler can follow them.
 */
import { RawNode } from '../../shared/raft/raw-node';
import { SQL_WASM_ENV } from '../main/app-paths';
import { NodeStorage } from '../storage';
import { NodeRuntime } from './node-runtime';
import { openControlPort } from './port-shim';

// A packaged app has no node_modules: main says where sql.js's wasm is (see app-paths.ts).
const wasmPath = process.env[SQL_WASM_ENV];

new NodeRuntime(openControlPort(), {
  raft: RawNode,
  openStorage: (dataDir, node) => NodeStorage.open(dataDir, node, wasmPath ? { wasmPath } : {}),
  exit: (code) => process.exit(code),
});
