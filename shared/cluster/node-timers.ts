/**
 * A node's own timer as the lab steps it, once for every engine (the node process and the
 * simulator): what firing a node's timeout does, and which timeout a paused node would reach at
 * its next tick (the timeout items of the Step tab). Pure over the core's API.
 */
import type { PendingItem } from '../protocol/lab';
import type { RaftNodeApi } from '../raft/api';
import type { NodeStatus } from '../raft/types';
import { timeoutId } from './pending-ids';

export type TimeoutItem = Extract<PendingItem, { kind: 'timeout' }>;


/**
 * Fire `raft`'s timeout now. A follower, pre-candidate or candidate campaigns (its election
 * timeout); a leader has no election timeout, so its heartbeat timer fires instead: it ticks
 * until it sends its heartbeats, at most `heartbeatTicks` ticks.
 */
export function fireNodeTimeout(raft: Pick<RaftNodeApi, 'status' | 'campaign' | 'tick'>, heartbeatTicks: number): void {
  if (raft.status().role !== 'leader') {
    raft.campaign();
    return;
  }
  for (let i = 0; i < heartbeatTicks; i++) {
    raft.tick();
    if (raft.status().heartbeatElapsed === 0) break;
  }
}

/**
 * The timeout a paused node reaches at its next tick, if any: a leader's heartbeat, or a
 * voter's election timeout (a learner never campaigns).
 */
export function dueTimeout(s: NodeStatus, heartbeatTicks: number): TimeoutItem | null {
  if (s.role === 'leader') {
    return s.heartbeatElapsed + 1 >= heartbeatTicks ? { kind: 'timeout', id: timeoutId(s.id, 'heartbeat'), node: s.id, timeout: 'heartbeat' } : null;
  }
  if (s.conf.voters.includes(s.id) && s.electionElapsed + 1 >= s.randomizedElectionTicks) {
    return { kind: 'timeout', id: timeoutId(s.id, 'election'), node: s.id, timeout: 'election' };
  }
  return null;
}
