/**
 * A data folder that already holds a cluster is refused by the lab, saying what is there and how
 * to discard it, and its files are left exactly as they were. (Before, the new cluster's nodes
 * restored the old one's terms, logs and client sessions, so clients starting again at sequence 1
 * were answered "superseded" or with an earlier run's cached answer.)
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST, openLab, waitForLeader, type Lab } from './helpers';

let lab: Lab | null = null;
afterEach(async () => {
  await lab?.dispose();
  lab = null;
});

async function contents(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) out.set(name, (await readFile(join(dir, name))).toString('base64'));
  return out;
}

describe('a data folder that already holds a cluster', () => {
  it('is refused with what is there and how to discard it, and nothing in it changes', async () => {
    lab = await openLab();
    const l = lab.lab;
    await l.createCluster({ ...FAST, nodes: 3, dataDir: lab.dir });
    await waitForLeader(l);
    expect((await l.submit({ type: 'put', key: 'k', value: 'first run' }, { timeoutMs: 8000 })).ok).toBe(true);
    await l.destroyCluster();
    const before = await contents(lab.dir);
    expect([...before.keys()]).toEqual(expect.arrayContaining(['node-1.sqlite', 'node-2.sqlite', 'node-3.sqlite']));

    expect([...before.keys()].filter((n) => /^recording-\d+\.jsonl\.gz$/.test(n))).toHaveLength(1);

    await expect(l.createCluster({ ...FAST, nodes: 3, dataDir: lab.dir })).rejects.toThrow(/already holds a cluster \(.*node-1\.sqlite.*recording-\d+\.jsonl\.gz.*\).*delete these files to discard/);
    expect(await contents(lab.dir)).toEqual(before);
    expect((await l.snapshot().catch((e: unknown) => String(e)))).toMatch(/no cluster/i);
  });

  it('a folder holding only a recording (gzip, or plain JSON Lines from before) is refused too', async () => {
    lab = await openLab();
    for (const name of ['recording-1.jsonl.gz', 'recording-2.jsonl']) {
      const dir = join(lab.dir, `only-${name}`);
      await mkdir(dir);
      await writeFile(join(dir, name), '');
      await expect(lab.lab.createCluster({ ...FAST, nodes: 3, dataDir: dir })).rejects.toThrow(new RegExp(`already holds a cluster \\(${name.replace(/\./g, '\\.')}\\)`));
    }
  });

  it('a new, empty folder is fine', async () => {
    lab = await openLab();
    await lab.lab.createCluster({ ...FAST, nodes: 3, dataDir: join(lab.dir, 'fresh') });
    await waitForLeader(lab.lab);
  });
});
