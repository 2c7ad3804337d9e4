/**
 * A branch: the recorded cluster as it was at one event, rebuilt with the real core
 * (RawNode.restore from each node's state then) and continued in step mode, in memory. It is a
 * LabApi, so the renderer's live controls drive it unchanged: Tick +1 ticks every node, a
 * pending message is delivered or dropped by hand, a node's timeout fires, nodes crash and
 * restart from what they persisted. Deterministic: the same branch and the same clicks give the
 * same run (node randomness comes from a seed).
 *
 * Not in a branch (refused with a message): free-running play, speed, client requests,
 * membership, link faults and partitions.
 */
import { InvariantChecker } from '../check/invariants';
import { KvStateMachine } from '../kv/state-machine';
import type {
  ClusterOptions, ClusterSnapshot, LabApi, LabEvent, LogRange, NodeLife, NodeView, PendingItem, Violation,
} from '../protocol/lab';
import { logRangeProblem } from '../protocol/lab-schema';
import type { RaftNodeApi } from '../raft/api';
import type { ConfState, Entry, Message, NodeId, PersistedState, RaftConfig, Ready, Role, Snapshot } from '../raft/types';
import { createRng, type Rng } from '../util/rng';
import type { NodeBranchState } from './replay-index';

export interface BranchFactory {
  restore(config: RaftConfig, rng: Rng, persisted: PersistedState): RaftNodeApi;
}

type LabEventBody = LabEvent extends infer E ? (E extends LabEvent ? Omit<E, 'seq'> : never) : never;

/** A node's disk in the branch: what survives a crash. */
class BranchDisk {
  private snapshot: Snapshot | null;
  private entries: Entry[];
  private hardState: PersistedState['hardState'];

  constructor(p: PersistedState) {
    this.snapshot = p.snapshot;
    this.entries = [...p.entries];
    this.hardState = p.hardState;
  }

  persist(rd: Ready): void {
    if (rd.snapshot) {
      this.snapshot = rd.snapshot;
      this.entries = [];
    }
    const first = rd.entries[0];
    if (first) {
      // New entries replace any stored suffix from their first index on.
      const base = (this.snapshot?.meta.index ?? 0) + 1;
      this.entries.length = Math.max(0, Math.min(this.entries.length, first.index - base));
      this.entries.push(...rd.entries);
    }
    if (rd.hardState) this.hardState = rd.hardState;
  }

  load(): PersistedState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: [...this.entries] };
  }
}

interface BranchNode {
  readonly id: NodeId;
  readonly config: RaftConfig;
  readonly disk: BranchDisk;
  api: RaftNodeApi | null;
  kv: KvStateMachine;
  role: Role | null;
}

const NOT_IN_BRANCH = 'is not available in a branch (it runs in step mode: Tick +1, deliver, drop, fire timeout, crash, restart)';

export class BranchLab implements LabApi {
  private readonly nodes = new Map<NodeId, BranchNode>();
  private readonly pending = new Map<string, Message>();
  private readonly listeners = new Set<(events: readonly LabEvent[]) => void>();
  private readonly checker = new InvariantChecker();
  private readonly rng: Rng;
  private readonly found: Violation[] = [];
  private seq = 0;
  private nextMsg = 1;
  private nowMs: number;
  private batch: LabEvent[] = [];

  /**
   * `fromEvent` is the recording's event the branch starts after; `atMs` its time. The nodes'
   * state machines are rebuilt from their logs (restored nodes re-apply committed entries).
   */
  constructor(
    states: readonly NodeBranchState[],
    private readonly factory: BranchFactory,
    private readonly options: ClusterOptions,
    readonly fromEvent: number,
    atMs: number,
    seed: number,
  ) {
    this.rng = createRng(seed);
    this.nowMs = atMs;
    for (const s of states) {
      const api = factory.restore(s.config, this.rng.fork(), s.persisted);
      this.nodes.set(s.node, { id: s.node, config: s.config, disk: new BranchDisk(s.persisted), api, kv: new KvStateMachine(), role: null });
      this.checker.observe({ type: 'restart', seq: 0, node: s.node, persisted: s.persisted });
    }
    this.emit({ type: 'cluster-created', atMs, options, nodes: [...this.nodes.keys()] });
    this.emit({ type: 'run-state', atMs, paused: true, speed: 1 });
    for (const n of this.nodes.values()) {
      this.emit({ type: 'node-life', atMs, node: n.id, life: 'running', exit: null });
      this.handle(n);
    }
    this.emitPending();
  }

  /** Events so far that no listener has taken yet go to the first subscriber (the reset). */
  onEvents(listener: (events: readonly LabEvent[]) => void): () => void {
    this.listeners.add(listener);
    if (this.batch.length > 0) this.flush();
    return () => this.listeners.delete(listener);
  }

  /** Tell subscribers everything since the last flush (one batch per user action). */
  private flush(): void {
    if (this.listeners.size === 0) return;
    const out = this.batch;
    this.batch = [];
    for (const l of this.listeners) l(out);
  }

  private emit(e: LabEventBody): void {
    this.batch.push({ ...e, seq: ++this.seq } as LabEvent);
  }

  private emitPending(): void {
    this.emit({ type: 'pending', atMs: this.nowMs, items: this.pendingItems() });
  }

  private pendingItems(): PendingItem[] {
    return [...this.pending.entries()].map(([id, message]) => ({ kind: 'message', id, message, heldAtMs: this.nowMs }));
  }

  private node(id: NodeId): BranchNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id} in this branch (nodes ${[...this.nodes.keys()].join(', ')})`);
    return n;
  }

  /** Take every Ready of a node: persist, apply, hold its messages, report its new status. */
  private handle(n: BranchNode): void {
    const api = n.api;
    if (!api) return;
    for (let guard = 0; guard < 100 && api.hasReady(); guard++) {
      const rd = api.ready();
      n.disk.persist(rd);
      for (const e of rd.committedEntries) n.kv.apply(e);
      for (const v of this.checker.observeHandledReady(this.seq + 1, n.id, rd)) {
        this.found.push(v);
        this.emit({ type: 'violation', atMs: this.nowMs, violation: v });
      }
      for (const m of rd.messages) {
        const msgId = `b${this.nextMsg++}`;
        this.pending.set(msgId, m);
        this.emit({ type: 'message-sent', atMs: this.nowMs, msgId, message: m });
      }
      if (rd.committedEntries.length > 0) {
        const first = rd.committedEntries[0] as Entry;
        const last = rd.committedEntries[rd.committedEntries.length - 1] as Entry;
        this.emit({ type: 'entries-applied', atMs: this.nowMs, node: n.id, from: first.index, to: last.index });
      }
      api.advance(rd);
    }
    const status = api.status();
    if (status.role !== n.role) this.emit({ type: 'role-change', atMs: this.nowMs, node: n.id, role: status.role, term: status.term });
    n.role = status.role;
    this.emit({ type: 'node-status', atMs: this.nowMs, status });
  }

  private async act(what: () => void): Promise<void> {
    what();
    this.emitPending();
    this.flush();
  }

  // -------------------------------------------------------------------------------------------
  // The LabApi

  snapshot(): Promise<ClusterSnapshot> {
    const nodes: NodeView[] = [...this.nodes.values()].map((n) => ({
      id: n.id, life: (n.api ? 'running' : 'crashed') as NodeLife, status: n.api ? n.api.status() : null,
      exit: n.api ? null : { reason: 'crashed', detail: 'crashed in the branch' },
    }));
    return Promise.resolve({
      options: this.options, dataDir: '', nodes, paused: true, speed: 1, pending: this.pendingItems(), links: [],
      violations: [...this.found], seq: this.seq,
    });
  }

  tickOnce(): Promise<void> {
    return this.act(() => {
      this.nowMs += this.options.tickMs;
      for (const n of this.nodes.values()) {
        n.api?.tick();
        this.handle(n);
      }
    });
  }

  deliver(pendingId: string): Promise<void> {
    return this.act(() => {
      const m = this.takePending(pendingId);
      const to = this.node(m.to);
      if (!to.api) {
        this.emit({ type: 'message-dropped', atMs: this.nowMs, msgId: pendingId, message: m, why: 'crashed' });
        return;
      }
      this.emit({ type: 'message-delivered', atMs: this.nowMs, msgId: pendingId, message: m });
      to.api.step(m);
      this.handle(to);
    });
  }

  drop(pendingId: string): Promise<void> {
    return this.act(() => {
      const m = this.takePending(pendingId);
      this.emit({ type: 'message-dropped', atMs: this.nowMs, msgId: pendingId, message: m, why: 'user' });
    });
  }

  /** Remove and return a held message; an unknown id is an error naming it. */
  private takePending(pendingId: string): Message {
    const m = this.pending.get(pendingId);
    if (!m) throw new Error(`no pending message ${pendingId}`);
    this.pending.delete(pendingId);
    return m;
  }

  fireTimeout(node: NodeId): Promise<void> {
    return this.act(() => {
      const n = this.node(node);
      if (!n.api) throw new Error(`node ${node} is crashed`);
      n.api.campaign();
      this.handle(n);
    });
  }

  crashNode(node: NodeId): Promise<void> {
    return this.act(() => {
      const n = this.node(node);
      if (!n.api) return;
      n.api = null;
      n.role = null;
      this.checker.observe({ type: 'crash', seq: this.seq, node });
      this.emit({ type: 'node-life', atMs: this.nowMs, node, life: 'crashed', exit: { reason: 'crashed', detail: 'crashed in the branch' } });
    });
  }

  restartNode(node: NodeId): Promise<void> {
    return this.act(() => {
      const n = this.node(node);
      if (n.api) return;
      const persisted = n.disk.load();
      n.api = this.factory.restore(n.config, this.rng.fork(), persisted);
      n.kv = new KvStateMachine();
      this.checker.observe({ type: 'restart', seq: this.seq, node, persisted });
      this.emit({ type: 'node-life', atMs: this.nowMs, node, life: 'running', exit: null });
      this.handle(n);
    });
  }

  /** The branch's state machine value of `key` on `node` (for people and tests). */
  kvGet(node: NodeId, key: string): string | null {
    return this.node(node).kv.get(key);
  }

  /** The configuration `node` runs with (voters, learners). */
  conf(node: NodeId): ConfState | null {
    return this.node(node).api?.status().conf ?? null;
  }

  setPaused(paused: boolean): Promise<void> {
    return paused ? Promise.resolve() : Promise.reject(new Error(`play ${NOT_IN_BRANCH}`));
  }

  private refuse(what: string): Promise<never> {
    return Promise.reject(new Error(`${what} ${NOT_IN_BRANCH}`));
  }

  createCluster(): Promise<ClusterSnapshot> { return this.refuse('creating a cluster'); }
  destroyCluster(): Promise<void> { return this.refuse('destroying the cluster'); }
  stopNode(): Promise<void> { return this.refuse('stopping a node'); }
  setNodePaused(): Promise<void> { return this.refuse('pausing one node'); }
  addNode(): Promise<NodeId> { return this.refuse('adding a node'); }
  changeMembership(): Promise<{ readonly ok: boolean; readonly detail: string }> { return this.refuse('changing membership'); }
  transferLeadership(): Promise<void> { return this.refuse('transferring leadership'); }
  setSpeed(): Promise<void> { return this.refuse('speed'); }
  setLinkFault(): Promise<void> { return this.refuse('link faults'); }
  partition(): Promise<void> { return this.refuse('partitions'); }
  submit(): Promise<never> { return this.refuse('client requests'); }
  /** Answered from the branch node's own log, like the live lab asks a node process. */
  readLog(node: NodeId, lo: number, hi: number): Promise<LogRange> {
    const problem = logRangeProblem(lo, hi);
    if (problem !== null) return Promise.reject(new Error(`readLog: ${problem}`));
    let n: BranchNode;
    try {
      n = this.node(node);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const api = n.api;
    if (api === null) return Promise.reject(new Error(`readLog: node ${node} is crashed in this branch, so its log cannot be read until it restarts`));
    const s = api.status();
    return Promise.resolve({ node, entries: api.entries(lo, hi), firstIndex: s.firstIndex, lastIndex: s.lastIndex, commit: s.commit });
  }
  // A branch is not recorded: export the recording it came from instead (leave the branch first).
  exportRun(): Promise<never> { return this.refuse('export'); }
}
