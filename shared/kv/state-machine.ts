/**
 * The replicated key-value state machine: applies committed log entries in order, exactly once
 * per (client, seq), and serialises itself for Raft snapshots.
 *
 * Exactly-once (dissertation §6.3): each client has a session holding the seq and result of its
 * latest applied request. A retry of that seq returns the cached result without re-applying; an
 * older seq is "stale" (the client has moved on) and is not applied either. Sessions are evicted
 * least-recently-used once there are more than `maxSessions` of them, counting applied entries
 * rather than time, so every replica evicts the same sessions at the same index.
 *
 * Limitation (documented, deliberate): clients do not register. A command from an unknown client
 * opens a session at whatever seq it carries, so a client whose session was evicted and which
 * then retries an already-applied request would see it applied twice. Keep `maxSessions` well
 * above the number of concurrently active clients.
 */
import type { Entry, NodeId } from '../raft/types';
import type { KvOp, KvResult } from '../protocol/lab';
import { decodeCommand, KvCommandError } from './command';
import { fnv1a64 } from './fnv';
import type { OpResult } from './op-result';
import { parseSnapshot, serializeSnapshot, type KvSnapshotData } from './snapshot';

export const DEFAULT_MAX_SESSIONS = 1000;

export type { OpResult };

/** What applying one command entry did. `index` is the entry's index in every case. */
export type ApplyOutcome =
  /** The request was applied now, for the first time. */
  | { readonly kind: 'applied'; readonly index: number; readonly client: string; readonly seq: number; readonly op: KvOp; readonly result: OpResult }
  /** A retry of the client's latest applied request: nothing changed; `result` is the cached one (its index is where it was first applied). */
  | { readonly kind: 'duplicate'; readonly index: number; readonly client: string; readonly seq: number; readonly result: OpResult }
  /** A request older than the client's latest applied one: not applied, its result is no longer known. */
  | { readonly kind: 'stale'; readonly index: number; readonly client: string; readonly seq: number; readonly lastSeq: number }
  /** The entry's data is not a valid command (every replica rejects it the same way): nothing changed. */
  | { readonly kind: 'invalid'; readonly index: number; readonly detail: string };

/** The outcomes a waiting client can be told about. */
export type ClientOutcome = Exclude<ApplyOutcome, { readonly kind: 'invalid' }>;

export interface Session {
  readonly lastSeq: number;
  readonly result: OpResult;
}

export interface KvStateMachineOptions {
  /** Sessions kept before the least recently used is evicted. Must be the same on every replica. */
  readonly maxSessions?: number;
}

export class KvStateMachine {
  private readonly data = new Map<string, string>();
  /** Insertion order is recency order: the first session is the least recently used. */
  private readonly sessions = new Map<string, Session>();
  private applied = 0;
  readonly maxSessions: number;

  constructor(options: KvStateMachineOptions = {}) {
    const max = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`KvStateMachine: maxSessions must be a positive integer, got ${max}`);
    this.maxSessions = max;
  }

  /** Index of the last entry applied (or covered by the restored snapshot). */
  get appliedIndex(): number {
    return this.applied;
  }

  /** Number of keys stored. */
  get size(): number {
    return this.data.size;
  }

  /** Local read of the applied state (not linearizable by itself; see ReadIndex). */
  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  /** All key/value pairs, sorted by key. */
  entries(): Array<readonly [string, string]> {
    return [...this.data.entries()].sort((a, b) => compareStrings(a[0], b[0]));
  }

  /** The session of `client`, if it has one. */
  session(client: string): Session | null {
    return this.sessions.get(client) ?? null;
  }

  /** Client ids with a session, least recently used first. */
  sessionClients(): string[] {
    return [...this.sessions.keys()];
  }

  /**
   * Applies the next committed entry. Entries must arrive in order without gaps: `entry.index`
   * must be `appliedIndex + 1` (throws otherwise, since a gap means this replica diverged).
   * Returns null for noop and conf entries, which only advance `appliedIndex`.
   */
  apply(entry: Entry): ApplyOutcome | null {
    if (entry.index !== this.applied + 1) {
      throw new Error(`KvStateMachine.apply: expected entry ${this.applied + 1}, got ${entry.index} (entries must be applied in order, exactly once)`);
    }
    this.applied = entry.index;
    if (entry.kind !== 'command') return null;

    let cmd;
    try {
      cmd = decodeCommand(entry.data);
    } catch (e) {
      if (e instanceof KvCommandError) return { kind: 'invalid', index: entry.index, detail: e.message };
      throw e;
    }
    const { client, seq, op } = cmd;
    const session = this.sessions.get(client);
    if (session !== undefined) {
      this.touch(client, session);
      if (seq === session.lastSeq) return { kind: 'duplicate', index: entry.index, client, seq, result: session.result };
      if (seq < session.lastSeq) return { kind: 'stale', index: entry.index, client, seq, lastSeq: session.lastSeq };
    }
    const result = this.execute(op, entry.index);
    this.touch(client, { lastSeq: seq, result });
    this.evict();
    return { kind: 'applied', index: entry.index, client, seq, op, result };
  }

  /** Deterministic JSON of the whole state (sorted keys), for Raft snapshots. */
  snapshot(): string {
    return serializeSnapshot(this.toSnapshotData());
  }

  /** Rebuilds a state machine from `snapshot()` output. Throws KvSnapshotError naming what is wrong. */
  static restore(data: string): KvStateMachine {
    const snap = parseSnapshot(data);
    const sm = new KvStateMachine({ maxSessions: snap.maxSessions });
    sm.applied = snap.appliedIndex;
    for (const [k, v] of Object.entries(snap.data)) sm.data.set(k, v);
    for (const s of snap.sessions) sm.sessions.set(s.client, { lastSeq: s.lastSeq, result: s.result });
    return sm;
  }

  /** 64-bit FNV-1a of `snapshot()`: equal on replicas that applied the same entries. */
  digest(): string {
    return fnv1a64(this.snapshot());
  }

  private toSnapshotData(): KvSnapshotData {
    const data: Record<string, string> = {};
    for (const [k, v] of this.entries()) data[k] = v;
    return {
      appliedIndex: this.applied,
      maxSessions: this.maxSessions,
      data,
      sessions: [...this.sessions.entries()].map(([client, s]) => ({ client, lastSeq: s.lastSeq, result: s.result })),
    };
  }

  private execute(op: KvOp, index: number): OpResult {
    switch (op.type) {
      case 'get':
        return { kind: 'ok', value: this.get(op.key), index };
      case 'put':
        this.data.set(op.key, op.value);
        return { kind: 'ok', value: op.value, index };
      case 'delete':
        this.data.delete(op.key);
        return { kind: 'ok', value: null, index };
      case 'cas': {
        const actual = this.get(op.key);
        if (actual !== op.expected) return { kind: 'cas-mismatch', actual, index };
        this.data.set(op.key, op.value);
        return { kind: 'ok', value: op.value, index };
      }
    }
  }

  /** Marks `client` most recently used. */
  private touch(client: string, session: Session): void {
    this.sessions.delete(client);
    this.sessions.set(client, session);
  }

  private evict(): void {
    while (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done === true) break;
      this.sessions.delete(oldest.value);
    }
  }
}

/**
 * What to tell the client that sent the request: maps an apply outcome onto the lab's KvResult.
 * `leader` is the node answering. A stale request's result is unknown, so the client is told it
 * timed out (the linearizability checker treats that as "may or may not have happened").
 */
export function toKvResult(outcome: ClientOutcome, leader: NodeId): KvResult {
  if (outcome.kind === 'stale') {
    return { ok: false, error: 'timeout', detail: `request ${outcome.client}#${outcome.seq} was superseded by #${outcome.lastSeq} from the same client and was not applied` };
  }
  const r = outcome.result;
  if (r.kind === 'ok') return { ok: true, value: r.value, index: r.index, leader };
  return { ok: false, error: 'cas-mismatch', detail: `cas at index ${r.index}: found ${JSON.stringify(r.actual)}`, value: r.actual };
}

/** Code-unit order, identical on every platform (unlike localeCompare). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
