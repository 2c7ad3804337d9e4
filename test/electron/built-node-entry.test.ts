// The bundled node entry (out/main/node.js) runs real Raft nodes: the lab controller starts a
// three-node cluster from the built file in worker threads (the Electron utility-process host
// runs the same file, but Electron's binary is not installed here), the nodes elect a leader and
// commit a write to their SQLite files through the wasm shipped beside the entry.
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerHost } from '../../electron/host/worker-host';
import { LabController } from '../../electron/lab/controller';
import { appPaths, nodeRuntimeEnv } from '../../electron/main/app-paths';
import { buildApp } from './build-helpers';

let out: string;
let dataDir: string;
const previousEnv = { ...process.env };

beforeAll(async () => {
  out = await buildApp();
  dataDir = await mkdtemp(join(tmpdir(), 'raft-lab-built-node-'));
}, 240_000);
afterAll(() => {
  for (const key of Object.keys(nodeRuntimeEnv(appPaths('/')))) {
    if (previousEnv[key] === undefined) delete process.env[key];
    else process.env[key] = previousEnv[key];
  }
  rmSync(dirname(out), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('built node entry', () => {
  it('elects a leader and commits a write', async () => {
    const paths = appPaths(join(out, 'main'));
    // As the main process does before forking nodes (app-lifecycle.ts).
    Object.assign(process.env, nodeRuntimeEnv(paths));
    const lab = new LabController({ host: new WorkerHost({ entry: pathToFileURL(paths.nodeEntry), execArgv: [] }), batchMs: 10 });
    try {
      await lab.createCluster({ nodes: 3, tickMs: 10, heartbeatTicks: 2, electionTicks: 15, preVote: true, checkQuorum: true, snapshotEvery: 0, seed: 3, dataDir });
      const result = await lab.submit({ type: 'put', key: 'built', value: 'yes' }, { timeoutMs: 20_000 });
      expect(result).toMatchObject({ ok: true });
      const read = await lab.submit({ type: 'get', key: 'built' }, { timeoutMs: 20_000 });
      expect(read).toMatchObject({ ok: true, value: 'yes' });
      const snap = await lab.snapshot();
      expect(snap.nodes.every((n) => n.life === 'running')).toBe(true);
      expect(snap.violations).toEqual([]);
    } finally {
      await lab.destroyCluster();
    }
  }, 120_000);
});
