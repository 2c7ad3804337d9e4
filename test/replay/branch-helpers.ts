/** Building a branch from a recording in tests, and reading its leader. */
import { RawNode } from '../../shared/raft/raw-node';
import { BranchLab, type FrameClock } from '../../shared/replay/branch-lab';
import { clusterOptionsOf } from '../../shared/replay/lab-projection';
import type { ReplayIndex } from '../../shared/replay/replay-index';
import type { Recording } from '../../shared/record/format';
import { TestClock } from './test-clock';

/** A branch at event `k` of `rec` (indexed as `idx`), its own randomness from `seed`. */
export function branchOf(idx: ReplayIndex, rec: Recording, k: number, seed = 1, clock: FrameClock | null = new TestClock()): BranchLab {
  return new BranchLab({ position: k, states: idx.branchStateAt(k), options: clusterOptionsOf(rec), atMs: 0, seed }, RawNode, clock);
}

/** The leader of the highest term the branch shows, or null. */
export async function leaderOf(b: BranchLab): Promise<number | null> {
  const s = await b.snapshot();
  const leaders = s.nodes.filter((n) => n.status?.role === 'leader').sort((x, y) => (y.status?.term ?? 0) - (x.status?.term ?? 0));
  return leaders[0]?.id ?? null;
}
