/**
 * A branch: the recorded cluster as it was at one event, continued as a LIVE simulated cluster.
 * The nodes are rebuilt exactly as they were (branch-point.ts) and handed to the shared
 * Simulator (shared/sim), and this class is the LabApi over it, so the renderer's live controls
 * drive a branch unchanged: play and pause, speed, Tick +1, deliver or drop one pending message
 * (the messages in flight at the branch point start out pending: "what if this one had been
 * dropped?"), fire a timeout, crash / stop / restart, link faults and named partitions, client
 * requests against the KV state as it was, membership changes and leadership transfer.
 *
 * Time: simulated ms are the recording's ms. While playing, an injected FrameClock (timers live
 * in the renderer, not in shared/) reports real elapsed time and the branch advances by that
 * times the speed. Deterministic: the same branch point, seed and actions give the same run.
 *
 * Not in a branch (refused with a message): creating or destroying a cluster (leave the branch),
 * export (a branch is not recorded; export the recording instead), and discarding a node's
 * data (a branch has no files).
 */
import { validateOp } from '../kv';
import type {
  ClusterOptions, ClusterSnapshot, DirectedLink, KvOp, KvResult, LabApi, LabEvent, LinkFault, LogRange, NamedPartition,
  NodeExit, NodeLife, NodeView, Pace, PendingItem, SubmitOptions,
} from '../protocol/lab';
import { logRangeProblem } from '../protocol/lab-schema';
import { readModeProblem } from '../protocol/lab';
import type { RaftNodeFactory } from '../raft/api';
import type { ConfChange, Entry, Message, NodeId, Role } from '../raft/types';
import { resolveSimOptions } from '../sim/options';
import { Simulator, type ClientRecord } from '../sim/simulator';
import type { SimNotice } from '../sim/start';
import { rebuildNode, type NodeBranchState } from './branch-point';
import { LinkTable } from '../cluster/link-table';
import { checkDown, checkMember, checkPace, checkTicks, checkUp, notInLab } from '../cluster/lab-checks';
import { messageId, timeoutNode } from '../cluster/pending-ids';
import { EventStream } from '../cluster/event-stream';
import { addNode, changeDeadlineMs, changeMembership, type MembershipPort, type MembershipResult } from '../cluster/membership';

/** Real time for a playing branch: calls `onFrame` with the real ms since its last call until stopped. */
export interface FrameClock {
  start(onFrame: (elapsedMs: number) => void): () => void;
}

/** Where and how to branch (what the replay worker computes from the recording). */
export interface BranchSpec {
  /** The event the branch continues after. */
  readonly position: number;
  readonly states: readonly NodeBranchState[];
  readonly options: ClusterOptions;
  /** The recording's time at that event (the branch's clock starts there). */
  readonly atMs: number;
  /** Seed of the branch's own randomness (network delays, new nodes, clients). */
  readonly seed: number;
}

type LabEventBody = LabEvent extends infer E ? (E extends LabEvent ? Omit<E, 'seq'> : never) : never;

/** Most real ms one frame may cover (a throttled background tab must not leap ahead). */
const MAX_FRAME_MS = 250;
const DEFAULT_SUBMIT_TIMEOUT_MS = 5000;
const LEAVE_FIRST = 'leave the branch first (Back to replay)';
/** Applied conf entries remembered for a wait that starts after its entry applied (one-node clusters apply at once). */
const APPLIED_CONF_KEPT = 64;

export class BranchLab implements LabApi {
  readonly fromEvent: number;
  private readonly sim: Simulator;
  private readonly options: ClusterOptions;
  private readonly atMs: number;
  private readonly roles = new Map<NodeId, Role | null>();
  private readonly touched = new Set<NodeId>();
  /** Link faults set in the branch (it starts with every link healthy). */
  private readonly links = new LinkTable();
  private readonly stopped = new Set<NodeId>();
  private early: SimNotice[] | null = [];
  /** Events go out after each action or frame (settle), the first subscriber getting those before it. */
  private readonly events = new EventStream({ now: () => this.nowMs, scheduler: null, holdUntilSubscribed: true });
  private paused = true;
  private speed = 1;
  /** Ids of the pending items last reported (null: none reported yet). */
  private lastPending: string | null = null;
  private stopClock: (() => void) | null = null;
  private closed = false;
  /** Membership waits in virtual time: conf entries awaited and recently applied, by `index:term`. */
  private readonly confWaiters = new Map<string, () => void>();
  private readonly appliedConf = new Set<string>();
  /** Waits in progress (each fires early if the branch pauses or closes). */
  private readonly timers = new Set<() => void>();
  /** The lab's membership procedure (shared/cluster/membership.ts) over this simulator. */
  private readonly membership: MembershipPort = {
    hasNode: (node) => this.sim.nodeIds().includes(node),
    leaderHint: () => this.sim.leader(),
    proposeAt: (node, change) => this.act(() => this.sim.proposeConfChange(change, node)),
    paused: () => this.paused || this.closed,
    now: () => this.sim.now,
    waitApplied: (index, term, ms) => this.waitApplied(index, term, ms),
    sleep: (ms) => new Promise<void>((resolve) => { this.after(ms, resolve); }),
    // As the live lab: only a node still up has a process to stop.
    stopRemoved: (node) => (this.sim.node(node) === null ? Promise.resolve() : this.stopNode(node)),
  };

  constructor(spec: BranchSpec, factory: RaftNodeFactory, private readonly clock: FrameClock | null = null) {
    this.fromEvent = spec.position;
    this.options = spec.options;
    this.atMs = spec.atMs;
    if (spec.states.length === 0) throw new Error(`no node has started by event ${spec.position}: nothing to branch from`);
    const nodes = spec.states.map((s) => rebuildNode(s, factory));
    const inFlight: Message[] = spec.states
      .flatMap((s) => s.inbound)
      .sort((a, b) => a.sentAt - b.sentAt)
      .map((f) => f.message);
    const o = spec.options;
    const delayMs = Math.max(1, Math.round(o.tickMs / 10));
    const simOptions = resolveSimOptions({
      nodes: nodes.length, seed: spec.seed >>> 0, ops: 0, clients: 0, faults: [], tickMs: o.tickMs,
      heartbeatTicks: o.heartbeatTicks, electionTicks: o.electionTicks, preVote: o.preVote, checkQuorum: o.checkQuorum,
      snapshotEvery: o.snapshotEvery, maxTimeMs: 1e10, delayMs, jitterMs: delayMs, clientTimeoutMs: o.tickMs * o.electionTicks,
      check: true, stopOnViolation: false,
    });
    this.sim = new Simulator(simOptions, factory, { start: { nodes, inFlight, paused: true }, onNotice: (n) => this.onNotice(n) });
    this.emit({ type: 'cluster-created', atMs: this.atMs, options: { ...o, nodes: nodes.length }, nodes: nodes.map((n) => n.id) });
    this.emit({ type: 'run-state', atMs: this.atMs, paused: true, speed: 1 });
    for (const n of nodes) {
      this.emit({ type: 'node-life', atMs: this.atMs, node: n.id, life: n.api ? 'running' : 'crashed', exit: n.api ? null : { reason: 'crashed', detail: `down at event ${spec.position} of the recording` } });
      this.touched.add(n.id);
    }
    const early = this.early ?? [];
    this.early = null;
    for (const n of early) this.onNotice(n);
    this.settle();
  }

  // -------------------------------------------------------------------------------------------
  // Events

  /** Events so far that no listener has taken yet go to the first subscriber (the reset). */
  onEvents(listener: (events: readonly LabEvent[]) => void): () => void {
    return this.events.subscribe(listener);
  }

  private get nowMs(): number {
    return this.atMs + this.sim.now;
  }

  private emit(e: LabEventBody): void {
    this.events.emit(e);
  }

  private onNotice(n: SimNotice): void {
    if (this.early !== null) {
      this.early.push(n);
      return;
    }
    const atMs = this.nowMs;
    switch (n.kind) {
      case 'sent':
        this.emit({ type: 'message-sent', atMs, msgId: messageId(n.msg.from, 0, n.id, n.msg.to), message: n.msg });
        return;
      case 'delivered':
        this.emit({ type: 'message-delivered', atMs, msgId: messageId(n.msg.from, 0, n.id, n.msg.to), message: n.msg });
        return;
      case 'dropped':
        this.emit({ type: 'message-dropped', atMs, msgId: messageId(n.msg.from, 0, n.id, n.msg.to), message: n.msg, why: n.why });
        return;
      case 'ready': {
        this.touched.add(n.node);
        const applied = n.ready.committedEntries;
        for (const e of applied) if (e.kind === 'conf') this.confApplied(`${e.index}:${e.term}`);
        const first = applied[0];
        const last = applied[applied.length - 1];
        if (first !== undefined && last !== undefined) this.emit({ type: 'entries-applied', atMs, node: n.node, from: first.index, to: last.index });
        return;
      }
      case 'life': {
        this.touched.add(n.node);
        if (!this.roles.has(n.node) && n.up) this.roles.set(n.node, null);
        const life: NodeLife = n.up ? 'running' : this.stopped.has(n.node) ? 'stopped' : 'crashed';
        if (!n.up) this.roles.set(n.node, null);
        this.emit({ type: 'node-life', atMs, node: n.node, life, exit: n.up ? null : this.exitOf(n.node) });
        return;
      }
      case 'violation':
        this.emit({ type: 'violation', atMs, violation: n.violation });
        return;
      case 'client-invoke':
        this.emit(n.read === undefined ? { type: 'client-invoke', atMs, opId: n.opId, client: n.client, op: n.op } : { type: 'client-invoke', atMs, opId: n.opId, client: n.client, op: n.op, read: n.read });
        return;
      case 'client-complete':
        if (!this.closed) this.emit({ type: 'client-complete', atMs, opId: n.opId, result: n.result });
        return;
    }
  }

  private exitOf(node: NodeId): NodeExit {
    return this.stopped.has(node) ? { reason: 'clean-exit' } : { reason: 'crashed', detail: 'crashed in the branch' };
  }

  /** After an action or a frame: status of every node that changed, the pending list, then tell subscribers. */
  private settle(): void {
    const atMs = this.nowMs;
    for (const id of [...this.touched].sort((a, b) => a - b)) {
      const status = this.sim.node(id)?.status();
      if (!status) continue;
      if (this.roles.get(id) !== status.role) this.emit({ type: 'role-change', atMs, node: id, role: status.role, term: status.term });
      this.roles.set(id, status.role);
      this.emit({ type: 'node-status', atMs, status });
    }
    this.touched.clear();
    const items = this.pendingItems();
    const key = items.map((i) => i.id).join(',');
    if (key !== this.lastPending) this.emit({ type: 'pending', atMs, items });
    this.lastPending = key;
    this.events.flush();
  }

  private pendingItems(): PendingItem[] {
    const messages = this.sim.pending().map((p) => (p.kind === 'message' ? { ...p, heldAtMs: this.atMs + p.heldAtMs } : p));
    return this.paused ? [...messages, ...this.sim.dueTimeouts()] : messages;
  }

  /** Run one user action against the simulator, then report what it changed. */
  private act<T>(what: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('this branch was closed'));
    try {
      const out = what();
      this.settle();
      return Promise.resolve(out);
    } catch (e) {
      this.settle();
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private onFrame(elapsedMs: number): void {
    if (this.closed || this.paused) return;
    this.sim.advance(Math.max(0, Math.min(elapsedMs, MAX_FRAME_MS)) * this.speed);
    this.settle();
  }

  private confApplied(key: string): void {
    this.appliedConf.add(key);
    if (this.appliedConf.size > APPLIED_CONF_KEPT) this.appliedConf.delete(this.appliedConf.values().next().value!);
    this.confWaiters.get(key)?.();
  }

  /** Calls `fire` once `ms` of virtual time has passed, or at once when the branch pauses or closes. */
  private after(ms: number, fire: () => void): () => void {
    if (this.paused || this.closed) {
      fire();
      return () => undefined;
    }
    const now = (): void => {
      cancel();
      this.timers.delete(now);
      fire();
    };
    const cancel = this.sim.clock.after(Math.max(0, ms), now);
    this.timers.add(now);
    return () => {
      cancel();
      this.timers.delete(now);
    };
  }

  /** True once a node applies the conf entry (index, term); false after `ms` of virtual time, or on pause. */
  private waitApplied(index: number, term: number, ms: number): Promise<boolean> {
    const key = `${index}:${term}`;
    if (this.appliedConf.has(key)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const cancel = this.after(ms, () => {
        this.confWaiters.delete(key);
        resolve(false);
      });
      if (this.paused || this.closed) return;
      this.confWaiters.set(key, () => {
        cancel();
        this.confWaiters.delete(key);
        resolve(true);
      });
    });
  }

  /** Ends every membership wait (the branch paused or closed: virtual time stands still). */
  private endWaits(): void {
    for (const fire of [...this.timers]) fire();
  }

  /** Stop the clock and go quiet (the page left the branch). */
  close(): void {
    this.closed = true;
    this.stopClock?.();
    this.stopClock = null;
    this.endWaits();
    this.events.close();
    this.sim.stopClients('the branch was closed');
  }

  // -------------------------------------------------------------------------------------------
  // The LabApi

  /** A node's life in the branch (throws for a node the branch does not have). */
  private lifeOf(node: NodeId): NodeLife {
    checkMember(node, this.sim.nodeIds());
    if (this.sim.node(node) !== null) return this.sim.isNodePaused(node) ? 'paused' : 'running';
    return this.stopped.has(node) ? 'stopped' : 'crashed';
  }

  snapshot(): Promise<ClusterSnapshot> {
    const nodes: NodeView[] = this.sim.nodeIds().map((id) => {
      const api = this.sim.node(id);
      return { id, life: this.lifeOf(id), status: api ? api.status() : null, exit: api ? null : this.exitOf(id) };
    });
    return Promise.resolve({
      options: { ...this.options, nodes: nodes.length }, dataDir: '', nodes, paused: this.paused, speed: this.speed, networkMs: this.sim.networkMs,
      pending: this.pendingItems(), links: this.links.faulty(), violations: [...this.sim.violations], seq: this.events.seq,
    });
  }

  setPaused(paused: boolean): Promise<void> {
    return this.act(() => {
      if (paused === this.paused) return;
      this.paused = paused;
      if (paused) {
        this.sim.pause();
        this.stopClock?.();
        this.stopClock = null;
        this.endWaits();
      } else {
        if (this.clock === null) throw new Error('play needs a clock, and this branch was built without one');
        this.sim.resume();
        this.stopClock = this.clock.start((ms) => this.onFrame(ms));
      }
      this.emit({ type: 'run-state', atMs: this.nowMs, paused, speed: this.speed });
    });
  }

  setSpeed(speed: number): Promise<void> {
    return this.setPace({ speed, networkMs: this.sim.networkMs });
  }

  /** Speed, and the simulated network's time per message (the base link's delay). */
  setPace(pace: Pace): Promise<void> {
    return this.act(() => {
      checkPace(pace);
      this.sim.setNetworkMs(pace.networkMs);
      this.speed = pace.speed;
      this.emit({ type: 'run-state', atMs: this.nowMs, paused: this.paused, speed: pace.speed, networkMs: this.sim.networkMs });
    });
  }

  tickOnce(ticks = 1): Promise<void> {
    return this.act(() => {
      checkTicks(ticks);
      for (let t = 0; t < ticks; t++) this.sim.tickOnce();
    });
  }

  /** Delivers a held message, or fires the timeout a timeout item names (as the live lab does). */
  deliver(pendingId: string): Promise<void> {
    const timeout = timeoutNode(pendingId);
    return this.act(() => (timeout !== null ? this.fire(timeout) : this.sim.deliver(pendingId)));
  }

  drop(pendingId: string): Promise<void> {
    return this.act(() => this.sim.drop(pendingId));
  }

  fireTimeout(node: NodeId): Promise<void> {
    return this.act(() => this.fire(node));
  }

  private fire(node: NodeId): void {
    checkUp('fireTimeout', node, this.lifeOf(node));
    this.sim.fireTimeout(node);
  }

  crashNode(node: NodeId): Promise<void> {
    return this.act(() => {
      checkUp('crashNode', node, this.lifeOf(node));
      this.stopped.delete(node);
      this.sim.crash(node);
    });
  }

  /** A clean stop: in a simulation the disk already holds everything, so it is a crash by another name. */
  stopNode(node: NodeId): Promise<void> {
    return this.act(() => {
      checkUp('stopNode', node, this.lifeOf(node));
      this.stopped.add(node);
      this.sim.crash(node);
    });
  }

  /** A paused node stops (no ticks; messages to it wait and arrive when it resumes). */
  setNodePaused(node: NodeId, paused: boolean): Promise<void> {
    return this.act(() => {
      checkUp('setNodePaused', node, this.lifeOf(node));
      this.sim.setNodePaused(node, paused);
      this.touched.add(node);
      this.emit({ type: 'node-life', atMs: this.nowMs, node, life: paused ? 'paused' : 'running', exit: null });
    });
  }

  restartNode(node: NodeId): Promise<void> {
    return this.act(() => {
      checkDown(node, this.lifeOf(node));
      this.sim.restart(node);
      this.stopped.delete(node);
    });
  }

  setLinkFault(link: DirectedLink, fault: Partial<LinkFault>): Promise<void> {
    return this.act(() => {
      const changed = this.links.set(link, fault, this.sim.nodeIds());
      this.sim.setLinkFault(changed.from, changed.to, changed.fault);
      this.emit({ type: 'faults', atMs: this.nowMs, links: this.links.faulty() });
    });
  }

  /** The lab's one partition and heal rule (shared/cluster/partitions.ts). */
  partition(p: NamedPartition): Promise<void> {
    return this.act(() => {
      for (const { from, to, fault } of this.links.partition(this.sim.nodeIds(), p, this.sim.leader())) this.sim.setLinkFault(from, to, fault);
      this.emit({ type: 'faults', atMs: this.nowMs, links: this.links.faulty() });
    });
  }

  /**
   * A request with `node` set is asked of that node alone (the simulator's pinned request: the
   * live lab's rule); without, it goes the simulator's usual way to the leader.
   */
  submit(op: KvOp, options: SubmitOptions = {}): Promise<KvResult> {
    if (this.closed) return Promise.reject(new Error('this branch was closed'));
    let checked: KvOp;
    try {
      checked = validateOp(op, 'submit: op');
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const problem = readModeProblem(checked, options.read);
    if (problem !== null) return Promise.reject(new Error(`submit: ${problem}`));
    const read = options.read === 'read-index' || options.read === 'lease' ? options.read : undefined;
    const target = options.node;
    if (target !== undefined && !this.sim.nodeIds().includes(target)) return Promise.reject(notInLab(target, this.sim.nodeIds(), 'submit'));
    return new Promise<KvResult>((resolve, reject) => {
      void this.act(() => this.sim.submit(checked, options.client, options.timeoutMs ?? DEFAULT_SUBMIT_TIMEOUT_MS, resolve, target, read)).catch(reject);
    });
  }

  /** The live lab's procedure (shared/cluster/membership.ts): playing, it returns once the node is a member. */
  addNode(options: { readonly learner: boolean }): Promise<NodeId> {
    if (this.closed) return Promise.reject(new Error('this branch was closed'));
    // Its node-life event (from the simulator's notice) is how views learn of it, as in the live lab.
    return addNode(this.membership, options.learner, () => this.act(() => this.sim.addNode()), this.changeDeadlineMs());
  }

  /** The live lab's procedure: paused, the change is proposed; playing, it returns once applied. */
  changeMembership(change: ConfChange): Promise<MembershipResult> {
    if (this.closed) return Promise.reject(new Error('this branch was closed'));
    return changeMembership(this.membership, change, this.changeDeadlineMs());
  }

  private changeDeadlineMs(): number {
    return changeDeadlineMs(this.options.tickMs * this.options.electionTicks);
  }

  transferLeadership(to: NodeId): Promise<void> {
    return this.act(() => {
      checkMember(to, this.sim.nodeIds());
      if (this.sim.leader() === null) throw new Error('transferLeadership: no leader known');
      this.sim.transferLeadership(to);
    });
  }

  /** Answered from the branch node's own log, like the live lab asks a node process. */
  readLog(node: NodeId, lo: number, hi: number): Promise<LogRange> {
    const problem = logRangeProblem(lo, hi);
    if (problem !== null) return Promise.reject(new Error(`readLog: ${problem}`));
    if (!this.sim.nodeIds().includes(node)) return Promise.reject(new Error(`readLog: no node ${node} in this branch (nodes ${this.sim.nodeIds().join(', ')})`));
    const api = this.sim.node(node);
    if (api === null) return Promise.reject(new Error(`readLog: node ${node} is down in this branch, so its log cannot be read until it restarts`));
    const s = api.status();
    return Promise.resolve({ node, entries: api.entries(lo, hi), firstIndex: s.firstIndex, lastIndex: s.lastIndex, commit: s.commit });
  }

  /** Each running node's whole log now (index i at position i; null below its first index), for the log view. */
  logs(): { node: NodeId; entries: (Entry | null)[]; lastIndex: number }[] {
    const out: { node: NodeId; entries: (Entry | null)[]; lastIndex: number }[] = [];
    for (const id of this.sim.nodeIds()) {
      const api = this.sim.node(id);
      if (api === null) continue;
      const s = api.status();
      const entries: (Entry | null)[] = Array.from({ length: s.firstIndex }, () => null);
      entries.push(...api.entries(s.firstIndex, s.lastIndex + 1));
      out.push({ node: id, entries, lastIndex: s.lastIndex });
    }
    return out;
  }

  /** The branch's state machine value of `key` on `node` (null while it is down). */
  kvGet(node: NodeId, key: string): string | null {
    return this.sim.stateMachine(node)?.get(key) ?? null;
  }

  /** Every client request made in the branch (for linearizability checks). */
  history(): readonly ClientRecord[] {
    return this.sim.history;
  }

  /** Simulated ms since the branch point. */
  get elapsedMs(): number {
    return this.sim.now;
  }

  private refuse(what: string, why = LEAVE_FIRST): Promise<never> {
    return Promise.reject(new Error(`${what} is not available in a branch: ${why}`));
  }

  createCluster(): Promise<ClusterSnapshot> { return this.refuse('creating a cluster'); }
  destroyCluster(): Promise<void> { return this.refuse('destroying the cluster'); }
  exportRun(): Promise<never> { return this.refuse('export', 'a branch is not recorded; go back to replay and export the recording'); }
  searchRun(): Promise<never> { return this.refuse('searching the whole run', 'a branch is not recorded; go back to replay and search the recording'); }
  discardNodeData(): Promise<void> { return this.refuse('discarding a node\'s data', 'a branch has no files; its storage is never refused'); }
}
