/**
 * The controller's lifecycle operations (create, destroy, restart, add) run one at a time on
 * real worker-thread nodes: a second create while one runs or is being created is refused, a
 * destroy waits for a create in progress, and no node process outlives its cluster. The host
 * below counts the real processes the controller starts and sees end.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { LabController } from '../../electron/lab/controller';
import { WorkerHost } from '../../electron/host/worker-host';
import type { NodeProcess, ProcessHost } from '../../electron/host/process-host';
import type { NodeId } from '../../shared/raft/types';
import { FAST, tempDir, waitFor, waitForLeader } from './helpers';

/** The real WorkerHost, remembering which of its processes have not exited yet. */
class CountingHost implements ProcessHost {
  readonly live = new Set<NodeProcess>();
  readonly spawnedBy = new Map<NodeId, number>();
  private readonly inner = new WorkerHost();

  spawn(node: NodeId): NodeProcess {
    const proc = this.inner.spawn(node);
    this.live.add(proc);
    this.spawnedBy.set(node, (this.spawnedBy.get(node) ?? 0) + 1);
    proc.onExit(() => this.live.delete(proc));
    return proc;
  }

  connect(a: NodeProcess, aReq: number, b: NodeProcess, bReq: number): void {
    this.inner.connect(a, aReq, b, bReq);
  }

  /** Kills whatever still runs (so a failing test leaves nothing behind) and says how many. */
  async reap(): Promise<number> {
    const left = [...this.live];
    await Promise.all(left.map((p) => p.kill()));
    return left.length;
  }
}

const dirs: string[] = [];
const hosts: CountingHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.reap();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function setup(): Promise<{ lab: LabController; host: CountingHost; dir: string }> {
  const host = new CountingHost();
  hosts.push(host);
  const dir = await tempDir();
  dirs.push(dir);
  return { lab: new LabController({ host, traceMessages: false, record: false }), host, dir };
}

/** Every process the host started has exited (a clean stop takes a moment). */
async function noneLive(host: CountingHost): Promise<void> {
  await waitFor('every node process to end', () => (host.live.size === 0 ? true : null), 10_000).catch(() => undefined);
  expect(host.live.size, 'node processes still running after destroyCluster').toBe(0);
}

describe('lab controller lifecycle', () => {
  it('four concurrent createCluster calls start one cluster; the others are refused and destroy leaves no node running', async () => {
    const { lab, host, dir } = await setup();
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => lab.createCluster({ ...FAST, nodes: 3, dataDir: `${dir}/c${i}` })));
    const created = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(3);
    for (const r of refused) expect(String(r.reason)).toMatch(/createCluster: .*(already running|being created)/);
    expect(host.live.size).toBe(3);
    await waitForLeader(lab);
    await lab.destroyCluster();
    await noneLive(host);
  });

  it('a destroy called while a create is in progress waits for it and stops its nodes', async () => {
    const { lab, host, dir } = await setup();
    const creating = lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    const destroying = lab.destroyCluster();
    await Promise.allSettled([creating, destroying]);
    await expect(destroying).resolves.toBeUndefined();
    await noneLive(host);
    // The lab is empty again: a new cluster can be created.
    await lab.createCluster({ ...FAST, nodes: 1, dataDir: `${dir}/again` });
    await lab.destroyCluster();
    await noneLive(host);
  });

  it('a restart racing a destroy leaves no node running', async () => {
    const { lab, host, dir } = await setup();
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    await lab.crashNode(2);
    await waitFor('node 2 down', async () => ((await lab.snapshot()).nodes.find((n) => n.id === 2)?.life === 'crashed' ? true : null));
    const [restart, destroy] = await Promise.allSettled([lab.restartNode(2), lab.destroyCluster()]);
    expect(destroy.status).toBe('fulfilled');
    if (restart.status === 'rejected') expect(String(restart.reason)).toMatch(/restartNode/);
    await noneLive(host);
  });

  it('two restarts of one node at once start one process; the second is refused', async () => {
    const { lab, host, dir } = await setup();
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    await lab.crashNode(2);
    await waitFor('node 2 down', async () => ((await lab.snapshot()).nodes.find((n) => n.id === 2)?.life === 'crashed' ? true : null));
    const before = host.spawnedBy.get(2) ?? 0;
    const results = await Promise.allSettled([lab.restartNode(2), lab.restartNode(2)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(String(refused?.reason)).toMatch(/node 2 is already running/);
    expect(host.spawnedBy.get(2)).toBe(before + 1);
    expect(host.live.size).toBe(3);
    await lab.destroyCluster();
    await noneLive(host);
  });
});
