/**
 * Digests for recordings: a fast 64-bit non-cryptographic hash of canonical JSON, and the default
 * per-node state digest. Recording computes one after every input, so this must be cheap.
 */
import type { RaftNodeApi } from '../raft/api';

/**
 * A 64-bit hash (two independent 32-bit lanes, each multiply-xorshift mixed) of a string's UTF-16
 * code units, as 16 hex digits. Stable across platforms; not for security.
 */
export function hash64(text: string): string {
  let h1 = 0x811c9dc5 ^ text.length;
  let h2 = 0x27d4eb2f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  // Final avalanche so nearby inputs land far apart.
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x7feb352d);
  h2 = Math.imul(h2 ^ (h2 >>> 15), 0x846ca68b);
  h2 ^= h2 >>> 16;
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** Hash of a JSON value. The core's types are plain JSON built in a fixed key order. */
export function jsonDigest(value: unknown): string {
  return hash64(JSON.stringify(value) ?? 'undefined');
}

/**
 * A named way to digest a node's state. The name goes into the recording's header so replay
 * uses the same one; the core's own digest can be plugged in under its own name.
 */
export interface StateDigest {
  readonly name: string;
  readonly compute: (node: RaftNodeApi) => string;
}

/**
 * The default state digest, built only from the public node API: the full status (role, term,
 * vote, commit, applied, log bounds, configuration, timers, every peer's progress) plus the last
 * log entry in full. Log contents further back are covered by the Ready digests, which hash every
 * entry the node appends.
 */
export const STATUS_DIGEST: StateDigest = {
  name: 'status-v1',
  compute: (node) => {
    const status = node.status();
    const last = status.lastIndex > status.snapshotIndex ? node.entries(status.lastIndex, status.lastIndex + 1) : [];
    return hash64(JSON.stringify(status) + JSON.stringify(last));
  },
};
