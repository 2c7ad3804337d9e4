/**
 * Canonical one-line text of a message for the simulator's trace. Stands in until the core's
 * shared/raft/describe.ts lands; the trace hash depends on this text, so keep it stable.
 */
import type { Entry, Message } from '../raft/types';

function entries(es: readonly Entry[]): string {
  if (es.length === 0) return '[]';
  const first = es[0]!;
  const last = es[es.length - 1]!;
  return es.length === 1 ? `[${first.index}/${first.term}]` : `[${first.index}/${first.term}..${last.index}/${last.term}]`;
}

export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case 'RequestVote':
      return `${head}${m.preVote ? ' pre' : ''} last=${m.lastLogIndex}/${m.lastLogTerm}${m.transfer ? ' transfer' : ''}`;
    case 'RequestVoteResponse':
      return `${head}${m.preVote ? ' pre' : ''} ${m.granted ? 'granted' : 'rejected'}`;
    case 'AppendEntries':
      return `${head} prev=${m.prevLogIndex}/${m.prevLogTerm} ${entries(m.entries)} commit=${m.leaderCommit}${m.readCtx !== 0 ? ` read=${m.readCtx}` : ''}`;
    case 'AppendEntriesResponse':
      return `${head} ${m.success ? `ok match=${m.matchIndex}` : `reject hint=${m.rejectHint === null ? '-' : `${m.rejectHint.lastIndex}/${m.rejectHint.conflictTerm}/${m.rejectHint.conflictIndex}`}`}`;
    case 'InstallSnapshot':
      return `${head} snap=${m.snapshot.meta.index}/${m.snapshot.meta.term}`;
    case 'InstallSnapshotResponse':
      return `${head} match=${m.matchIndex}`;
    case 'TimeoutNow':
      return head;
  }
}
