/**
 * The import graph of the app's source folders, read with the TypeScript compiler's own scanner
 * (`ts.preProcessFile`), so `import type`, re-exports and dynamic `import()` all count: a cycle made
 * only of type imports still ties two modules together for a reader and for the next refactor.
 * Vue single-file components contribute the imports of their <script> blocks.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');

/** Module (repo-relative path) to the repo-relative paths it imports. Package imports are left out. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const SOURCE = /\.(ts|vue)$/;
const SKIP_DIRS = new Set(['node_modules', 'out', 'dist', 'release']);

function listSources(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!SKIP_DIRS.has(name)) listSources(path, out);
    } else if (SOURCE.test(name) && !name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
}

function scriptOf(path: string): string {
  const text = readFileSync(path, 'utf8');
  if (!path.endsWith('.vue')) return text;
  const blocks = [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
  return blocks.join('\n');
}

/** The file a relative specifier names, or null when none exists (tsc reports those itself). */
function resolveSpecifier(fromFile: string, spec: string): string | null {
  const base = resolve(dirname(fromFile), spec);
  const stem = base.replace(/\.(js|mjs)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.vue`, join(base, 'index.ts')];
  for (const c of candidates) {
    try {
      if (statSync(c).isFile() && SOURCE.test(c)) return c;
    } catch {
      // not this candidate
    }
  }
  return null;
}

/** The import graph of every .ts and .vue file under `folders` (repo-relative), edges within them only. */
export function buildImportGraph(folders: readonly string[], root: string = REPO_ROOT): ImportGraph {
  const files: string[] = [];
  for (const folder of folders) listSources(join(root, folder), files);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(scriptOf(file), true, true);
    const targets = new Set<string>();
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const target = resolveSpecifier(file, ref.fileName);
      if (target !== null && known.has(target)) targets.add(relative(root, target));
    }
    graph.set(relative(root, file), [...targets].sort());
  }
  return graph;
}

/**
 * Every strongly connected component with more than one module, or a module that imports itself
 * (Tarjan's algorithm), each as its modules sorted, the list sorted: a stable report.
 */
export function findCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];

  // Iterative, so a deep graph cannot overflow the call stack.
  for (const start of [...graph.keys()].sort()) {
    if (indexOf.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    indexOf.set(start, counter);
    low.set(start, counter);
    counter++;
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const to = edges[frame.next++]!;
        if (!indexOf.has(to)) {
          indexOf.set(to, counter);
          low.set(to, counter);
          counter++;
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, indexOf.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === indexOf.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = component.length === 1 && (graph.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) cycles.push(component.sort());
      }
    }
  }
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}
