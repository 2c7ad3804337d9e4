/**
 * The step function of candidates and pre-candidates: count votes, and give up on discovering a
 * leader of our term.
 */
import type { RaftState } from './raft-state';
import { handleAppend, handleSnapshot } from './step-follower';
import type { Message } from './types';
import { NONE } from './types';

export function stepCandidate(r: RaftState, m: Message): void {
  switch (m.type) {
    case 'AppendEntries':
      // A leader of our term (or newer) exists: it won. Reference: §5.2.
      r.becomeFollower(m.term, m.from);
      handleAppend(r, m);
      return;
    case 'InstallSnapshot':
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return;
    case 'RequestVoteResponse': {
      const pre = r.role === 'pre-candidate';
      if (m.preVote !== pre) return;
      // A granted pre-vote carries the term we would campaign in; another term is an old round.
      if (pre && m.granted && m.term !== r.term + 1) return;
      const result = r.poll(m.from, m.granted);
      if (result === 'won') {
        if (pre) r.campaign('real', false);
        else r.becomeLeader();
      } else if (result === 'lost') {
        r.becomeFollower(r.term, NONE);
      }
      return;
    }
    default:
      return;
  }
}
