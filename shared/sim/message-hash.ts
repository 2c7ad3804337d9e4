/**
 * The hash's view of a message: every field the canonical text (shared/raft/describe.ts) shows,
 * fed as integers, so the simulator hashes hot events without building strings.
 */
import type { Message } from '../raft/types';

const TYPE_CODE = { RequestVote: 1, RequestVoteResponse: 2, AppendEntries: 3, AppendEntriesResponse: 4, InstallSnapshot: 5, InstallSnapshotResponse: 6, TimeoutNow: 7 } as const;

/** Feeds every field `describeMessage` shows into `mix`, as integers (the hash's view of it). */
export function mixMessage(m: Message, mix: (n: number) => void): void {
  mix(TYPE_CODE[m.type]);
  mix(m.from);
  mix(m.to);
  mix(m.term);
  switch (m.type) {
    case 'RequestVote':
      mix((m.preVote ? 1 : 0) | (m.transfer ? 2 : 0));
      mix(m.lastLogIndex);
      mix(m.lastLogTerm);
      return;
    case 'RequestVoteResponse':
      mix((m.preVote ? 1 : 0) | (m.granted ? 2 : 0));
      return;
    case 'AppendEntries': {
      mix(m.prevLogIndex);
      mix(m.prevLogTerm);
      mix(m.entries.length);
      const first = m.entries[0];
      const last = m.entries[m.entries.length - 1];
      if (first !== undefined && last !== undefined) {
        mix(first.index);
        mix(first.term);
        mix(last.index);
        mix(last.term);
      }
      mix(m.leaderCommit);
      mix(m.readCtx);
      return;
    }
    case 'AppendEntriesResponse':
      mix(m.success ? 1 : 0);
      mix(m.matchIndex);
      if (m.rejectHint !== null) {
        mix(m.rejectHint.lastIndex);
        mix(m.rejectHint.conflictTerm);
        mix(m.rejectHint.conflictIndex);
      }
      return;
    case 'InstallSnapshot':
      mix(m.snapshot.meta.index);
      mix(m.snapshot.meta.term);
      return;
    case 'InstallSnapshotResponse':
      mix(m.matchIndex);
      return;
    case 'TimeoutNow':
      return;
  }
}
