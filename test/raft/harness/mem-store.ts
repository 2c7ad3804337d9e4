/**
 * What a scenario node persists: the host side of the Ready contract (snapshot, then entries with
 * suffix truncation, then hard state), kept in memory so `crash` / `restart` rebuild the node
 * through RawNode.restore exactly as a real host would.
 */
import type { Entry, HardState, PersistedState, Ready, Snapshot } from '../../../shared/raft/types';

export class MemStore {
  hardState: HardState = { term: 0, vote: 0, commit: 0 };
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];

  persist(rd: Ready): void {
    if (rd.snapshot !== null) {
      // A snapshot from the leader replaces the whole stored log.
      this.snapshot = rd.snapshot;
      this.entries = [];
    }
    if (rd.entries.length > 0) {
      const first = (rd.entries[0] as Entry).index;
      const base = this.snapshot === null ? 0 : this.snapshot.meta.index;
      this.entries.length = Math.max(0, Math.min(this.entries.length, first - base - 1));
      for (const e of rd.entries) this.entries.push(e);
    }
    if (rd.hardState !== null) this.hardState = rd.hardState;
  }

  compact(snapshot: Snapshot): void {
    const keepFrom = snapshot.meta.index;
    this.entries = this.entries.filter((e) => e.index > keepFrom);
    this.snapshot = snapshot;
  }

  load(): PersistedState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: this.entries.slice() };
  }
}
