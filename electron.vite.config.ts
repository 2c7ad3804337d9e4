// Build of the desktop app into out/ (`npm run build`, `npm start`):
//   out/main/index.js       the main process (electron/main/index.ts)
//   out/main/node.js        the Raft node utility process (electron/node/entry.ts), forked by main
//   out/main/sql-wasm.wasm  sql.js's WebAssembly, beside the node entry that loads it
//   out/main/sql-wasm.cjs   sql.js's loader, for the storage checkpoint worker (a separate thread
//                           that cannot share the node's bundle); .cjs because package.json says
//                           "type": "module"
//   out/main/checkpoint-worker.mjs  that worker (electron/storage), copied as it is
//   out/preload/index.cjs   the preload: CommonJS, because sandboxed preloads cannot be ES modules
//   out/renderer/           the Vue app (renderer/index.html)
// Everything is bundled (the app has no runtime `dependencies`), so the packaged app needs no
// node_modules and the sandboxed preload has no `require` of its own to satisfy.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { contentPolicyMetaPlugin } from './electron/main/content-policy';

const root = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(import.meta.url);

/**
 * Files the node processes load at run time by path rather than by import, emitted beside the
 * node entry (electron/main/app-paths.ts names them; the packaged app has no node_modules).
 */
function nodeRuntimeFiles(): Plugin {
  const files: Record<string, string> = {
    'sql-wasm.wasm': require.resolve('sql.js/dist/sql-wasm.wasm'),
    'sql-wasm.cjs': require.resolve('sql.js/dist/sql-wasm.js'),
    'checkpoint-worker.mjs': resolve(root, 'electron/storage/checkpoint-worker.mjs'),
  };
  return {
    name: 'raft-lab:node-runtime-files',
    generateBundle() {
      for (const [fileName, from] of Object.entries(files)) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(from) });
      }
    },
  };
}

export default defineConfig({
  main: {
    plugins: [nodeRuntimeFiles()],
    build: {
      rolldownOptions: {
        input: {
          index: resolve(root, 'electron/main/index.ts'),
          node: resolve(root, 'electron/node/entry.ts'),
        },
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: resolve(root, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [vue(), contentPolicyMetaPlugin()],
    build: {
      rolldownOptions: { input: { index: resolve(root, 'renderer/index.html') } },
    },
  },
});
