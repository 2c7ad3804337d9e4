/**
 * The in-memory Raft log: a snapshot point followed by the entries after it. Pure data structure;
 * knows nothing about roles or messages. Entries are appended by push (no copying of the log);
 * `unstableFrom` marks the first index the host has not yet been told to persist.
 *
 * Invariants: entries[i].index === snapshotIndex + 1 + i; terms never decrease along the log and
 * are >= snapshotTerm.
 */
import { assert } from './assert';
import type { Entry, Snapshot } from './types';

export class RaftLog {
  /** The latest snapshot, or null for a node that joined and has not received one yet. */
  snapshot: Snapshot | null;
  private entriesArr: Entry[] = [];
  /** First index not yet handed to the host for persisting. */
  unstableFrom: number;

  constructor(snapshot: Snapshot | null, entries: readonly Entry[]) {
    this.snapshot = snapshot;
    this.unstableFrom = this.snapshotIndex + 1;
    if (entries.length > 0) this.append(entries);
  }

  get snapshotIndex(): number {
    return this.snapshot === null ? 0 : this.snapshot.meta.index;
  }

  get snapshotTerm(): number {
    return this.snapshot === null ? 0 : this.snapshot.meta.term;
  }

  /** Index of the first entry held in memory (may be lastIndex + 1 when empty). */
  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entriesArr.length;
  }

  lastTerm(): number {
    const n = this.entriesArr.length;
    return n === 0 ? this.snapshotTerm : (this.entriesArr[n - 1] as Entry).term;
  }

  get length(): number {
    return this.entriesArr.length;
  }

  /** Term of the entry at `index`; null if compacted away or beyond the log. */
  termAt(index: number): number | null {
    const s = this.snapshotIndex;
    if (index === s) return this.snapshotTerm;
    if (index < s || index > this.lastIndex()) return null;
    return (this.entriesArr[index - s - 1] as Entry).term;
  }

  entryAt(index: number): Entry | null {
    const s = this.snapshotIndex;
    if (index <= s || index > this.lastIndex()) return null;
    return this.entriesArr[index - s - 1] as Entry;
  }

  matchTerm(index: number, term: number): boolean {
    return this.termAt(index) === term;
  }

  /**
   * Whether a log ending at (lastIndex, lastTerm) is at least as up to date as ours: a later last
   * term wins; with equal last terms the longer log wins. Reference: §5.4.1.
   */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * The index of the first entry of `ents` that we do not already hold (absent, or present with a
   * different term), or 0 if we hold them all. Entries at or below the snapshot count as held.
   */
  findConflict(ents: readonly Entry[]): number {
    const s = this.snapshotIndex;
    for (const e of ents) {
      if (e.index <= s) continue;
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Append `ents` (contiguous), discarding any entries at or after ents[0].index first.
   * Returns the index truncation started at, or 0 if nothing was discarded.
   */
  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return 0;
    const first = (ents[0] as Entry).index;
    const last = this.lastIndex();
    assert(first > this.snapshotIndex, `append at ${first} inside the snapshot (<= ${this.snapshotIndex})`);
    assert(first <= last + 1, `append at ${first} leaves a gap after ${last}`);
    let truncatedAt = 0;
    if (first <= last) {
      this.entriesArr.length = first - this.snapshotIndex - 1;
      truncatedAt = first;
      if (this.unstableFrom > first) this.unstableFrom = first;
    }
    let prevTerm = this.lastTerm();
    let expect = first;
    for (const e of ents) {
      assert(e.index === expect, `appended entries not contiguous at ${e.index}, expected ${expect}`);
      assert(e.term >= prevTerm, `term goes back from ${prevTerm} to ${e.term} at index ${e.index}`);
      this.entriesArr.push(e);
      prevTerm = e.term;
      expect++;
    }
    return truncatedAt;
  }

  /** Entries with index in [lo, hi), clamped to what is held. */
  slice(lo: number, hi: number): Entry[] {
    const s = this.snapshotIndex;
    const from = Math.max(lo, s + 1) - s - 1;
    const to = Math.min(hi, this.lastIndex() + 1) - s - 1;
    return to > from ? this.entriesArr.slice(from, to) : [];
  }

  /** Entries the host must persist next: [unstableFrom, lastIndex]. */
  unstableEntries(): Entry[] {
    return this.slice(this.unstableFrom, this.lastIndex() + 1);
  }

  /** The host persisted entries up to `index` (with `term` there): they are stable now. */
  stableTo(firstIndex: number, index: number, term: number): void {
    // Only if nothing below what was persisted got truncated meanwhile.
    if (this.unstableFrom >= firstIndex && this.unstableFrom <= index && this.matchTerm(index, term)) {
      this.unstableFrom = index + 1;
    }
  }

  /**
   * Largest index <= atMost whose term is <= `term` (binary search: terms never decrease), or
   * snapshotIndex if none.
   */
  lastIndexWithTermAtMost(term: number, atMost: number): number {
    const s = this.snapshotIndex;
    let lo = s + 1;
    let hi = Math.min(atMost, this.lastIndex());
    let ans = s;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.termAt(mid) as number) <= term) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** First index holding `term` (binary search), or null if no held entry has that term. */
  firstIndexOfTerm(term: number): number | null {
    const s = this.snapshotIndex;
    let lo = s + 1;
    let hi = this.lastIndex();
    let ans: number | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.termAt(mid) as number;
      if (t >= term) {
        if (t === term) ans = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    return ans;
  }

  /** Replace the whole log by `snapshot` (a follower installing the leader's snapshot). */
  restore(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.entriesArr = [];
    this.unstableFrom = snapshot.meta.index + 1;
  }

  /** Discard entries up to `snapshot.meta.index` (already applied and snapshotted by the host). */
  compact(snapshot: Snapshot): void {
    const index = snapshot.meta.index;
    assert(index > this.snapshotIndex && index <= this.lastIndex(), `compact to ${index} outside the log`);
    assert(this.termAt(index) === snapshot.meta.term, 'compaction snapshot term differs from the log');
    this.entriesArr.splice(0, index - this.snapshotIndex);
    this.snapshot = snapshot;
    if (this.unstableFrom < index + 1) this.unstableFrom = index + 1;
  }
}
