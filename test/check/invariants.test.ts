/**
 * The invariant checker on hand-written observation streams: a correct history passes, and each
 * kind of broken history is reported with the property, the nodes, the indexes and the event.
 * (The seed-search tests in test/sim/ show it catching the same bugs in real runs.)
 */
import { describe, expect, it } from 'vitest';
import { InvariantChecker, describeViolation } from '../../shared/check/invariants';
import type { Entry, Message, Ready, Role } from '../../shared/raft/types';

function ready(role: Role, p: Partial<Ready> = {}): Ready {
  return { softState: { role, leader: 0 }, hardState: null, entries: [], snapshot: null, messages: [], committedEntries: [], readStates: [], messagesBeforePersist: false, ...p };
}
const cmd = (index: number, term: number, data: string): Entry => ({ kind: 'command', index, term, data });
const noop = (index: number, term: number): Entry => ({ kind: 'noop', index, term });
const hs = (term: number, vote: number, commit: number) => ({ term, vote, commit });

/** Node `leader` wins `term` and appends its noop at `index`. */
function elect(c: InvariantChecker, seq: number, leader: number, term: number, index: number): void {
  c.observeHandledReady(seq, leader, ready('leader', { hardState: hs(term, leader, 0), entries: [noop(index, term)] }));
}

describe('invariant checker', () => {
  it('accepts a correct election, replication, commit and apply on three nodes', () => {
    const c = new InvariantChecker();
    elect(c, 1, 1, 1, 1);
    for (const n of [2, 3]) c.observeHandledReady(2, n, ready('follower', { hardState: hs(1, 1, 0), entries: [noop(1, 1), cmd(2, 1, 'x')] }));
    c.observeHandledReady(3, 1, ready('leader', { entries: [cmd(2, 1, 'x')] }));
    c.observeHandledReady(4, 1, ready('leader', { hardState: hs(1, 1, 2), committedEntries: [noop(1, 1), cmd(2, 1, 'x')] }));
    for (const n of [2, 3]) c.observeHandledReady(5, n, ready('follower', { hardState: hs(1, 1, 2), committedEntries: [noop(1, 1), cmd(2, 1, 'x')] }));
    expect(c.violations).toEqual([]);
    expect(c.committedIndex).toBe(2);
  });

  it('reports two leaders in one term (election safety)', () => {
    const c = new InvariantChecker();
    elect(c, 1, 1, 3, 1);
    const found = c.observeHandledReady(7, 2, ready('leader', { hardState: hs(3, 2, 0), entries: [noop(1, 3)] }));
    expect(found.map((v) => v.property)).toContain('election-safety');
    const v = found.find((x) => x.property === 'election-safety')!;
    expect(v).toMatchObject({ nodes: [1, 2], term: 3, eventSeq: 7 });
    expect(describeViolation(v)).toContain('both leader in term 3');
  });

  it('reports a leader that overwrites its own log (leader append-only)', () => {
    const c = new InvariantChecker();
    elect(c, 1, 1, 1, 1);
    c.observeHandledReady(2, 1, ready('leader', { entries: [cmd(2, 1, 'a'), cmd(3, 1, 'b')] }));
    const found = c.observeHandledReady(3, 1, ready('leader', { entries: [cmd(3, 1, 'c')] }));
    expect(found[0]).toMatchObject({ property: 'leader-append-only', nodes: [1], indexes: [3, 3], term: 1, eventSeq: 3 });
  });

  it('reports one index and term holding different entries, or different histories (log matching)', () => {
    const c = new InvariantChecker();
    c.observeHandledReady(1, 1, ready('follower', { entries: [cmd(1, 1, 'a')] }));
    const content = c.observeHandledReady(2, 2, ready('follower', { entries: [cmd(1, 1, 'b')] }));
    expect(content[0]).toMatchObject({ property: 'log-matching', nodes: [1, 2], indexes: [1], term: 1 });

    const d = new InvariantChecker();
    d.observeHandledReady(1, 1, ready('follower', { entries: [cmd(1, 1, 'a'), cmd(2, 2, 'b')] }));
    const prefix = d.observeHandledReady(2, 2, ready('follower', { entries: [cmd(1, 2, 'z'), cmd(2, 2, 'b')] }));
    expect(prefix[0]).toMatchObject({ property: 'log-matching', nodes: [1, 2], indexes: [1, 2], term: 2 });
  });

  it('reports a new leader that lacks a committed entry (leader completeness)', () => {
    const c = new InvariantChecker();
    elect(c, 1, 1, 1, 1);
    c.observeHandledReady(2, 1, ready('leader', { entries: [cmd(2, 1, 'x')] }));
    c.observeHandledReady(3, 1, ready('leader', { hardState: hs(1, 1, 2) }));
    // Node 2 never received index 2 but wins term 2 anyway.
    c.observeHandledReady(4, 2, ready('follower', { entries: [noop(1, 1)] }));
    const found = c.observeHandledReady(5, 2, ready('leader', { hardState: hs(2, 2, 1), entries: [noop(2, 2)] }));
    expect(found[0]).toMatchObject({ property: 'leader-completeness', nodes: [1, 2], indexes: [2], term: 2, eventSeq: 5 });
  });

  it('reports two nodes applying different entries at one index (state machine safety)', () => {
    const c = new InvariantChecker({ ignore: ['log-matching'] });
    c.observeHandledReady(1, 1, ready('follower', { entries: [cmd(1, 1, 'a')], hardState: hs(1, 0, 1), committedEntries: [cmd(1, 1, 'a')] }));
    const found = c.observeHandledReady(2, 2, ready('follower', { entries: [cmd(1, 1, 'b')], hardState: hs(1, 0, 1), committedEntries: [cmd(1, 1, 'b')] }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ property: 'state-machine-safety', nodes: [1, 2], indexes: [1] });
  });

  it('reports terms and commit indexes that go back', () => {
    const c = new InvariantChecker();
    c.observeHandledReady(1, 1, ready('follower', { hardState: hs(5, 0, 3), entries: [noop(1, 1), noop(2, 1), noop(3, 1)] }));
    const term = c.observeHandledReady(2, 1, ready('follower', { hardState: hs(4, 0, 3) }));
    expect(term[0]).toMatchObject({ property: 'monotonic-term', nodes: [1], term: 4 });
    const commit = c.observeHandledReady(3, 1, ready('follower', { hardState: hs(5, 0, 2) }));
    expect(commit[0]).toMatchObject({ property: 'monotonic-commit', nodes: [1], indexes: [3, 2] });
  });

  it('reports a vote sent before it was durable, and the forgotten term after a crash', () => {
    const c = new InvariantChecker();
    const grant: Message = { type: 'RequestVoteResponse', from: 2, to: 1, term: 4, preVote: false, granted: true };
    const rd = ready('follower', { hardState: hs(4, 1, 0), messages: [grant], messagesBeforePersist: true });
    c.observe({ type: 'ready', seq: 10, node: 2, ready: rd });
    const sent = c.observe({ type: 'sent', seq: 10, node: 2, messages: rd.messages });
    expect(sent[0]).toMatchObject({ property: 'persisted-before-sent', nodes: [2, 1], term: 4, eventSeq: 10 });
    // The crash comes before the write: the node restarts having forgotten term 4.
    c.observe({ type: 'crash', seq: 11, node: 2 });
    const restarted = c.observe({ type: 'restart', seq: 12, node: 2, persisted: { hardState: hs(3, 0, 0), snapshot: null, entries: [] } });
    expect(restarted[0]).toMatchObject({ property: 'monotonic-term', nodes: [2], term: 3, eventSeq: 12 });
  });

  it('accepts the same vote once it is durable, and pre-votes that persist nothing', () => {
    const c = new InvariantChecker();
    const grant: Message = { type: 'RequestVoteResponse', from: 2, to: 1, term: 4, preVote: false, granted: true };
    const pre: Message = { type: 'RequestVote', from: 2, to: 3, term: 5, preVote: true, lastLogIndex: 0, lastLogTerm: 0, transfer: false };
    expect(c.observeHandledReady(1, 2, ready('follower', { hardState: hs(4, 1, 0), messages: [grant] }))).toEqual([]);
    expect(c.observeHandledReady(2, 2, ready('pre-candidate', { messages: [pre] }))).toEqual([]);
  });

  it('does not count crash-and-restart from a complete disk as a violation', () => {
    const c = new InvariantChecker();
    elect(c, 1, 1, 2, 1);
    c.observe({ type: 'crash', seq: 2, node: 1 });
    const found = c.observe({ type: 'restart', seq: 3, node: 1, persisted: { hardState: hs(2, 1, 0), snapshot: null, entries: [noop(1, 2)] } });
    expect(found).toEqual([]);
    // Re-elected in a later term with its log intact: fine.
    expect(c.observeHandledReady(4, 1, ready('leader', { hardState: hs(3, 1, 0), entries: [noop(2, 3)] }))).toEqual([]);
  });
});
