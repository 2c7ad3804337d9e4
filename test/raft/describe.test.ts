import { describe, expect, it } from 'vitest';
import { describeEntry, describeMessage, describeReady } from '../../shared/raft/describe';
import type { Entry, Message } from '../../shared/raft/types';

const e = (index: number, term: number): Entry => ({ kind: 'command', term, index, data: `v${index}` });

describe('canonical text forms', () => {
  it('describes every message type on one line', () => {
    const msgs: [Message, string][] = [
      [{ type: 'RequestVote', from: 1, to: 2, term: 3, preVote: true, lastLogIndex: 5, lastLogTerm: 2, transfer: false }, '1->2 RequestVote t3 pre last=5/2'],
      [{ type: 'RequestVote', from: 1, to: 2, term: 3, preVote: false, lastLogIndex: 5, lastLogTerm: 2, transfer: true }, '1->2 RequestVote t3 last=5/2 transfer'],
      [{ type: 'RequestVoteResponse', from: 2, to: 1, term: 3, preVote: false, granted: false }, '2->1 RequestVoteResponse t3 rejected'],
      [{ type: 'AppendEntries', from: 1, to: 2, term: 3, prevLogIndex: 5, prevLogTerm: 2, entries: [e(6, 3), e(7, 3)], leaderCommit: 5, readCtx: 0 }, '1->2 AppendEntries t3 prev=5/2 [6/3 7/3] commit=5'],
      [{ type: 'AppendEntries', from: 1, to: 2, term: 3, prevLogIndex: 7, prevLogTerm: 3, entries: [], leaderCommit: 7, readCtx: 4 }, '1->2 AppendEntries t3 prev=7/3 [] commit=7 read=4'],
      [{ type: 'AppendEntriesResponse', from: 2, to: 1, term: 3, success: true, matchIndex: 7, rejectHint: null, readCtx: 0 }, '2->1 AppendEntriesResponse t3 ok match=7'],
      [{ type: 'AppendEntriesResponse', from: 2, to: 1, term: 3, success: false, matchIndex: 7, rejectHint: { lastIndex: 5, conflictTerm: 2, conflictIndex: 4 }, readCtx: 0 }, '2->1 AppendEntriesResponse t3 reject prev=7 hint=last:5,term:2@4'],
      [{ type: 'InstallSnapshot', from: 1, to: 4, term: 3, snapshot: { meta: { index: 9, term: 2, conf: { voters: [1, 2, 3], learners: [4] } }, data: 'x' } }, '1->4 InstallSnapshot t3 snap=9/2 voters=1,2,3 learners=4'],
      [{ type: 'InstallSnapshotResponse', from: 4, to: 1, term: 3, matchIndex: 9 }, '4->1 InstallSnapshotResponse t3 match=9'],
      [{ type: 'TimeoutNow', from: 1, to: 3, term: 3 }, '1->3 TimeoutNow t3'],
    ];
    for (const [m, text] of msgs) expect(describeMessage(m)).toBe(text);
  });

  it('abbreviates long entry runs', () => {
    const entries = Array.from({ length: 64 }, (_, i) => e(i + 2, 1));
    const m: Message = { type: 'AppendEntries', from: 1, to: 3, term: 1, prevLogIndex: 1, prevLogTerm: 1, entries, leaderCommit: 1, readCtx: 0 };
    expect(describeMessage(m)).toBe('1->3 AppendEntries t1 prev=1/1 [2/1 3/1 .. 65/1] (64) commit=1');
  });

  it('describes entries with their payload and a Ready in one line', () => {
    expect(describeEntry({ kind: 'conf', term: 2, index: 8, change: { type: 'add-voter', node: 4 } }, true)).toBe('8/2 conf add-voter 4');
    expect(describeEntry({ kind: 'noop', term: 2, index: 7 }, true)).toBe('7/2 noop');
    expect(
      describeReady({
        softState: { role: 'leader', leader: 1 },
        hardState: { term: 2, vote: 1, commit: 6 },
        entries: [e(7, 2)],
        snapshot: null,
        messages: [],
        committedEntries: [e(6, 2)],
        readStates: [{ ctx: 'r1', index: 6 }],
        messagesBeforePersist: false,
      }),
    ).toBe('ready leader lead=1 hs=t2/v1/c6 ents=[7/2] apply=[6/2] reads=r1@6');
  });
});
