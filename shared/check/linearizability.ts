/**
 * Linearizability checker for KV client histories.
 *
 * Wing & Gong's search with Lowe's just-in-time linearization and memoisation of (set of
 * operations linearized, register state), as Porcupine does: walk the history's call and return
 * events in time order; at a call, try to linearize that operation now (the model must accept
 * it), remove it and restart from the front; at a return whose call is still pending, nothing can
 * go before it, so backtrack. Configurations already seen are skipped. The history is split per
 * key first (keys are independent registers), so each search stays small.
 *
 * Intervals are closed: operations whose intervals touch are concurrent (timestamps are coarse).
 * Operations without an answer may take effect at any time after their call, or never.
 *
 * The search is bounded (`maxSteps` model steps over all keys, and `maxMemoryBytes` of remembered
 * configurations per key); past either bound the answer is "unknown" rather than a hang or a
 * crash. A violation comes with a small witness: a subset of one key's operations that is itself
 * not linearizable, shrunk only by drops that cannot invent a contradiction (see shrinkWitness).
 */
import { describeOp, validateHistory, type HistoryOp } from './linearizability-history';
import { ABSENT, ILLEGAL, ValueTable, compileOp, stepRegister, type RegisterOp, type RegisterState } from './linearizability-model';

export interface LinearizabilityOptions {
  /** Model steps the search may take over all keys before answering "unknown". */
  readonly maxSteps?: number;
  /** Memory for remembered configurations while searching one key, roughly, in bytes. */
  readonly maxMemoryBytes?: number;
  /** Model steps spent shrinking a violation to a minimal witness (0: do not shrink). */
  readonly shrinkSteps?: number;
}

export const DEFAULT_MAX_STEPS = 5_000_000;
export const DEFAULT_SHRINK_STEPS = 1_000_000;
export const DEFAULT_MAX_MEMORY_BYTES = 256 * 1024 * 1024;

export type LinearizabilityResult =
  | { readonly kind: 'ok'; readonly keys: number; readonly ops: number; readonly steps: number }
  | {
      readonly kind: 'violation';
      readonly key: string;
      /** Operations on `key` that cannot be put in any legal order, by invocation time. */
      readonly ops: readonly HistoryOp[];
      /**
       * True when shrinking finished: no single op in `ops` can be left out (by the rules of
       * shrinkWitness) with the rest still not linearizable.
       */
      readonly minimal: boolean;
      /** Human-readable: what cannot be ordered. */
      readonly explanation: string;
      readonly steps: number;
    }
  | { readonly kind: 'unknown'; readonly key: string; readonly reason: string; readonly steps: number };

/** Checks a whole history. Throws HistoryError if the history itself is malformed. */
export function checkLinearizability(history: readonly HistoryOp[], options: LinearizabilityOptions = {}): LinearizabilityResult {
  validateHistory(history);
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
  const byKey = partitionByKey(history);
  let steps = 0;
  let unknown: { key: string; reason: string } | null = null;
  // Small keys first, so one hard key spending the budget does not leave the easy ones unchecked.
  const order = [...byKey.entries()].sort((a, b) => a[1].length - b[1].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [key, ops] of order) {
    const r = searchKey(ops, maxSteps - steps, maxMemoryBytes);
    steps += r.steps;
    if (r.kind === 'unknown') {
      // Keep going: another key may still show a definite violation.
      const bound = r.bound === 'steps' ? `${maxSteps} model steps in total` : `remembering ${maxMemoryBytes} bytes of configurations`;
      unknown ??= { key, reason: `gave up on key ${JSON.stringify(key)} (${ops.length} operations) after ${bound}` };
      if (steps >= maxSteps) break;
      continue;
    }
    if (r.kind === 'violation') {
      const shrunk = shrinkWitness(ops, options.shrinkSteps ?? DEFAULT_SHRINK_STEPS, maxMemoryBytes);
      return { kind: 'violation', key, ops: shrunk.ops, minimal: shrunk.minimal, explanation: explain(key, shrunk.ops, shrunk.minimal), steps: steps + shrunk.steps };
    }
  }
  if (unknown !== null) return { kind: 'unknown', ...unknown, steps };
  return { kind: 'ok', keys: byKey.size, ops: history.length, steps };
}

/** Operations grouped by key, keys in sorted order (so reports are deterministic). */
export function partitionByKey(history: readonly HistoryOp[]): Map<string, HistoryOp[]> {
  const groups = new Map<string, HistoryOp[]>();
  for (const h of history) {
    const list = groups.get(h.op.key);
    if (list === undefined) groups.set(h.op.key, [h]);
    else list.push(h);
  }
  return new Map([...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

// ---------------------------------------------------------------------------------------------
// The search over one key

type SearchResult =
  | { readonly kind: 'ok'; readonly steps: number }
  | { readonly kind: 'unknown'; readonly steps: number; readonly bound: 'steps' | 'memory' }
  | { readonly kind: 'violation'; readonly steps: number };

/** A call or return event in the doubly linked event list. */
interface EventNode {
  readonly op: number;
  readonly isCall: boolean;
  readonly timeMs: number;
  /** For a call: its return. */
  match: EventNode | null;
  prev: EventNode | null;
  next: EventNode | null;
}

function searchKey(allOps: readonly HistoryOp[], maxSteps: number, maxMemoryBytes: number): SearchResult {
  const ops = withoutIrrelevantUnknowns(allOps);
  const table = new ValueTable();
  const compiled: RegisterOp[] = ops.map((h) => compileOp(h, table));
  const head = buildEventList(ops);
  const linearized = new Bitset(ops.length);
  const seen = new ConfigCache();
  const stack: Array<{ readonly entry: EventNode; readonly state: RegisterState }> = [];
  let state: RegisterState = ABSENT;
  let steps = 0;

  let entry = head.next;
  while (head.next !== null) {
    if (entry === null) throw new Error('linearizability: event list ended before every call was linearized');
    if (steps >= maxSteps) return { kind: 'unknown', steps, bound: 'steps' };
    if (seen.bytes > maxMemoryBytes) return { kind: 'unknown', steps, bound: 'memory' };
    if (entry.isCall) {
      steps++;
      const op = compiled[entry.op];
      if (op === undefined) throw new Error(`linearizability: no compiled op ${entry.op}`);
      const next = stepRegister(state, op);
      if (next !== ILLEGAL) {
        linearized.set(entry.op);
        if (seen.add(linearized, next)) {
          stack.push({ entry, state });
          state = next;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized.clear(entry.op);
      }
      entry = entry.next;
    } else {
      // A return whose call is still pending: that op must be linearized before this point.
      const top = stack.pop();
      if (top === undefined) return { kind: 'violation', steps };
      entry = top.entry;
      state = top.state;
      linearized.clear(entry.op);
      unlift(entry);
      entry = entry.next;
    }
  }
  return { kind: 'ok', steps };
}

/**
 * Drops unanswered operations that cannot matter, which keeps fault runs (many timeouts) cheap.
 * An unanswered get changes and constrains nothing. An unanswered write whose value no other
 * operation could observe after it (every op that reads it, expects it in a cas or reports it in
 * a cas mismatch finished before the write was invoked) only moves the register to a state nobody
 * sees, so "it never took effect", which is always allowed, is as good as any place for it. A cas
 * mismatch that reports no value could have seen any value, so it counts as observing them all.
 * (The same rule as `droppable`, computed once per key.)
 */
function withoutIrrelevantUnknowns(ops: readonly HistoryOp[]): HistoryOp[] {
  // For each value, the latest completion of an op observing it (Infinity if one never completes).
  const lastSeenMs = new Map<string | null, number>();
  let lastBlindMs = -Infinity;
  for (const h of ops) {
    const doneMs = h.completeMs ?? Infinity;
    if (h.result?.kind === 'cas-mismatch' && h.result.actual === undefined) lastBlindMs = Math.max(lastBlindMs, doneMs);
    for (const v of observedValues(h)) lastSeenMs.set(v, Math.max(lastSeenMs.get(v) ?? -Infinity, doneMs));
  }
  return ops.filter((h) => {
    if (h.result !== null) return true;
    if (h.op.type === 'get') return false;
    const written = h.op.type === 'delete' ? null : h.op.value;
    return (lastSeenMs.get(written) ?? -Infinity) >= h.invokeMs || lastBlindMs >= h.invokeMs;
  });
}

/** The events in time order, calls before returns at equal times (closed intervals), behind a sentinel head. */
function buildEventList(ops: readonly HistoryOp[]): EventNode {
  const events: EventNode[] = [];
  ops.forEach((h, i) => {
    const ret: EventNode = { op: i, isCall: false, timeMs: h.completeMs ?? Infinity, match: null, prev: null, next: null };
    const call: EventNode = { op: i, isCall: true, timeMs: h.invokeMs, match: ret, prev: null, next: null };
    events.push(call, ret);
  });
  events.sort((a, b) => a.timeMs - b.timeMs || Number(a.isCall === false) - Number(b.isCall === false) || a.op - b.op);
  const head: EventNode = { op: -1, isCall: false, timeMs: -Infinity, match: null, prev: null, next: null };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  return head;
}

/** Takes a call and its return out of the list (they keep their own links for `unlift`). */
function lift(call: EventNode): void {
  unlink(call);
  if (call.match !== null) unlink(call.match);
}

/** Puts back what `lift` took out, in reverse order. */
function unlift(call: EventNode): void {
  if (call.match !== null) relink(call.match);
  relink(call);
}

function unlink(e: EventNode): void {
  if (e.prev !== null) e.prev.next = e.next;
  if (e.next !== null) e.next.prev = e.prev;
}

function relink(e: EventNode): void {
  if (e.prev !== null) e.prev.next = e;
  if (e.next !== null) e.next.prev = e;
}

class Bitset {
  readonly words: Uint32Array;
  /** Zobrist hash of the members, updated on every set/clear. */
  hash = 0;

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  set(i: number): void {
    this.words[i >>> 5] = ((this.words[i >>> 5] ?? 0) | (1 << (i & 31))) >>> 0;
    this.hash = (this.hash ^ zobrist(i)) >>> 0;
  }

  clear(i: number): void {
    this.words[i >>> 5] = ((this.words[i >>> 5] ?? 0) & ~(1 << (i & 31))) >>> 0;
    this.hash = (this.hash ^ zobrist(i)) >>> 0;
  }
}

/** Configurations (linearized set, state) already explored. */
class ConfigCache {
  private readonly buckets = new Map<number, Array<{ readonly words: Uint32Array; readonly state: RegisterState }>>();
  /** Approximate memory held: the bitset copies plus a fixed allowance per entry. */
  bytes = 0;

  /** Adds the configuration; false if it was already there. */
  add(bits: Bitset, state: RegisterState): boolean {
    const key = (bits.hash ^ Math.imul(state + 1, 0x9e3779b1)) >>> 0;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(key, bucket);
    }
    for (const c of bucket) if (c.state === state && sameWords(c.words, bits.words)) return false;
    bucket.push({ words: bits.words.slice(), state });
    this.bytes += bits.words.byteLength + 96;
    return true;
  }
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A fixed pseudo-random 32-bit value per op index (a splitmix32 round of the index). */
function zobrist(i: number): number {
  let z = (Math.imul(i + 1, 0x9e3779b9) + 0x7f4a7c15) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Witness shrinking and explanation

/**
 * Shrinks a non-linearizable set of operations to a smaller one that still proves the violation.
 *
 * Dropping an arbitrary operation could invent a contradiction the history does not have (drop
 * the delete between `put 1` and `get → null`, and the get looks wrong). So only drops that
 * cannot invent one are tried (`droppable`): an op that changes nothing (a get, a cas that
 * mismatched), or a write whose value no remaining op could observe after it. If the set
 * without such an op is still not linearizable, neither is the set with it. (The only write of a
 * value another op reads is kept, for readability.) Chunks are tried
 * first (largest first, latest first), then single ops, until no single drop keeps the
 * contradiction or the budget runs out.
 */
function shrinkWitness(all: readonly HistoryOp[], budget: number, maxMemoryBytes: number): { ops: HistoryOp[]; minimal: boolean; steps: number } {
  let steps = 0;
  let current = [...all];
  const isViolation = (ops: readonly HistoryOp[]): boolean | null => {
    const r = searchKey(ops, budget - steps, maxMemoryBytes);
    steps += r.steps;
    return r.kind === 'unknown' ? null : r.kind === 'violation';
  };
  for (let size = Math.floor(current.length / 2); size >= 1; size = Math.floor(size / 2)) {
    let changed = true;
    while (changed) {
      changed = false;
      for (let end = current.length; end > 0; end -= size) {
        if (steps >= budget) return { ops: sortByInvoke(current), minimal: false, steps };
        const chunk = new Set(current.slice(Math.max(0, end - size), end));
        const trial = dropChunk(current, chunk);
        if (trial.length === current.length) continue;
        const v = isViolation(trial);
        if (v === null) return { ops: sortByInvoke(current), minimal: false, steps };
        if (v) {
          current = trial;
          changed = true;
          break;
        }
      }
    }
  }
  return { ops: sortByInvoke(current), minimal: true, steps };
}

/** `ops` without as many of `chunk` as can be dropped soundly, one after another. */
function dropChunk(ops: readonly HistoryOp[], chunk: ReadonlySet<HistoryOp>): HistoryOp[] {
  let rest = [...ops];
  let dropped = true;
  while (dropped) {
    dropped = false;
    for (const h of rest) {
      if (chunk.has(h) && droppable(rest, h)) {
        rest = rest.filter((x) => x !== h);
        dropped = true;
        break;
      }
    }
  }
  return rest;
}

/**
 * Whether removing `target` from `ops` cannot turn a linearizable set into a non-linearizable
 * one. True for ops that never change the register (gets, mismatched cas). For a write, true if
 * no other op that might see the value it writes (null for a delete) can come right after it:
 * each such op finished before the write was invoked, or was invoked after some other write that
 * certainly came after this one had completed. So nothing depends on the write's value, and
 * leaving it out changes no other op's legality. A cas mismatch that reports no value could have
 * seen any value, so it counts as seeing every value.
 */
function droppable(ops: readonly HistoryOp[], target: HistoryOp): boolean {
  if (target.op.type === 'get') return true;
  if (target.op.type === 'cas' && target.result?.kind === 'cas-mismatch') return true;
  const written = target.op.type === 'delete' ? null : target.op.value;
  // The earliest time by which some definite write invoked after `target` completed has itself
  // completed: ops invoked later see that write (or a later one), never `target`'s value.
  let overwrittenByMs = Infinity;
  if (target.completeMs !== null) {
    for (const h of ops) {
      if (h !== target && h.completeMs !== null && h.result?.kind === 'ok' && h.op.type !== 'get' && h.invokeMs > target.completeMs) {
        overwrittenByMs = Math.min(overwrittenByMs, h.completeMs);
      }
    }
  }
  // Readability, not soundness: keep the only write of a value another op reads, so a stale read
  // is shown with the write it read from rather than looking like a read of a value never written.
  if (written !== null && ops.some((h) => h !== target && observedValues(h).includes(written)) && !ops.some((h) => h !== target && writes(h) === written)) {
    return false;
  }
  for (const h of ops) {
    if (h === target) continue;
    if (h.completeMs !== null && h.completeMs < target.invokeMs) continue;
    if (h.invokeMs > overwrittenByMs) continue;
    if (h.result?.kind === 'cas-mismatch' && h.result.actual === undefined) return false;
    if (observedValues(h).includes(written)) return false;
  }
  return true;
}

/** The value a put or cas writes (undefined for other ops; deletes are not counted). */
function writes(h: HistoryOp): string | undefined {
  return h.op.type === 'put' || h.op.type === 'cas' ? h.op.value : undefined;
}

/** Values an op shows the register held: what a get read, what a cas expected or found. */
function observedValues(h: HistoryOp): Array<string | null> {
  if (h.op.type === 'cas') {
    if (h.result?.kind === 'cas-mismatch') return h.result.actual === undefined ? [] : [h.result.actual];
    return [h.op.expected];
  }
  if (h.op.type === 'get' && h.result?.kind === 'ok') return [h.result.value];
  return [];
}

function sortByInvoke(ops: readonly HistoryOp[]): HistoryOp[] {
  return [...ops].sort((a, b) => a.invokeMs - b.invokeMs);
}

function explain(key: string, ops: readonly HistoryOp[], minimal: boolean): string {
  const note = minimal ? '' : ' (the shrinking budget ran out; a smaller set may exist)';
  const head = `key ${JSON.stringify(key)}: these ${ops.length} operations cannot be put in any order consistent with their times and a single register${note}:`;
  return [head, ...ops.map((h) => `  ${describeOp(h)}`)].join('\n');
}
