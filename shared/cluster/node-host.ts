/**
 * The host's side of one node, written once for the node process (electron/node/node-runtime.ts),
 * the simulator (shared/sim/simulator.ts) and a node rebuilt from a recording
 * (shared/replay/branch-point.ts): how a Ready is carried out, which requests and reads it
 * answers, which state machine a snapshot holds, when to compact, and what snapshot a
 * compaction persists. Pure over the core's API and the KV store; the write and the sends are
 * the host's.
 */
import { KvStateMachine, type ApplyOutcome, type ClientOutcome } from '../kv';
import type { RaftNodeApi } from '../raft/api';
import type { Entry, HardState, Message, PersistedState, Ready, Snapshot } from '../raft/types';

/**
 * The state machine a snapshot holds: none or a bootstrap snapshot (index 0, data '') is the
 * empty one; any other snapshot must carry the KV store's data.
 */
export function kvFromSnapshot(snapshot: Snapshot | null): KvStateMachine {
  if (snapshot === null) return new KvStateMachine();
  if (snapshot.data === '') {
    if (snapshot.meta.index !== 0) throw new Error(`snapshot at index ${snapshot.meta.index} has no state machine data`);
    return new KvStateMachine();
  }
  return KvStateMachine.restore(snapshot.data);
}

/** Whether to compact now: every `snapshotEvery` applied entries since the last compaction (0: never). */
export function compactionDue(appliedIndex: number, lastCompactIndex: number, snapshotEvery: number): boolean {
  return snapshotEvery > 0 && appliedIndex - lastCompactIndex >= snapshotEvery;
}

/**
 * The snapshot a compaction at `index` (<= applied) persists before the core drops its log up to
 * there: the term and configuration in effect at `index` (a conf entry after `index` is not in
 * it), and the state machine's data, taken only when the snapshot can be made. Null when the core
 * no longer knows the term at `index` (already compacted past it).
 */
export function compactionSnapshot(api: Pick<RaftNodeApi, 'termAt' | 'confAt'>, index: number, takeData: () => string): Snapshot | null {
  const term = api.termAt(index);
  if (term === null) return null;
  return { meta: { index, term, conf: api.confAt(index) }, data: takeData() };
}

/** What a host does with the parts of a Ready that leave the node. */
export interface ReadyIo {
  /**
   * Make the Ready's hard state, entries and snapshot durable. A promise when the write is
   * asynchronous: sends and applies that depend on it wait for it. `behind` is true when only the
   * commit index moved: nothing waits for such a write (a lost commit index is learned again),
   * so an asynchronous host may let it finish in the background.
   */
  persist(ready: Ready, behind: boolean): void | Promise<void>;
  send(messages: readonly Message[]): void;
  /** An entry this node applied to its state machine, with what it did (null: noop or conf). */
  applied(entry: Entry, outcome: ApplyOutcome | null): void;
  /** A request proposed through this node (`takeProposal`) has applied: what its client is told. */
  answered(outcome: ClientOutcome): void;
  /** A linearizable read this node took is answered: the value at `index` or later. */
  served(id: string, index: number, value: string | null): void;
}

/** What a compaction needs from the host: make the snapshot durable before the log is dropped. */
export type CompactIo = (snapshot: Snapshot) => void | Promise<void>;

interface ConfirmedRead {
  readonly id: string;
  readonly key: string;
  readonly index: number;
}

/**
 * The host's side of one node, carried out the same way in every host: a Ready in the core's
 * order (persist, then send, then apply; under the injected messages-before-persist bug, send
 * first), the KV state machine it applies to, linearizable reads from taken to served, and
 * compaction. The write is the host's (SQLite in a node process, SimDisk elsewhere); when it is
 * asynchronous, committed entries that an earlier Ready already made durable apply while it
 * runs, so a client's answer does not queue behind the next batch's write.
 */
export class NodeHost {
  private state: KvStateMachine;
  private compactedTo: number;
  private hardState: HardState | null;
  /** `client#seq` of requests proposed through this node, answered when they apply. */
  private readonly proposed = new Set<string>();
  /** Reads taken as leader and not yet confirmed: id -> key. */
  private readonly taken = new Map<string, string>();
  /** Reads confirmed at an index, served once the node has applied that far. */
  private confirmed: ConfirmedRead[] = [];

  /** A node starting from `persisted` (null: a new node with an empty disk). */
  constructor(persisted: PersistedState | null, kv?: KvStateMachine) {
    this.state = kv ?? kvFromSnapshot(persisted?.snapshot ?? null);
    this.compactedTo = persisted?.snapshot?.meta.index ?? 0;
    this.hardState = persisted?.hardState ?? null;
  }

  get kv(): KvStateMachine {
    return this.state;
  }

  /** The index of the last compaction (or of the snapshot the node started from or installed). */
  get compactIndex(): number {
    return this.compactedTo;
  }

  /** Track a request the core accepted to propose: its client is answered when this node applies it. */
  takeProposal(client: string, seq: number): void {
    this.proposed.add(`${client}#${seq}`);
  }

  /** Track a read the core accepted (`readIndex(id, …)` returned ok): it is answered from a later Ready. */
  takeRead(id: string, key: string): void {
    this.taken.set(id, key);
  }

  /** Carries out one Ready (the caller advances the core after it). */
  carryOut(rd: Ready, io: ReadyIo): void | Promise<void> {
    if (rd.messagesBeforePersist) io.send(rd.messages);
    const write = this.write(rd, io);
    if (!write) return this.finish(rd, io, 0);
    const durable = this.applyDurable(rd, io);
    return write.then(() => this.finish(rd, io, durable));
  }

  /** Compacts the log when due: the snapshot is made durable, then the core drops what it covers. */
  maybeCompact(api: Pick<RaftNodeApi, 'termAt' | 'confAt' | 'compact'>, snapshotEvery: number, io: CompactIo): void | Promise<void> {
    const index = this.state.appliedIndex;
    if (!compactionDue(index, this.compactedTo, snapshotEvery)) return;
    const snapshot = compactionSnapshot(api, index, () => this.state.snapshot());
    if (snapshot === null) return;
    const done = (): void => {
      api.compact(index, snapshot.data);
      this.compactedTo = index;
    };
    const write = io(snapshot);
    if (!write) return done();
    return write.then(done);
  }

  private write(rd: Ready, io: ReadyIo): void | Promise<void> {
    const hs = rd.hardState;
    if (rd.snapshot === null && rd.entries.length === 0) {
      if (hs === null) return undefined;
      const last = this.hardState;
      this.hardState = hs;
      // Only the commit index moved: a fact of the cluster, not a promise this node made.
      if (last !== null && last.term === hs.term && last.vote === hs.vote) {
        void io.persist(rd, true);
        return undefined;
      }
    }
    if (hs !== null) this.hardState = hs;
    return io.persist(rd, false);
  }

  /** While this Ready's write runs: applies its committed entries below its new ones (durable already). Returns how many. */
  private applyDurable(rd: Ready, io: ReadyIo): number {
    if (rd.snapshot !== null) return 0;
    const firstNew = rd.entries[0]?.index ?? Number.POSITIVE_INFINITY;
    let n = 0;
    for (const e of rd.committedEntries) {
      if (e.index >= firstNew) break;
      this.apply(e, io);
      n++;
    }
    return n;
  }

  private finish(rd: Ready, io: ReadyIo, appliedAlready: number): void {
    if (!rd.messagesBeforePersist) io.send(rd.messages);
    if (rd.snapshot !== null && rd.snapshot.meta.index > this.state.appliedIndex) {
      this.state = kvFromSnapshot(rd.snapshot);
      this.compactedTo = rd.snapshot.meta.index;
    }
    for (let i = appliedAlready; i < rd.committedEntries.length; i++) this.apply(rd.committedEntries[i]!, io);
    for (const rs of rd.readStates) {
      const key = this.taken.get(rs.ctx);
      if (key === undefined) continue;
      this.taken.delete(rs.ctx);
      this.confirmed.push({ id: rs.ctx, key, index: rs.index });
    }
    // The core forgets unconfirmed reads when it stops leading (the client asks again elsewhere).
    if (rd.softState.role !== 'leader') this.taken.clear();
    this.serveReads(io);
  }

  private apply(e: Entry, io: ReadyIo): void {
    if (e.index <= this.state.appliedIndex) return; // already in the restored snapshot
    const outcome = this.state.apply(e);
    io.applied(e, outcome);
    if (this.proposed.size === 0 || outcome === null || outcome.kind === 'invalid') return;
    if (this.proposed.delete(`${outcome.client}#${outcome.seq}`)) io.answered(outcome);
  }

  private serveReads(io: ReadyIo): void {
    if (this.confirmed.length === 0) return;
    const waiting: ConfirmedRead[] = [];
    for (const r of this.confirmed) {
      if (this.state.appliedIndex >= r.index) io.served(r.id, r.index, this.state.get(r.key));
      else waiting.push(r);
    }
    this.confirmed = waiting;
  }
}
