/**
 * The host's side of one node, written once for the node process (electron/node/node-runtime.ts),
 * the simulator (shared/sim/simulator.ts) and a node rebuilt from a recording
 * (shared/replay/branch-point.ts): which state machine a snapshot holds, when to compact, and
 * what snapshot a compaction persists. Pure over the core's API and the KV store.
 */
import { KvStateMachine } from '../kv';
import type { RaftNodeApi } from '../raft/api';
import type { Snapshot } from '../raft/types';

/**
 * The state machine a snapshot holds: none or a bootstrap snapshot (index 0, data '') is the
 * empty one; any other snapshot must carry the KV store's data.
 */
export function kvFromSnapshot(snapshot: Snapshot | null): KvStateMachine {
  if (snapshot === null) return new KvStateMachine();
  if (snapshot.data === '') {
    if (snapshot.meta.index !== 0) throw new Error(`snapshot at index ${snapshot.meta.index} has no state machine data`);
    return new KvStateMachine();
  }
  return KvStateMachine.restore(snapshot.data);
}

/** Whether to compact now: every `snapshotEvery` applied entries since the last compaction (0: never). */
export function compactionDue(appliedIndex: number, lastCompactIndex: number, snapshotEvery: number): boolean {
  return snapshotEvery > 0 && appliedIndex - lastCompactIndex >= snapshotEvery;
}

/**
 * The snapshot a compaction at `index` (<= applied) persists before the core drops its log up to
 * there: the term and configuration in effect at `index` (a conf entry after `index` is not in
 * it), and the state machine's data, taken only when the snapshot can be made. Null when the core
 * no longer knows the term at `index` (already compacted past it).
 */
export function compactionSnapshot(api: Pick<RaftNodeApi, 'termAt' | 'confAt'>, index: number, takeData: () => string): Snapshot | null {
  const term = api.termAt(index);
  if (term === null) return null;
  return { meta: { index, term, conf: api.confAt(index) }, data: takeData() };
}
