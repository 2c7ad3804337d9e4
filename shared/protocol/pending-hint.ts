/**
 * What a pending step item would do if delivered or fired, read off the receiver's current
 * status with Raft's rules (§5.1-5.4, PreVote §9.6). A hint for the person stepping, not a
 * promise: the node decides. Given the cluster's CheckQuorum setting and election timeout, it also
 * says when the receiver would ignore a vote request under its leader's lease.
 */
import type { PendingItem } from './lab';
import type { NodeStatus } from '../raft/types';

/** The cluster settings a hint needs beyond the receiver's status. */
export interface HintRules {
  readonly checkQuorum: boolean;
  readonly electionTicks: number;
}

export function pendingHint(item: PendingItem, receiver: NodeStatus | null, rules?: HintRules): string {
  if (!receiver) return 'receiver is down: delivering does nothing';
  if (item.kind === 'timeout') {
    if (item.timeout === 'heartbeat') return `leader ${item.node} sends heartbeats to every follower`;
    if (receiver.role === 'leader') return `node ${item.node} is leader: an election timeout does nothing`;
    return `node ${item.node} starts an election for term ${receiver.term + 1}`;
  }
  const m = item.message;
  const s = receiver;
  if (m.type !== 'RequestVote' || !m.preVote) {
    if (m.term < s.term && m.type !== 'RequestVoteResponse') return `stale: node ${s.id} is at term ${s.term} > ${m.term}; it rejects`;
  }
  const upToDate = (lastTerm: number, lastIndex: number) => lastTerm > s.lastTerm || (lastTerm === s.lastTerm && lastIndex >= s.lastIndex);
  switch (m.type) {
    case 'RequestVote': {
      // Leader stickiness (§4.2.3, §9.6): the same test the core makes before anything else.
      if (rules?.checkQuorum && m.term > s.term && !m.transfer && s.leader !== 0 && s.electionElapsed < rules.electionTicks) {
        return `ignores it, no reply: it heard from leader ${s.leader} ${s.electionElapsed} of ${rules.electionTicks} ticks ago (leader lease, CheckQuorum)`;
      }
      const logOk = upToDate(m.lastLogTerm, m.lastLogIndex);
      const why = logOk ? '' : ` (candidate's log ${m.lastLogIndex}@t${m.lastLogTerm} is behind ${s.lastIndex}@t${s.lastTerm})`;
      if (m.preVote) {
        if (m.term < s.term) return `denies pre-vote: term ${m.term} is behind ${s.term}`;
        return logOk ? `would grant the pre-vote to ${m.from} (no state change)` : `denies pre-vote${why}`;
      }
      const free = m.term > s.term || s.vote === 0 || s.vote === m.from;
      if (!logOk) return `denies vote${why}${m.term > s.term ? `; moves to term ${m.term}` : ''}`;
      if (!free) return `denies vote: already voted for ${s.vote} in term ${s.term}`;
      return `grants vote to ${m.from} in term ${m.term}: vote ${s.vote || '–'} → ${m.from}`;
    }
    case 'RequestVoteResponse':
      if (s.role !== 'candidate' && s.role !== 'pre-candidate') return `node ${s.id} is ${s.role} now: the reply is ignored`;
      return m.granted ? `counts a vote for ${s.id} from ${m.from}` : `records ${m.from}'s refusal`;
    case 'AppendEntries': {
      const follow = m.term > s.term || s.role !== 'follower' ? `becomes follower of ${m.from} in term ${m.term}; ` : '';
      if (m.prevLogIndex > s.lastIndex) return `${follow}rejects: it has no entry at ${m.prevLogIndex} (last ${s.lastIndex})`;
      if (m.entries.length === 0) return `${follow}resets its election timer; commit → ${Math.max(s.commit, Math.min(m.leaderCommit, m.prevLogIndex))}`;
      const last = m.entries[m.entries.length - 1]?.index ?? m.prevLogIndex;
      return `${follow}appends ${m.prevLogIndex + 1}..${last} if its entry at ${m.prevLogIndex} has term ${m.prevLogTerm}; commit → ${Math.max(s.commit, Math.min(m.leaderCommit, last))}`;
    }
    case 'AppendEntriesResponse':
      if (s.role !== 'leader') return `node ${s.id} is no longer leader: ignored`;
      return m.success ? `leader records match ${m.matchIndex} for ${m.from}; may advance commit` : `leader backs up nextIndex for ${m.from} and retries`;
    case 'InstallSnapshot':
      return `installs the snapshot up to ${m.snapshot.meta.index} unless its log already covers it`;
    case 'InstallSnapshotResponse':
      return `leader records match ${m.matchIndex} for ${m.from}`;
    case 'TimeoutNow':
      return `node ${s.id} starts an election at once (leadership transfer)`;
  }
}
