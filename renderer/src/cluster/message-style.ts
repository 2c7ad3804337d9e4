/** Colour and size of a message dot by what it is (RaftScope's convention, extended). */
import type { Message } from '../../../shared/raft/types';

export function messageColor(m: Message): string {
  switch (m.type) {
    case 'RequestVote': return m.preVote ? '#f59f00' : '#e8590c';
    case 'RequestVoteResponse': return m.granted ? '#2f9e44' : '#e03131';
    case 'AppendEntries': return '#4c6ef5';
    case 'AppendEntriesResponse': return m.success ? '#74c0fc' : '#e03131';
    case 'InstallSnapshot': return '#7048e8';
    case 'InstallSnapshotResponse': return '#b197fc';
    case 'TimeoutNow': return '#c2255c';
  }
}

export function messageRadius(m: Message): number {
  if (m.type === 'AppendEntries') return m.entries.length > 0 ? 7 : 4.5;
  if (m.type === 'RequestVote') return 7;
  return 5;
}

/** A vote reply carries its answer on its dot: ✓ granted, ✗ denied; other messages none. */
export function voteReplyMark(m: Message): string | null {
  return m.type === 'RequestVoteResponse' ? (m.granted ? '✓' : '✗') : null;
}
