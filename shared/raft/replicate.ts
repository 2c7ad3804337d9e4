/**
 * How a leader sends: AppendEntries (respecting each follower's progress state and the flow
 * control window), snapshots for followers behind our log, heartbeats, and the commit rule.
 * Functions over a node's Raft state (raft-state.ts); imported by raft.ts and step-leader.ts.
 */
import { assert } from './assert';
import { isVoter } from './conf';
import { committedIndex } from './quorum';
import type { RaftState } from './raft-state';
import type { NodeId } from './types';
import { NONE } from './types';


/**
 * Send `to` the entries from its `next` index on (at most maxEntriesPerMsg), or our snapshot if
 * those are compacted away or `snapshotFirst` is set. Returns whether a message went out.
 * `sendIfEmpty`: send even with no entries (it carries the commit index).
 */
export function sendAppend(r: RaftState, to: NodeId, sendIfEmpty: boolean, snapshotFirst: boolean): boolean {
  const pr = r.prs.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  const prev = pr.next - 1;
  const prevTerm = r.log.termAt(prev);
  if (snapshotFirst || prevTerm === null) {
    const snap = r.log.snapshot;
    assert(snap !== null, 'a leader always holds a snapshot (at least the bootstrap one)');
    pr.becomeSnapshot(snap.meta.index);
    r.send({ type: 'InstallSnapshot', from: r.id, to, term: r.term, snapshot: snap });
    return true;
  }
  const entries = r.log.slice(pr.next, pr.next + r.cfg.maxEntriesPerMsg);
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({ type: 'AppendEntries', from: r.id, to, term: r.term, prevLogIndex: prev, prevLogTerm: prevTerm, entries, leaderCommit: r.commit, readCtx: 0 });
  pr.sentEntries(entries.length, prev + entries.length);
  // A follower commits no further than what it verified (prev + entries), whatever we send.
  pr.sentCommit = Math.max(pr.sentCommit, Math.min(r.commit, prev + entries.length));
  return true;
}

/** Send every follower what it is missing (or at least the commit index). */
export function bcastAppend(r: RaftState): void {
  for (const id of r.peerIds) sendAppend(r, id, true, false);
}

/**
 * Heartbeats: an empty AppendEntries at each follower's next-1, carrying the commit index and the
 * latest ReadIndex round. The consistency check makes a heartbeat double as a probe, so a lost
 * AppendEntries shows up as a rejected heartbeat.
 */
export function bcastHeartbeat(r: RaftState): void {
  const readCtx = r.reads.latestRound();
  for (const id of r.peerIds) {
    const pr = r.prs.get(id);
    if (pr === undefined) continue;
    let prev = pr.state === 'snapshot' ? r.log.snapshotIndex : pr.next - 1;
    let prevTerm = r.log.termAt(prev);
    if (prevTerm === null) {
      // What this follower needs next is compacted away: it needs the snapshot, not a heartbeat.
      if (sendAppend(r, id, true, false)) continue;
      prev = r.log.snapshotIndex;
      prevTerm = r.log.snapshotTerm;
    }
    r.send({ type: 'AppendEntries', from: r.id, to: id, term: r.term, prevLogIndex: prev, prevLogTerm: prevTerm, entries: [], leaderCommit: r.commit, readCtx });
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(r.commit, prev));
  }
}

export function sendTimeoutNow(r: RaftState, to: NodeId): void {
  r.send({ type: 'TimeoutNow', from: r.id, to, term: r.term });
}

/**
 * The commit rule (§5.3, §5.4.2): the highest index replicated on a majority of voters is
 * committed, but only if it belongs to our current term (Figure 8); earlier entries commit with
 * it. Our own log counts only while we are a voter. Returns whether the commit index moved, after
 * doing what follows a commit (pending reads, telling followers, stepping down if removed).
 */
export function maybeCommit(r: RaftState): boolean {
  const last = r.log.lastIndex();
  const idx = committedIndex(r.conf().voters, (id) => (id === r.id ? last : (r.prs.get(id)?.match ?? 0)));
  if (idx <= r.commit) return false;
  const countPrevTerms = r.cfg.unsafe?.commitPreviousTermByCount === true;
  if (!countPrevTerms && r.log.termAt(idx) !== r.term) return false;
  const prevCommit = r.commit;
  r.commitTo(idx);
  afterCommit(r, prevCommit);
  return true;
}

function afterCommit(r: RaftState, prevCommit: number): void {
  const confIndex = r.confs.latestIndex();
  // A configuration change just committed: peers it removed stop being replicated to.
  if (confIndex > prevCommit && confIndex <= r.commit) r.syncProgress(false);
  if (r.waitingReads.length > 0 && r.log.termAt(r.commit) === r.term) {
    const waiting = r.waitingReads;
    r.waitingReads = [];
    for (const w of waiting) r.startRead(w.ctx, w.lease);
  }
  bcastAppend(r);
  if (!isVoter(r.conf(), r.id) && r.pendingConfIndex() === 0) {
    // Our own removal is committed (we led it without counting ourselves): step down
    // (dissertation §4.2.2). Hand over to the most caught-up voter, if one holds our whole log,
    // so the cluster does not wait an election timeout for a new leader.
    const last = r.log.lastIndex();
    const heir = r.conf().voters.find((id) => r.prs.get(id)?.match === last);
    if (heir !== undefined) sendTimeoutNow(r, heir);
    r.becomeFollower(r.term, NONE);
  }
}
