/**
 * The host rules every engine shares (shared/cluster/node-host.ts): which state machine a
 * snapshot holds, when to compact, and the snapshot a compaction persists, on a real RawNode.
 */
import { describe, expect, it } from 'vitest';
import { compactionDue, compactionSnapshot, kvFromSnapshot } from '../../shared/cluster/node-host';
import { KvStateMachine, encodeCommand } from '../../shared/kv';
import { RawNode } from '../../shared/raft/raw-node';
import { DEFAULT_RAFT_CONFIG } from '../../shared/raft/types';
import { createRng } from '../../shared/util/rng';

/** A one-node cluster that leads and has applied `puts` writes (plus its no-op and nothing else). */
function singleNode(puts: number): { node: RawNode; kv: KvStateMachine } {
  const node = RawNode.bootstrap({ ...DEFAULT_RAFT_CONFIG, id: 1 }, createRng(7), { voters: [1], learners: [] });
  const kv = new KvStateMachine();
  const drain = (): void => {
    while (node.hasReady()) {
      const rd = node.ready();
      for (const e of rd.committedEntries) kv.apply(e);
      node.advance(rd);
    }
  };
  drain();
  node.campaign();
  drain();
  for (let i = 1; i <= puts; i++) {
    const r = node.propose(encodeCommand({ client: 'c', seq: i, op: { type: 'put', key: `k${i}`, value: String(i) } }));
    expect(r.ok).toBe(true);
    drain();
  }
  return { node, kv };
}

describe('node host rules', () => {
  it('kvFromSnapshot: none and the bootstrap snapshot are empty; a real one restores; one without data is refused', () => {
    expect(kvFromSnapshot(null).digest()).toBe(new KvStateMachine().digest());
    expect(kvFromSnapshot({ meta: { index: 0, term: 0, conf: { voters: [1], learners: [] } }, data: '' }).digest()).toBe(new KvStateMachine().digest());
    const { kv } = singleNode(3);
    const restored = kvFromSnapshot({ meta: { index: kv.appliedIndex, term: 1, conf: { voters: [1], learners: [] } }, data: kv.snapshot() });
    expect(restored.digest()).toBe(kv.digest());
    expect(restored.get('k2')).toBe('2');
    expect(() => kvFromSnapshot({ meta: { index: 5, term: 1, conf: { voters: [1], learners: [] } }, data: '' })).toThrow(/index 5 has no state machine data/);
  });

  it('compactionDue: every snapshotEvery applied entries since the last one, never when 0', () => {
    expect(compactionDue(10, 0, 10)).toBe(true);
    expect(compactionDue(9, 0, 10)).toBe(false);
    expect(compactionDue(25, 10, 10)).toBe(true);
    expect(compactionDue(19, 10, 10)).toBe(false);
    expect(compactionDue(1_000_000, 0, 0)).toBe(false);
  });

  it('compactionSnapshot: the term and configuration at the index, the data taken only when it can be made', () => {
    const { node, kv } = singleNode(4);
    const index = kv.appliedIndex;
    let taken = 0;
    const snap = compactionSnapshot(node, index, () => {
      taken++;
      return kv.snapshot();
    });
    expect(snap).toEqual({ meta: { index, term: node.termAt(index), conf: node.confAt(index) }, data: kv.snapshot() });
    expect(taken).toBe(1);
    node.compact(index, snap!.data);
    // Below the new snapshot the core no longer knows the term: nothing is made, no data taken.
    expect(compactionSnapshot(node, index - 2, () => {
      taken++;
      return '';
    })).toBeNull();
    expect(taken).toBe(1);
  });
});
