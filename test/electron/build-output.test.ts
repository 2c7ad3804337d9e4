// `electron-vite build` produces every piece the app loads at run time, in the places the main
// process looks for them (electron/main/app-paths.ts), and the pieces are self-contained: the
// packaged app ships no node_modules, and the sandboxed preload may require nothing but electron.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPaths } from '../../electron/main/app-paths';
import { LAB_EVENTS_CHANNEL, LAB_METHODS, labChannel } from '../../shared/protocol/lab-wire';
import { MENU_COMMAND_CHANNEL, MENU_LISTENERS_CHANNEL } from '../../shared/protocol/app-menu';
import { SAVE_EXPORT_CHANNEL } from '../../shared/protocol/export-save';
import { buildApp } from './build-helpers';

let out: string;

beforeAll(async () => {
  out = await buildApp();
}, 240_000);
afterAll(() => rmSync(dirname(out), { recursive: true, force: true }));

/** Module specifiers a built ES module imports (static and dynamic) or requires. */
function importsOf(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const specs = [
    ...code.matchAll(/\bfrom\s*["']([^"']+)["']/g),
    ...code.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g),
    ...code.matchAll(/\brequire\s*\(\s*["']([^"']+)["']\s*\)/g),
    ...code.matchAll(/^import\s*["']([^"']+)["']/gm),
  ].map((m) => m[1]!);
  return [...new Set(specs)];
}

function listChunks(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => join(dir, f)) : [];
}

function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith('node:');
}

describe('electron-vite build output', () => {
  it('has the main script, node entry, wasm, preload and renderer where the main process looks', () => {
    const paths = appPaths(join(out, 'main'));
    for (const file of [join(out, 'main', 'index.js'), paths.nodeEntry, paths.sqlWasm, paths.sqlJs, paths.checkpointWorker, paths.preload, join(paths.rendererDir, 'index.html')]) {
      expect(existsSync(file), file).toBe(true);
    }
    // sql.js's wasm and loader are the package's own, byte for byte.
    const resolvePkg = createRequire(import.meta.url).resolve;
    expect(readFileSync(paths.sqlWasm).equals(readFileSync(resolvePkg('sql.js/dist/sql-wasm.wasm')))).toBe(true);
    expect(readFileSync(paths.sqlJs).equals(readFileSync(resolvePkg('sql.js/dist/sql-wasm.js')))).toBe(true);
    // The checkpoint worker runs as it is in a worker thread: Node built-ins only.
    expect(importsOf(paths.checkpointWorker).filter((s) => !isNodeBuiltin(s))).toEqual([]);
  });

  it('every file a built script locates with new URL(..., import.meta.url) exists beside it', () => {
    const scripts = [join(out, 'main', 'index.js'), join(out, 'main', 'node.js'), ...listChunks(join(out, 'main', 'chunks'))];
    for (const script of scripts) {
      const code = readFileSync(script, 'utf8');
      for (const m of code.matchAll(/new URL\(\s*["'](\.{1,2}\/[^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) {
        expect(existsSync(join(dirname(script), m[1]!)), `${script} locates ${m[1]}`).toBe(true);
      }
    }
  });

  it('main and node entry import only Electron, Node built-ins and their own chunks (no node_modules at run time)', () => {
    const seen = new Set<string>();
    const visit = (file: string, allowElectron: boolean) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(file)) {
        if (spec.startsWith('./') || spec.startsWith('../')) {
          const target = join(dirname(file), spec);
          expect(existsSync(target), `${file} imports missing ${spec}`).toBe(true);
          visit(target, allowElectron);
        } else if (!(isNodeBuiltin(spec) || (allowElectron && spec === 'electron'))) {
          throw new Error(`${file} imports "${spec}", which the packaged app would not have`);
        }
      }
    };
    visit(join(out, 'main', 'index.js'), true);
    // The node entry also runs in plain worker threads, so it must not need Electron at all.
    seen.clear();
    visit(join(out, 'main', 'node.js'), false);
  });

  it('renderer page loads only its own relative assets, and they exist', () => {
    const html = readFileSync(join(out, 'renderer', 'index.html'), 'utf8');
    // `data:` URLs (an empty favicon, say) load nothing.
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((r) => !r.startsWith('data:'));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref, 'relative, so it resolves on the app scheme').toMatch(/^\.\//);
      expect(existsSync(join(out, 'renderer', ref)), ref).toBe(true);
    }
    expect(html).toContain('Content-Security-Policy');
  });

  it('preload is one CommonJS file that requires only electron and exposes exactly the lab bridge', () => {
    // Electron's binary is not installed on the test machines, so the built preload runs here in
    // a bare VM context with a stand-in `electron` module that records what it is asked to do.
    const code = readFileSync(join(out, 'preload', 'index.cjs'), 'utf8');
    const exposed = new Map<string, Record<string, unknown>>();
    const invoked: unknown[][] = [];
    const sent: unknown[][] = [];
    const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.set(key, api) },
      ipcRenderer: {
        invoke: (...args: unknown[]) => {
          invoked.push(args);
          return Promise.resolve(null);
        },
        send: (...args: unknown[]) => sent.push(args),
        on: (channel: string, fn: (...args: unknown[]) => void) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(fn)),
        removeListener: (channel: string, fn: (...args: unknown[]) => void) => listeners.get(channel)?.delete(fn),
      },
    };
    const required: string[] = [];
    const sandboxRequire = (id: string) => {
      required.push(id);
      if (id === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require "${id}"`);
    };
    const module = { exports: {} };
    runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console });
    expect(required).toEqual(['electron']);

    expect([...exposed.keys()]).toEqual(['raftLab']);
    const api = exposed.get('raftLab')!;
    expect(Object.keys(api).sort()).toEqual([...LAB_METHODS, 'onEvents', 'onMenuCommand', 'saveExport'].sort());
    for (const value of Object.values(api)) expect(typeof value).toBe('function');

    // Each method invokes its own fixed channel with the caller's arguments.
    void (api['setSpeed'] as (s: number) => Promise<void>)(2);
    void (api['crashNode'] as (n: number) => Promise<void>)(3);
    void (api['saveExport'] as (id: string) => Promise<unknown>)('an-export-id');
    expect(invoked).toEqual([[labChannel('setSpeed'), 2], [labChannel('crashNode'), 3], [SAVE_EXPORT_CHANNEL, 'an-export-id']]);

    // Subscriptions deliver what main pushes and stop after unsubscribing.
    const batches: unknown[] = [];
    const stop = (api['onEvents'] as (l: (e: unknown) => void) => () => void)((e) => batches.push(e));
    for (const fn of listeners.get(LAB_EVENTS_CHANNEL) ?? []) fn({}, [{ type: 'run-state' }]);
    stop();
    for (const fn of listeners.get(LAB_EVENTS_CHANNEL) ?? []) fn({}, [{ type: 'late' }]);
    expect(batches).toEqual([[{ type: 'run-state' }]]);

    // Menu commands: only known ones get through; main hears how many listeners there are.
    const commands: unknown[] = [];
    const stopMenu = (api['onMenuCommand'] as (l: (c: unknown) => void) => () => void)((c) => commands.push(c));
    for (const fn of listeners.get(MENU_COMMAND_CHANNEL) ?? []) {
      fn({}, { type: 'export' });
      fn({}, { type: 'format-disk' });
    }
    expect(commands).toEqual([{ type: 'export' }]);
    stopMenu();
    stopMenu();
    expect(sent).toEqual([[MENU_LISTENERS_CHANNEL, 1], [MENU_LISTENERS_CHANNEL, 0]]);
  });
});
