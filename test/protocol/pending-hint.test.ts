import { describe, expect, it } from 'vitest';
import { pendingHint } from '../../shared/protocol/pending-hint';
import type { PendingItem } from '../../shared/protocol/lab';
import type { NodeStatus, RequestVote } from '../../shared/raft/types';

function status(over: Partial<NodeStatus>): NodeStatus {
  return {
    id: 2, role: 'follower', term: 3, vote: 1, leader: 1, commit: 4, applied: 4, firstIndex: 1, lastIndex: 5, lastTerm: 3,
    snapshotIndex: 0, snapshotTerm: 0, conf: { voters: [1, 2, 3], learners: [] }, electionElapsed: 0, randomizedElectionTicks: 12,
    heartbeatElapsed: 0, progress: [], leadTransferee: 0, pendingConfIndex: 0, ...over,
  };
}
function vote(over: Partial<RequestVote>): PendingItem {
  const message: RequestVote = { type: 'RequestVote', from: 3, to: 2, term: 4, preVote: false, lastLogIndex: 5, lastLogTerm: 3, transfer: false, ...over };
  return { kind: 'message', id: 'm1', message, heldAtMs: 0 };
}

describe('what a held RequestVote would do (§5.2, §5.4.1)', () => {
  it('a higher-term candidate with an up-to-date log gets the vote', () => {
    expect(pendingHint(vote({}), status({}))).toMatch(/grants vote to 3 in term 4: vote 1 → 3/);
  });
  it('with CheckQuorum, a node that heard from its leader within the election timeout ignores it (lease)', () => {
    const rules = { checkQuorum: true, electionTicks: 10 };
    expect(pendingHint(vote({}), status({ electionElapsed: 9 }), rules)).toMatch(/ignores it, no reply: it heard from leader 1 9 of 10 ticks ago/);
    expect(pendingHint(vote({ preVote: true }), status({ electionElapsed: 3 }), rules)).toMatch(/ignores it/);
    // The lease has run out, or there is no leader, or it is a transfer: the usual rules apply.
    expect(pendingHint(vote({}), status({ electionElapsed: 10 }), rules)).toMatch(/grants vote to 3/);
    expect(pendingHint(vote({}), status({ leader: 0, vote: 0 }), rules)).toMatch(/grants vote to 3/);
    expect(pendingHint(vote({ transfer: true }), status({}), rules)).toMatch(/grants vote to 3/);
    expect(pendingHint(vote({}), status({}), { checkQuorum: false, electionTicks: 10 })).toMatch(/grants vote to 3/);
  });
  it('a candidate whose log is behind is refused, however high its term', () => {
    expect(pendingHint(vote({ term: 9, lastLogIndex: 9, lastLogTerm: 2 }), status({}))).toMatch(/denies vote.*behind 5@t3/);
    expect(pendingHint(vote({ lastLogIndex: 4 }), status({}))).toMatch(/denies vote/);
  });
  it('one vote per term: a second candidate in the same term is refused', () => {
    expect(pendingHint(vote({ term: 3 }), status({ vote: 1 }))).toMatch(/already voted for 1 in term 3/);
  });
  it('a stale term is rejected outright', () => {
    expect(pendingHint(vote({ term: 2 }), status({}))).toMatch(/stale/);
  });
  it('a crashed receiver does nothing', () => {
    expect(pendingHint(vote({}), null)).toMatch(/down/);
  });
});
