/**
 * No import cycles in the app's source folders. A cycle means neither module can be read, tested
 * or moved without the other; the fix is to move the shared types to a leaf file both import
 * (docs/architecture.md). Type-only imports count too.
 */
import { describe, expect, it } from 'vitest';
import { buildImportGraph, findCycles, type ImportGraph } from './import-graph';

describe('import cycles', () => {
  it('finds none in shared/, electron/ and renderer/', () => {
    const graph = buildImportGraph(['shared', 'electron', 'renderer']);
    // The graph really was read: a well-known edge is in it.
    expect(graph.get('shared/kv/state-machine.ts')).toContain('shared/kv/command.ts');
    expect(findCycles(graph)).toEqual([]);
  });

  it('the finder reports a two-module cycle, a longer one and a self-import, and nothing for a chain', () => {
    const graph: ImportGraph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['a.ts', 'c.ts']],
      ['c.ts', ['d.ts']],
      ['d.ts', ['e.ts']],
      ['e.ts', ['c.ts']],
      ['f.ts', ['f.ts']],
      ['g.ts', ['h.ts']],
      ['h.ts', []],
    ]);
    expect(findCycles(graph)).toEqual([['a.ts', 'b.ts'], ['c.ts', 'd.ts', 'e.ts'], ['f.ts']]);
  });

  it('counts type-only imports, re-exports and dynamic imports as edges', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const root = mkdtempSync(join(tmpdir(), 'import-graph-'));
    try {
      mkdirSync(join(root, 'src'));
      writeFileSync(join(root, 'src/a.ts'), "import type { B } from './b';\nexport type A = B;\n");
      writeFileSync(join(root, 'src/b.ts'), "export * from './c';\nexport type B = number;\n");
      writeFileSync(join(root, 'src/c.ts'), "export const load = () => import('./a');\n");
      writeFileSync(join(root, 'src/d.vue'), "<template><p/></template>\n<script setup lang=\"ts\">\nimport { load } from './c';\n</script>\n");
      const graph = buildImportGraph(['src'], root);
      expect(graph.get('src/d.vue')).toEqual(['src/c.ts']);
      expect(findCycles(graph)).toEqual([['src/a.ts', 'src/b.ts', 'src/c.ts']]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
