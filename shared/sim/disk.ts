/**
 * A node's simulated disk: what survives a crash. The host writes to it after handling a Ready
 * (snapshot, then entries, then hard state, as types.ts `Ready` prescribes); a restarted node is
 * rebuilt from `load()`. Nothing else is durable.
 */
import type { ConfState, Entry, HardState, PersistedState, Ready, Snapshot } from '../raft/types';

export class SimDisk {
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private snapshot: Snapshot | null = null;
  /** Entries after the snapshot, contiguous and ascending. */
  private entries: Entry[] = [];

  /** A disk that already holds `p` (a node continued from a recorded state). */
  static from(p: PersistedState): SimDisk {
    const d = new SimDisk();
    d.hardState = p.hardState;
    d.snapshot = p.snapshot;
    d.entries = p.entries.slice();
    return d;
  }

  /** Makes the durable part of `ready` durable. */
  persist(ready: Ready): void {
    if (ready.snapshot !== null) {
      // Installing a snapshot replaces the whole log (the core only sends one when logs diverge).
      this.snapshot = ready.snapshot;
      this.entries = [];
    }
    if (ready.entries.length > 0) this.append(ready.entries);
    if (ready.hardState !== null) this.hardState = ready.hardState;
  }

  /** The host compacted: a state-machine snapshot at `index` replaces the log up to it. */
  compact(index: number, term: number, conf: ConfState, data: string): void {
    const snapIndex = this.snapshot?.meta.index ?? 0;
    if (index <= snapIndex) return;
    this.snapshot = { meta: { index, term, conf }, data };
    const firstKept = this.entries.findIndex((e) => e.index > index);
    this.entries = firstKept < 0 ? [] : this.entries.slice(firstKept);
  }

  get lastIndex(): number {
    const last = this.entries[this.entries.length - 1];
    return last !== undefined ? last.index : (this.snapshot?.meta.index ?? 0);
  }

  /** What a restarted node is built from. The arrays are copies; entries themselves are immutable. */
  load(): PersistedState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: this.entries.slice() };
  }

  private append(entries: readonly Entry[]): void {
    const snapIndex = this.snapshot?.meta.index ?? 0;
    const first = entries[0]!.index;
    const offset = this.entries.length > 0 ? this.entries[0]!.index : snapIndex + 1;
    if (first > this.lastIndex + 1) {
      throw new Error(`disk: entries start at ${first} but the stored log ends at ${this.lastIndex} (a gap)`);
    }
    // Truncate a suffix that the new entries overwrite; skip any already inside the snapshot.
    const keep = Math.max(0, first - offset);
    if (keep < this.entries.length) this.entries.length = keep;
    for (const e of entries) if (e.index > snapIndex) this.entries.push(e);
  }
}
