/**
 * stateDigest: a short deterministic hash of a node's full Raft state (hard state, role, leader,
 * the whole log, commit, applied, configuration, progress, timers, votes), so a replay can check
 * it reproduces a recording exactly. Pure JS (FNV-1a, two 32-bit lanes), no Node crypto.
 * Costs O(log length): call it per checkpoint, not per message.
 */
import type { RaftNodeApi } from './api';
import { RawNode } from './raw-node';

function fnv1a(text: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** 16 hex digits. */
export function hashText(text: string): string {
  const a = fnv1a(text, 0x811c9dc5);
  const b = fnv1a(text, 0x050c5d1f ^ text.length);
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** Works on any node behind the API; a RawNode's election votes are included too. */
export function stateDigest(node: RaftNodeApi): string {
  const s = node.status();
  const votes = node instanceof RawNode ? node.votes() : [];
  // Fixed key order: the status object is built in a fixed order, entries are plain JSON.
  return hashText(JSON.stringify([s, node.entries(s.firstIndex, s.lastIndex + 1), votes]));
}
