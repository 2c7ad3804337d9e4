/**
 * Ids of pending items, one scheme for every engine: the live lab's node processes, the
 * simulator and branches. The page treats them as opaque; hosts read back whose item it is.
 * - a message: `<from>.<incarnation>.<n>><to>`: n counts the sender's messages in one life (a
 *   node process), or all messages (the simulator, which numbers them globally, writes
 *   incarnation 0);
 * - a timeout: `t:<node>:<election|heartbeat>`.
 */
import type { PendingItem } from '../protocol/lab';
import type { NodeId } from '../raft/types';

export type TimeoutKind = Extract<PendingItem, { kind: 'timeout' }>['timeout'];

export function messageId(from: NodeId, incarnation: number, n: number, to: NodeId): string {
  return `${from}.${incarnation}.${n}>${to}`;
}

export function timeoutId(node: NodeId, timeout: TimeoutKind): string {
  return `t:${node}:${timeout}`;
}

/** The node a timeout item's id names, or null when `id` is not a timeout id. */
export function timeoutNode(id: string): NodeId | null {
  const m = /^t:(\d+):(election|heartbeat)$/.exec(id);
  return m === null ? null : Number(m[1]);
}

/** The node that holds a pending item (a message's receiver, a timeout's node), or null for a malformed id. */
export function pendingHolder(pendingId: string): NodeId | null {
  const timeout = timeoutNode(pendingId);
  if (timeout !== null) return timeout;
  const message = /^\d+\.\d+\.\d+>(\d+)$/.exec(pendingId);
  return message ? Number(message[1]) : null;
}
