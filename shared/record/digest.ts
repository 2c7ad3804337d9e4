/**
 * Digests for recordings: a fast 64-bit non-cryptographic hash of plain JSON values, and the
 * default per-node state digest. Recording computes one after every input, so both walk the
 * value directly instead of building a JSON string first (several times cheaper).
 */
import type { RaftNodeApi } from '../raft/api';
import type { Ready } from '../raft/types';

// Two independent 32-bit lanes; module state so hashing allocates nothing. Not re-entrant, and
// nothing here calls out while hashing. Kept in an Int32Array, not two `let`s: where V8 compresses
// pointers (browsers) small integers are 31-bit, so a 32-bit lane in a variable is boxed in a new
// heap number at every step (several times slower in the replay worker, and garbage).
const h = new Int32Array(2);

function mix(x: number): void {
  h[0] = Math.imul((h[0] as number) ^ x, 0x01000193);
  const b = Math.imul((h[1] as number) ^ x, 0x5bd1e995);
  h[1] = b ^ (b >>> 15);
}

function mixString(s: string): void {
  const n = s.length;
  mix(n);
  // Two UTF-16 code units per step: half the multiplies of one at a time.
  let i = 0;
  for (; i + 1 < n; i += 2) mix(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) mix(s.charCodeAt(i));
}

/** Feeds a JSON value in: a type tag, then its content (object values in key order). */
function mixValue(v: unknown): void {
  switch (typeof v) {
    case 'number':
      if (Number.isSafeInteger(v)) {
        mix(1);
        mix(v >>> 0);
        mix(Math.floor(v / 4294967296) | 0);
      } else {
        mix(2);
        mixString(String(v));
      }
      return;
    case 'string':
      mix(3);
      mixString(v);
      return;
    case 'boolean':
      mix(v ? 4 : 5);
      return;
    case 'object':
      if (v === null) mix(6);
      else if (Array.isArray(v)) {
        mix(7);
        mix(v.length);
        for (const item of v) mixValue(item);
      } else {
        // Plain objects of the core's types: every key is own and enumerable, and one type
        // always has the same keys in the same order, so the values alone identify the state.
        mix(8);
        const o = v as Record<string, unknown>;
        for (const key in o) mixValue(o[key]);
        mix(9);
      }
      return;
    default:
      // undefined (absent) and anything JSON cannot hold.
      mix(10);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex32(x: number): string {
  return HEX[(x >>> 24) & 0xff]! + HEX[(x >>> 16) & 0xff]! + HEX[(x >>> 8) & 0xff]! + HEX[x & 0xff]!;
}

function finish(): string {
  const h1 = h[0] as number;
  const h2 = h[1] as number;
  let a = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  let b = Math.imul(h2 ^ (h2 >>> 16), 0x7feb352d);
  b = Math.imul(b ^ (b >>> 15), 0x846ca68b);
  b ^= b >>> 16;
  return hex32(a) + hex32(b);
}

/** 64-bit hash of a plain JSON value, as 16 hex digits. Stable across platforms; not for security. */
export function jsonDigest(value: unknown): string {
  h[0] = 0x811c9dc5;
  h[1] = 0x27d4eb2f;
  mixValue(value);
  return finish();
}

/** 64-bit hash of a string, as 16 hex digits. */
export function hash64(text: string): string {
  h[0] = 0x811c9dc5;
  h[1] = 0x27d4eb2f;
  mixString(text);
  return finish();
}

/**
 * Digest of a Ready's parts that a `ready` record does not keep whole: the entries to persist and
 * to apply (with their data), the snapshot, the states. Messages are kept whole in the record
 * and compared as they are, so hashing them again would only cost time.
 */
export function readyDigest(ready: Ready): string {
  return jsonDigest([ready.softState, ready.hardState, ready.entries, ready.snapshot, ready.committedEntries, ready.readStates, ready.messagesBeforePersist]);
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
 * vote, leader, commit, applied, log bounds and last term, configuration, election and heartbeat
 * timers, randomized timeout, every peer's progress, transfer and pending conf). Log contents are
 * covered by the Ready digests, which hash every entry the node appends or applies.
 */
export const STATUS_DIGEST: StateDigest = {
  name: 'status-v1',
  compute: (node) => jsonDigest(node.status()),
};
