/**
 * Shared setup for the runtime tests: a LabController over real worker threads, a fresh
 * temporary folder for the node files, and a few polling helpers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabController } from '../../electron/lab/controller';
import { WorkerHost } from '../../electron/host/worker-host';
import type { ClusterOptions, LabEvent } from '../../shared/protocol/lab';
import type { NodeId } from '../../shared/raft/types';

export interface Lab {
  readonly lab: LabController;
  readonly dir: string;
  readonly events: LabEvent[];
  dispose(): Promise<void>;
}

/** Short ticks so elections take ~100-200 ms; tests stay well under 30 s. */
export const FAST: Omit<ClusterOptions, 'nodes' | 'dataDir'> = {
  tickMs: 10,
  heartbeatTicks: 2,
  electionTicks: 15,
  preVote: true,
  checkQuorum: true,
  snapshotEvery: 0,
  seed: 7,
};

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'raft-lab-test-'));
}

export async function openLab(options: { readonly traceMessages?: boolean; readonly dir?: string } = {}): Promise<Lab> {
  const dir = options.dir ?? (await tempDir());
  const lab = new LabController({ host: new WorkerHost(), traceMessages: options.traceMessages ?? false, checkInvariants: true, batchMs: 10 });
  const events: LabEvent[] = [];
  lab.onEvents((batch) => events.push(...batch));
  return {
    lab,
    dir,
    events,
    dispose: async () => {
      await lab.destroyCluster();
      await lab.exports.close();
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined> | T | null | undefined, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The leader every running node agrees on (a node whose own status says leader, in the highest term). */
export async function waitForLeader(lab: LabController, among?: readonly NodeId[], timeoutMs = 10_000): Promise<NodeId> {
  return waitFor('a leader', async () => {
    const snap = await lab.snapshot();
    const leaders = snap.nodes
      .filter((n) => n.status?.role === 'leader' && (among === undefined || among.includes(n.id)))
      .sort((a, b) => (b.status?.term ?? 0) - (a.status?.term ?? 0));
    return leaders[0]?.id ?? null;
  }, timeoutMs);
}
