import type { Entry, HardState, NodeId, PersistedState, Snapshot } from '../../shared/raft/types';

/** What one Raft Ready asks the host to make durable (see Ready in shared/raft/types.ts). */
export interface PersistBatch {
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
}

export interface NodeStorageOptions {
  /** Absolute path of sql.js's `sql-wasm.wasm`. Defaults to the copy in the sql.js package. */
  readonly wasmPath?: string;
  /** Checkpoint once the journal exceeds this many bytes AND the database file's size. Default 1 MiB. */
  readonly checkpointMinJournalBytes?: number;
}

export interface StorageStats {
  readonly journalBytes: number;
  readonly databaseBytes: number;
  readonly checkpoints: number;
  /** Longest single synchronous section (checkpoint export, batch apply) in milliseconds. */
  readonly longestStallMs: number;
}

/** Work in progress: API only, implementation follows. */
export class NodeStorage {
  private constructor() {}

  /**
   * Opens (or creates) `node-<id>.sqlite` and `node-<id>.journal` in `dir`. Throws StorageError
   * naming the file when a file is corrupt or of an unknown schema version; such files are left
   * byte-for-byte untouched.
   */
  static async open(_dir: string, _nodeId: NodeId, _opts: NodeStorageOptions = {}): Promise<NodeStorage> {
    throw new Error('NodeStorage.open: not implemented yet');
  }

  /** The persisted state, or null for a brand-new node that never persisted anything. */
  load(): PersistedState | null {
    throw new Error('not implemented yet');
  }

  /**
   * One durable write for a whole Ready: snapshot, then entries (truncating the stored log at
   * entries[0].index), then hardState. Resolves once fsynced; concurrent calls share one fsync.
   */
  async persist(_batch: PersistBatch): Promise<void> {
    throw new Error('not implemented yet');
  }

  /** Host-driven log compaction: stores `snapshot` and drops entries up to its index. Durable when resolved. */
  async compact(_snapshot: Snapshot): Promise<void> {
    throw new Error('not implemented yet');
  }

  /** Writes a complete, valid SQLite database (journal folded in) to `path`, atomically. */
  async exportDatabase(_path: string): Promise<void> {
    throw new Error('not implemented yet');
  }

  stats(): StorageStats {
    throw new Error('not implemented yet');
  }

  /** Waits for pending writes, checkpoints, and releases the files. */
  async close(): Promise<void> {
    throw new Error('not implemented yet');
  }
}
