/**
 * The Raft paper's Figure 8, played step by step on three simulated nodes with the real core.
 * Node 1 leads term 1 and appends an entry (index 2) that reaches nobody; node 2 leads term 2
 * with its own entry at index 2, which also reaches nobody; node 1 comes back, leads term 3 and
 * copies its term-1 entry to node 3, so a majority holds it, then dies before its term-3 no-op
 * gets out. With the deliberate bug (commit previous-term entries by counting replicas) node 1
 * commits index 2 at that point; node 2 then wins term 4 (its last term 2 beats node 3's last
 * term 1) and would overwrite a committed entry: the checker must report Leader Completeness.
 * Without the bug the same schedule is safe: index 2 was never committed.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../shared/raft/types';
import { Simulator } from '../../shared/sim/simulator';
import { resolveSimOptions } from '../../shared/sim/options';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import { deliverAll, dropAll, from, roleOf } from './helpers';

function playFigure8(unsafe: boolean): Simulator {
  const sim = new Simulator(
    resolveSimOptions({ nodes: 3, ops: 0, clients: 1, preVote: false, checkQuorum: false, maxEntriesPerMsg: 1, unsafe: unsafe ? ['commit-previous-term'] : [], stopOnViolation: false }),
    rawNodeFactory,
  );
  sim.pause();
  // Term 1: node 1 is elected and its no-op commits everywhere.
  sim.fireTimeout(1);
  deliverAll(sim);
  expect(roleOf(sim, 1)).toBe('leader@1');
  // Node 1 appends index 2 (term 1); the copies are lost; node 1 crashes.
  expect(sim.propose(1, { type: 'put', key: 'x', value: 'from-term-1' })).toMatchObject({ ok: true, index: 2, term: 1 });
  dropAll(sim, from(1));
  sim.crash(1);
  // Term 2: node 2 wins with node 3's vote, appends its no-op at index 2; lost; node 2 crashes.
  sim.fireTimeout(2);
  deliverAll(sim, (m) => m.type === 'RequestVote' || m.type === 'RequestVoteResponse');
  expect(roleOf(sim, 2)).toBe('leader@2');
  dropAll(sim, from(2));
  sim.crash(2);
  // Term 3: node 1 restarts; its first campaign (term 2) is refused, the second (term 3) wins.
  sim.restart(1);
  sim.fireTimeout(1);
  deliverAll(sim);
  if (roleOf(sim, 1) !== 'leader@3') {
    sim.fireTimeout(1);
    deliverAll(sim, (m) => m.type === 'RequestVote' || m.type === 'RequestVoteResponse');
  }
  expect(roleOf(sim, 1)).toBe('leader@3');
  // Node 1 brings node 3 up to index 2 (its first probe is rejected: node 3 lacks index 2; then
  // one entry per message), but once node 3 holds index 2 the term-3 no-op never reaches it.
  const carriesNoop = (m: Message): boolean => m.type === 'AppendEntries' && m.entries.some((e) => e.term === 3);
  deliverAll(sim, (m) => !(carriesNoop(m) && sim.node(3)!.termAt(2) === 1));
  expect(sim.node(3)!.termAt(2)).toBe(1);
  dropAll(sim, () => true);
  sim.crash(1);
  // Term 4: node 2 restarts and wins with node 3's vote; it lacks node 1's index 2.
  sim.restart(2);
  for (let attempt = 0; attempt < 3 && roleOf(sim, 2) !== 'leader@4'; attempt++) {
    sim.fireTimeout(2);
    deliverAll(sim, (m) => m.type === 'RequestVote' || m.type === 'RequestVoteResponse');
  }
  expect(roleOf(sim, 2)).toBe('leader@4');
  deliverAll(sim);
  return sim;
}

describe('Figure 8 in step mode', () => {
  it('with commit-by-counting for old terms, the checker reports Leader Completeness', () => {
    const sim = playFigure8(true);
    const v = sim.violations.find((x) => x.property === 'leader-completeness');
    expect(v).toBeDefined();
    expect(v!.nodes).toEqual([1, 2]);
    expect(v!.indexes).toEqual([2]);
    expect(v!.term).toBe(4);
  });

  it('with the commit rule on, the same schedule commits nothing unsafe and the checker is silent', () => {
    const sim = playFigure8(false);
    expect(sim.violations).toEqual([]);
    // Node 2's term wins index 2 on node 3: it was never committed, so that is allowed.
    expect(sim.node(3)!.termAt(2)).toBe(2);
  });
});
