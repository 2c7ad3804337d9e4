/**
 * Why a node action cannot be taken right now, in words for a disabled button's tooltip (null:
 * it can). A control that is greyed out, or worse one that is clickable and does nothing, leaves
 * a person stepping an election guessing; these say what stands in the way.
 */
import type { NodeLife } from '../../../shared/protocol/lab';
import type { NodeId, Role } from '../../../shared/raft/types';

export interface NodeFacts {
  readonly id: NodeId;
  readonly life: NodeLife;
  /** Null while the node is down or has not reported yet. */
  readonly role: Role | null;
}

function down(n: NodeFacts): string | null {
  return n.life === 'running' || n.life === 'paused' ? null : `node ${n.id} is ${n.life}`;
}

export function fireTimeoutBlocked(n: NodeFacts): string | null {
  const d = down(n);
  return d ? `${d}: it has no election timer to fire` : null;
}

export function makeLeaderBlocked(n: NodeFacts, leader: NodeId | null): string | null {
  const d = down(n);
  if (d) return `${d}: it cannot take over leadership`;
  if (n.role === 'leader') return `node ${n.id} is already the leader`;
  if (leader === null) return 'no leader right now to hand leadership over';
  return null;
}

export function tickBlocked(paused: boolean): string | null {
  return paused ? null : 'the cluster is running: pause it (Space) to advance one tick at a time';
}
