/**
 * Bad input to the runtime gets a clear error naming what was wrong and loses nothing: bad
 * cluster options, a node whose database file is corrupt (reported, file left byte for byte),
 * step commands naming things that do not exist.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST, openLab, waitForLeader, type Lab } from './helpers';

let current: Lab | null = null;
afterEach(async () => {
  await current?.dispose();
  current = null;
});

describe('bad input', () => {
  it('rejects bad cluster options, naming the option', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await expect(lab.createCluster({ ...FAST, nodes: 12, dataDir: dir })).rejects.toThrow(/nodes must be an integer in \[1, 9\], got 12/);
    await expect(lab.createCluster({ ...FAST, nodes: 3, heartbeatTicks: 20, electionTicks: 10, dataDir: dir })).rejects.toThrow(/heartbeatTicks \(20\) must be below electionTicks \(10\)/);
  });

  it('refuses to restart a node whose file is corrupt, names the file, and leaves it untouched', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    await waitForLeader(lab);
    expect(await lab.submit({ type: 'put', key: 'a', value: '1' })).toMatchObject({ ok: true });
    await lab.crashNode(2);
    const files = (await readdir(dir)).filter((f) => f.startsWith('node-2.'));
    expect(files.length).toBeGreaterThan(0);
    const garbage = Buffer.from('this is not a database, nor a journal\n'.repeat(20));
    for (const f of files) await writeFile(join(dir, f), garbage);

    const refused = await lab.restartNode(2).then(() => null, (e: unknown) => (e instanceof Error ? e.message : String(e)));
    expect(refused).toMatch(/node 2 refused to start: .*node-2\./);
    // The node is named once, not once per layer the error passed through.
    expect(refused?.match(/node 2\b/g)).toHaveLength(1);
    const view = (await lab.snapshot()).nodes.find((n) => n.id === 2);
    expect(view?.life).toBe('crashed');
    expect(view?.exit).toMatchObject({ reason: 'refused-to-start' });
    const detail = view?.exit && 'detail' in view.exit ? view.exit.detail : '';
    expect(detail.match(/node 2\b/g) ?? []).toHaveLength(0);
    for (const f of files) expect(Buffer.compare(await readFile(join(dir, f)), garbage)).toBe(0);
    // The other two still form a majority and keep working.
    expect(await lab.submit({ type: 'put', key: 'b', value: '2' }, { timeoutMs: 8000 })).toMatchObject({ ok: true });
  });

  it('rejects step commands for things that do not exist', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, tickMs: 1000, nodes: 3, dataDir: dir });
    await lab.setPaused(true);
    await expect(lab.deliver('1.1.99>2')).rejects.toThrow(/^no pending message "1\.1\.99>2" \(pending: /);
    await expect(lab.deliver('whatever')).rejects.toThrow(/not a pending id/);
    await expect(lab.fireTimeout(7)).rejects.toThrow(/node 7 is not in the lab/);
    await expect(lab.setLinkFault({ from: 1, to: 2 }, { loss: 2 })).rejects.toThrow(/loss must be a probability in \[0, 1\], got 2/);
  });
});
