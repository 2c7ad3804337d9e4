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
