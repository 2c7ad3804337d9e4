import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LineBuffer } from '../../shared/record/line-buffer';

const dir = mkdtempSync(join(tmpdir(), 'raft-lab-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LineBuffer', () => {
  it('appends every line once, in order, in a few writes', async () => {
    const file = join(dir, 'a.jsonl');
    let writes = 0;
    const buf = new LineBuffer(async (chunk) => {
      writes++;
      await appendFile(file, chunk);
    }, 100);
    for (let i = 0; i < 1050; i++) buf.push(`{"i":${i}}`);
    await buf.flush();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toEqual(Array.from({ length: 1050 }, (_, i) => `{"i":${i}}`));
    expect(writes).toBe(11);
  });

  it('reports a failed write on the next flush', async () => {
    const buf = new LineBuffer(() => Promise.reject(new Error('disk full')));
    buf.push('x');
    await expect(buf.flush()).rejects.toThrow('disk full');
  });

  it('a write that fails on an automatic flush (buffer full) does not throw out of push; the next flush reports it', async () => {
    const buf = new LineBuffer(() => Promise.reject(new Error('no such folder')), 2);
    buf.push('a');
    buf.push('b'); // full: flushes on its own, and that write fails
    buf.push('c');
    // Vitest fails the run on an unhandled rejection, so reaching the assertion is the first check.
    await expect(buf.flush()).rejects.toThrow('no such folder');
  });
});

