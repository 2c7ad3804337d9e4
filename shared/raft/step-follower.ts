/**
 * The follower's step function, and the AppendEntries / InstallSnapshot handling that
 * candidates also use when they discover a leader.
 */
import type { RaftState } from './raft-state';
import type { AppendEntries, AppendEntriesResponse, InstallSnapshot, Message } from './types';

export function stepFollower(r: RaftState, m: Message): void {
  switch (m.type) {
    case 'AppendEntries':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppend(r, m);
      return;
    case 'InstallSnapshot':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    case 'TimeoutNow':
      // Leadership transfer: campaign now, skipping PreVote (§3.10).
      r.hup(true);
      return;
    default:
      // Responses addressed to a former role of ours are stale.
      return;
  }
}

function reply(r: RaftState, m: AppendEntries, success: boolean, matchIndex: number, rejectHint: AppendEntriesResponse['rejectHint']): void {
  r.send({ type: 'AppendEntriesResponse', from: r.id, to: m.from, term: r.term, success, matchIndex, rejectHint, readCtx: m.readCtx });
}

/**
 * The consistency check and append (§5.3). Accept only if we hold the leader's entry at
 * prevLogIndex; then drop conflicting entries and append the new ones. On rejection, send the
 * fast-backtracking hint: our last index, and the term we hold at prevLogIndex with its first
 * index, so the leader skips a whole term per round trip.
 */
export function handleAppend(r: RaftState, m: AppendEntries): void {
  if (r.log.snapshot === null) {
    // A joiner with no configuration yet: it cannot check anything until it has the leader's
    // snapshot, so it rejects, and the leader answers with the snapshot.
    reply(r, m, false, m.prevLogIndex, { lastIndex: 0, conflictTerm: 0, conflictIndex: 0 });
    return;
  }
  if (m.prevLogIndex < r.commit) {
    // Old news: everything up to our commit index is already in place. Say where we are.
    reply(r, m, true, r.commit, null);
    return;
  }
  if (r.log.matchTerm(m.prevLogIndex, m.prevLogTerm)) {
    r.appendFromLeader(m.entries);
    const lastNew = m.prevLogIndex + m.entries.length;
    // Only as far as we verified we match the leader: not beyond the entries just checked.
    r.commitTo(Math.min(m.leaderCommit, lastNew));
    reply(r, m, true, lastNew, null);
    return;
  }
  const lastIndex = r.log.lastIndex();
  if (m.prevLogIndex > lastIndex) {
    reply(r, m, false, m.prevLogIndex, { lastIndex, conflictTerm: 0, conflictIndex: 0 });
    return;
  }
  const conflictTerm = r.log.termAt(m.prevLogIndex) as number;
  const first = r.log.firstIndexOfTerm(conflictTerm) ?? m.prevLogIndex;
  // Entries up to our commit index are known to match, so never point the leader below it.
  reply(r, m, false, m.prevLogIndex, { lastIndex, conflictTerm, conflictIndex: Math.max(first, r.commit + 1) });
}

/** InstallSnapshot (§7): replace our log by the leader's snapshot unless we already have it. */
export function handleSnapshot(r: RaftState, m: InstallSnapshot): void {
  const s = m.snapshot;
  const reply = (matchIndex: number) => r.send({ type: 'InstallSnapshotResponse', from: r.id, to: m.from, term: r.term, matchIndex });
  if (r.log.snapshot !== null && s.meta.index <= r.commit) {
    reply(r.commit);
    return;
  }
  if (r.log.snapshot !== null && r.log.matchTerm(s.meta.index, s.meta.term)) {
    // Our log already holds the snapshot's last entry, hence everything before it: just commit.
    r.commitTo(s.meta.index);
    reply(s.meta.index);
    return;
  }
  r.restoreSnapshot(s);
  reply(s.meta.index);
}
