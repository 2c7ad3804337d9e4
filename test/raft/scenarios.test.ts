import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScript } from './harness/script';

// Each testdata/*.txt is a narrated scenario with expected transcripts; REWRITE=1 regenerates
// them (then read the diff: the goldens are the reviewed statement of correct behaviour).
const dir = join(import.meta.dirname, 'testdata');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

describe('raft scenarios', () => {
  it('has scenario files', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    it(f, () => {
      const path = join(dir, f);
      const text = readFileSync(path, 'utf8');
      const actual = runScript(text, f);
      // A safety violation is only ever expected where a deliberate bug is switched on; anywhere
      // else it fails the test even under REWRITE, so it cannot be baked into a golden.
      if (!f.includes('unsafe')) expect(actual.split('\n').filter((l) => l.startsWith('!! '))).toEqual([]);
      else expect(actual).toMatch(/^!! /m);
      if (process.env['REWRITE'] === '1') {
        writeFileSync(path, actual);
        return;
      }
      expect(actual).toBe(text);
    });
  }
});
