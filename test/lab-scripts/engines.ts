/**
 * The engines a lab script plays on, each a LabApi:
 * - live: the lab controller over real worker-thread nodes with their SQLite files;
 * - simulated: the in-process simulator's lab face (BranchLab over the shared Simulator), started
 *   from the live run's recording right after the cluster was created, so its nodes are the same
 *   nodes (configuration, seeds) with nothing yet done;
 * - branch: the same, started from the recording where a prefix of the script had been played
 *   live (every node rebuilt as it was there, the messages then in flight pending).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabController } from '../../electron/lab/controller';
import { WorkerHost } from '../../electron/host/worker-host';
import type { ClusterSnapshot } from '../../shared/protocol/lab';
import { RawNode } from '../../shared/raft/raw-node';
import type { Recording } from '../../shared/record/format';
import { readRecording } from '../../shared/record/read';
import { encodeRecording } from '../../shared/record/write';
import { BranchLab } from '../../shared/replay/branch-lab';
import { clusterOptionsOf } from '../../shared/replay/lab-projection';
import { ReplayIndex } from '../../shared/replay/replay-index';
import type { ScriptEngine } from './lab-script';

export interface LiveEngine extends ScriptEngine {
  readonly lab: LabController;
  readonly dataDir: string;
  /** The recording so far, as a file would hold it. */
  recording(): Promise<Recording>;
  dispose(): Promise<void>;
}

/** Everything a step can change, to tell when a real cluster has settled. */
function fingerprint(s: ClusterSnapshot): string {
  return JSON.stringify([s.nodes.map((n) => [n.id, n.life, n.status]), s.pending.map((p) => p.id), s.links]);
}

export async function openLiveEngine(): Promise<LiveEngine> {
  const dataDir = await mkdtemp(join(tmpdir(), 'raft-lab-script-'));
  const lab = new LabController({ host: new WorkerHost(), traceMessages: false, checkInvariants: true, batchMs: 10 });
  const settle = async (): Promise<void> => {
    // Step commands settle their own effects; a client request or a restart answers in its own
    // time, so wait until nothing has changed for a while.
    let last = '';
    let quiet = 0;
    const deadline = Date.now() + 20_000;
    while (quiet < 2) {
      if (Date.now() > deadline) throw new Error('live engine: the cluster did not settle within 20 s');
      await new Promise((r) => setTimeout(r, 30));
      const snap = await lab.snapshot().catch(() => null);
      const now = snap === null ? 'none' : fingerprint(snap);
      const starting = snap?.nodes.some((n) => n.life === 'starting') ?? false;
      quiet = now === last && !starting ? quiet + 1 : 0;
      last = now;
    }
  };
  return {
    name: 'live',
    lab,
    dataDir,
    settle,
    recording: async () => {
      const r = await lab.recording();
      if (r === null) throw new Error('live engine: no recording');
      return readRecording(encodeRecording(r));
    },
    dispose: async () => {
      await lab.destroyCluster().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A simulated cluster continuing `recording` after its first `position` events. */
export function branchEngine(name: string, recording: Recording, position: number): ScriptEngine & { readonly lab: BranchLab } {
  const index = new ReplayIndex(recording, RawNode);
  const lab = new BranchLab({ position, states: index.branchStateAt(position), options: clusterOptionsOf(recording), atMs: 0, seed: 1 }, RawNode, null);
  return { name, lab, settle: () => Promise.resolve() };
}
