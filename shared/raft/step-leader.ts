/**
 * The leader's step function: follower answers drive progress, commit, flow control, ReadIndex
 * confirmations and leadership transfer.
 */
import type { RaftState } from './raft-state';
import { maybeCommit, sendAppend, sendTimeoutNow } from './replicate';
import type { AppendEntriesResponse, InstallSnapshotResponse, Message } from './types';

export function stepLeader(r: RaftState, m: Message): void {
  switch (m.type) {
    case 'AppendEntriesResponse':
      onAppendResponse(r, m);
      return;
    case 'InstallSnapshotResponse':
      onSnapshotResponse(r, m);
      return;
    default:
      // Late votes, and anything else, need nothing from a leader.
      return;
  }
}

function onAppendResponse(r: RaftState, m: AppendEntriesResponse): void {
  const pr = r.prs.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  if (m.readCtx > 0) {
    // Any answer in our term confirms we were still leader when the heartbeat was sent.
    for (const rs of r.reads.ack(m.from, m.readCtx, r.conf().voters)) r.readStates.push(rs);
  }
  if (!m.success) {
    const hint = m.rejectHint;
    if (hint === null || pr.state === 'snapshot') return;
    const rejected = m.matchIndex;
    let hintNext: number;
    if (hint.conflictTerm > 0) {
      // Skip the follower's whole conflicting term: resume after our last entry of that term if
      // we have one, else at the first index the follower holds for it.
      const idx = r.log.lastIndexWithTermAtMost(hint.conflictTerm, rejected);
      hintNext = r.log.termAt(idx) === hint.conflictTerm ? idx + 1 : hint.conflictIndex;
    } else {
      hintNext = hint.lastIndex + 1;
    }
    if (pr.maybeDecrTo(rejected, hintNext)) {
      // A follower that does not even hold our snapshot point can only catch up from the
      // snapshot (a joiner with an empty log, most often).
      sendAppend(r, m.from, true, rejected <= r.log.snapshotIndex);
    } else if (pr.state === 'probe') {
      // Not the answer to our probe (that one may be lost), but the follower is listening:
      // probe again rather than wait forever.
      pr.probeSent = false;
      sendAppend(r, m.from, false, false);
    }
    return;
  }
  if (pr.maybeUpdate(m.matchIndex)) {
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    }
    // (When the commit index moves, maybeCommit also tells every follower.)
    maybeCommit(r);
    if (r.role !== 'leader') return;
    while (sendAppend(r, m.from, false, false)) {
      // Fill the flow-control window.
    }
    // A follower that now holds entries we already committed learns that without waiting for a
    // heartbeat (it acknowledged after the commit moved, so the broadcast did not cover it).
    if (pr.sentCommit < r.commit && pr.match > pr.sentCommit) sendAppend(r, m.from, true, false);
    if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) sendTimeoutNow(r, m.from);
  } else if (pr.state === 'probe' && pr.match < r.log.lastIndex()) {
    // An answer to a heartbeat: the probe may go on.
    pr.probeSent = false;
    sendAppend(r, m.from, false, false);
  }
}

function onSnapshotResponse(r: RaftState, m: InstallSnapshotResponse): void {
  const pr = r.prs.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  pr.maybeUpdate(m.matchIndex);
  if (pr.state === 'snapshot') {
    pr.becomeProbe();
    pr.becomeReplicate();
  }
  maybeCommit(r);
  if (r.role !== 'leader') return;
  while (sendAppend(r, m.from, false, false)) {
    // Fill the flow-control window.
  }
}
