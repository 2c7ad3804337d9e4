import { describe, expect, it } from 'vitest';
import { clusterFacts, membersText } from '../../renderer/src/controls/cluster-facts';
import type { NodeView } from '../../shared/protocol/lab';
import type { NodeStatus } from '../../shared/raft/types';

function node(id: number, over: Partial<NodeStatus> | null, life: NodeView['life'] = 'running'): NodeView {
  const status: NodeStatus | null = over === null ? null : {
    id, role: 'follower', term: 1, vote: 0, leader: 0, commit: 0, applied: 0, firstIndex: 1, lastIndex: 1, lastTerm: 1,
    snapshotIndex: 0, snapshotTerm: 0, conf: { voters: [1, 2, 3, 4, 5], learners: [] }, electionElapsed: 0,
    randomizedElectionTicks: 10, heartbeatElapsed: 0, progress: [], leadTransferee: 0, pendingConfIndex: 0, ...over,
  };
  return { id, life, status, exit: null };
}

describe('the toolbar\'s cluster facts', () => {
  it('names the leader with its own term, not the newest term a candidate already reached', () => {
    const f = clusterFacts([node(1, { role: 'leader', term: 1 }), node(2, { role: 'candidate', term: 2 }), node(3, {})]);
    expect(f.leader).toEqual({ id: 1, term: 1 });
    expect(f.maxTerm).toBe(2);
  });

  it('counts the members of the configuration, not the processes (two removed nodes still running)', () => {
    const conf = { voters: [1, 2, 3, 4, 5], learners: [] };
    const nodes = [1, 2, 3, 4, 5].map((id) => node(id, { conf, role: id === 1 ? 'leader' : 'follower', lastIndex: 9 }));
    // 6 and 7 were removed: they never learn it and keep the old configuration.
    const removed = { voters: [1, 2, 3, 4, 5, 6, 7], learners: [] };
    nodes.push(node(6, { conf: removed, lastIndex: 7 }), node(7, { conf: removed, lastIndex: 7 }));
    const f = clusterFacts(nodes);
    expect(membersText(f)).toBe('5 voters · quorum 3');
  });

  it('counts learners apart, and the quorum among voters only', () => {
    const conf = { voters: [1, 2, 3, 4], learners: [5] };
    const f = clusterFacts([1, 2, 3, 4, 5].map((id) => node(id, { conf, role: id === 2 ? 'leader' : 'follower' })));
    expect(membersText(f)).toBe('4 voters + 1 learner · quorum 3');
  });

  it('with no status yet, the processes are what is known', () => {
    expect(membersText(clusterFacts([node(1, null, 'starting'), node(2, null, 'starting'), node(3, null, 'starting')]))).toBe('3 voters · quorum 2');
  });
});
