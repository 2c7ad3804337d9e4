/**
 * The lab's cluster semantics, written once: the part of the LabApi that a running cluster
 * answers, for the live lab (node processes) and a simulated cluster (branches, the simulator's
 * lab face) alike. It drives the nodes through a Substrate (substrate.ts) and owns everything a
 * person sees of them:
 *   - node life (start, crash, restart, stop, pause one node) and the words a refusal uses;
 *   - the role, status and leader view, with its events;
 *   - run state and pace; stepping (deliver, drop, fire a timeout, tick) and the pending list;
 *   - the link table and named partitions; the client router; membership changes;
 *   - the event stream, and the feeds to the invariant checker and the run's recorder.
 * A host (LabController, BranchLab) adds only what is its own: creating the cluster and its
 * files, recording and export, or the recording a branch starts from.
 */
import type { ConfChange, NodeId, NodeStatus, Role } from '../raft/types';
import type {
  ClusterOptions, ClusterSnapshot, DirectedLink, KvOp, KvResult, LabEvent, LinkFault, LogRange, NamedPartition,
  NodeExit, NodeLife, NodeView, Pace, PendingItem, SubmitOptions, Violation,
} from '../protocol/lab';
import { logRangeProblem } from '../protocol/lab-schema';
import type { NodeStart } from '../protocol/node-ipc';
import { MAX_NODES } from '../limits';
import type { InvariantChecker } from '../check/invariants';
import { validateOp } from '../kv';
import { ClientRouter } from './client-router';
import type { EventStream, LabEventInput } from './event-stream';
import { LinkTable } from './link-table';
import { alreadyUp, checkPace, checkTicks, isUp, notInLab, notUp } from './lab-checks';
import { pendingHolder, timeoutNode } from './pending-ids';
import { addNode, changeDeadlineMs, changeMembership, type MembershipPort, type MembershipResult } from './membership';
import type { Observation, RunState, Substrate, SubstrateReport } from './substrate';

/** Where the run's recording takes the engine's part of it (clients and node stops); node records pass through. */
export interface EngineRecorder {
  invoke(opId: string, client: string, seq: number, op: KvOp, atMs: number, read?: 'read-index' | 'lease'): void;
  complete(opId: string, result: KvResult, atMs: number): void;
  nodeDown(node: NodeId, how: 'stopped' | 'killed' | 'crashed', atMs: number): void;
  /** Returns the first problem with the records, if any. */
  fromNode(node: NodeId, records: readonly unknown[]): string | null;
}

export interface LabEngineOptions {
  readonly options: ClusterOptions;
  readonly dataDir: string;
  /** The nodes the cluster has now: `exit` null for one that is up (a branch's), or not yet started (the live lab's). */
  readonly nodes: readonly { readonly id: NodeId; readonly life: NodeLife; readonly exit: NodeExit | null }[];
  /** The voters the cluster was bootstrapped with (a restarted one bootstraps again if its files are empty). */
  readonly initialVoters: readonly NodeId[];
  readonly run: RunState;
  readonly stream: EventStream;
  /** Checks what the nodes report (null: none, or the substrate checks itself). */
  readonly checker: InvariantChecker | null;
  readonly recorder?: EngineRecorder | null;
  /**
   * Ask a node for its status this long after it reports a Ready (node processes, at most this
   * often); null: at once, when the action or frame that changed it ends (simulated nodes).
   */
  readonly statusRefreshMs: number | null;
  /** What a command on a closed engine is told. */
  readonly closedWhy?: string;
}

interface NodeRecord {
  readonly id: NodeId;
  life: NodeLife;
  exit: NodeExit | null;
  status: NodeStatus | null;
  /** The node's own pause (independent of the cluster's). */
  selfPaused: boolean;
}

/** Applied conf entries remembered for a wait that starts after its entry applied (a one-node cluster applies at once). */
const APPLIED_CONF_KEPT = 64;

export class LabEngine {
  readonly options: ClusterOptions;
  private readonly dataDir: string;
  private readonly nodes = new Map<NodeId, NodeRecord>();
  private readonly initialVoters: readonly NodeId[];
  private run: RunState;
  private readonly links = new LinkTable();
  private readonly stream: EventStream;
  private readonly checker: InvariantChecker | null;
  private readonly recorder: EngineRecorder | null;
  private readonly router: ClientRouter;
  private readonly statusRefreshMs: number | null;
  private readonly closedWhy: string;
  private readonly violationList: Violation[] = [];
  /** Node ids the cluster has ever had (addNode picks the next). */
  private maxId: number;
  /** The leader of the highest term seen, from the nodes' own reports. */
  private leader: { node: NodeId; term: number } | null = null;
  /** Nodes whose status changed since the view was last brought up to date. */
  private readonly touched = new Set<NodeId>();
  private readonly statusTimers = new Map<NodeId, () => void>();
  private lastPending: string | null = null;
  private readonly confWaiters = new Map<string, () => void>();
  private readonly appliedConf = new Set<string>();
  /** Waits in progress (each ends at once if the cluster pauses or the engine closes). */
  private readonly waits = new Set<() => void>();
  /** Serialises step commands, so each one's effects are settled before the next. */
  private stepChain: Promise<void> = Promise.resolve();
  /** Serialises lifecycle operations (restart, add, discard): each checks the lab, then awaits. */
  private lifecycle: Promise<void> = Promise.resolve();
  /** Settles when the first nodes run (step commands wait for it). */
  private started: Promise<void> = Promise.resolve();
  private closed = false;
  /** The first problem with a node's records (the recording is incomplete from there on). */
  recordingProblem: string | null = null;

  constructor(private readonly substrate: Substrate, o: LabEngineOptions) {
    this.options = o.options;
    this.dataDir = o.dataDir;
    this.initialVoters = o.initialVoters;
    this.run = o.run;
    this.stream = o.stream;
    this.checker = o.checker;
    this.recorder = o.recorder ?? null;
    this.statusRefreshMs = o.statusRefreshMs;
    this.closedWhy = o.closedWhy ?? 'the cluster was destroyed';
    for (const n of o.nodes) {
      this.nodes.set(n.id, { id: n.id, life: n.life, exit: n.exit, status: null, selfPaused: false });
      if (isUp(n.life)) this.touched.add(n.id);
    }
    this.maxId = Math.max(0, ...o.nodes.map((n) => n.id));
    const clock = substrate.clock;
    this.router = new ClientRouter({
      leaderHint: () => this.leaderHint(),
      liveNodes: () => this.askable(),
      propose: (node, client, seq, op, timeoutMs) => {
        this.checkAskable(node);
        return substrate.propose(node, client, seq, op, timeoutMs);
      },
      read: (node, id, key, lease, timeoutMs) => {
        this.checkAskable(node);
        return substrate.read(node, id, key, lease, timeoutMs);
      },
      attemptMs: () => Math.min(5000, Math.max(300, 3 * this.electionClockMs())),
      paused: () => this.run.paused,
      invoked: (opId, client, seq, op, read) => {
        this.recorder?.invoke(opId, client, seq, op, clock.now(), read);
        this.emit(read === undefined ? { type: 'client-invoke', opId, client, op } : { type: 'client-invoke', opId, client, op, read });
      },
      completed: (opId, result) => {
        this.recorder?.complete(opId, result, clock.now());
        if (!this.closed) this.emit({ type: 'client-complete', opId, result });
      },
      lastSeq: (client) => substrate.lastSeq(client),
    }, clock);
    substrate.listen((r) => this.onReport(r));
  }

  // -------------------------------------------------------------------------------------------
  // The view

  onEvents(listener: (events: readonly LabEvent[]) => void): () => void {
    return this.stream.subscribe(listener);
  }

  get violations(): readonly Violation[] {
    return this.violationList;
  }

  /** Every node the lab has, in id order. */
  ids(): NodeId[] {
    return [...this.nodes.keys()].sort((a, b) => a - b);
  }

  /** One node's life, exit and last status (throws for a node the lab does not have). */
  view(node: NodeId): NodeView {
    const rec = this.rec(node);
    return { id: node, life: rec.life, status: isUp(rec.life) ? rec.status : null, exit: rec.exit };
  }

  /** The current view, every running node asked for its status first. */
  async snapshot(): Promise<ClusterSnapshot> {
    await this.refresh(this.upIds());
    return this.snapshotNow();
  }

  /** The current view without asking the nodes (statuses as last reported). */
  snapshotNow(): ClusterSnapshot {
    return {
      options: this.options,
      dataDir: this.dataDir,
      nodes: this.ids().map((id) => this.view(id)),
      paused: this.run.paused,
      speed: this.run.speed,
      networkMs: this.run.networkMs,
      pending: [...this.substrate.pending()],
      links: this.links.faulty(),
      violations: [...this.violationList],
      seq: this.stream.seq,
    };
  }

  /** The node believed to lead, if it is up. */
  leaderHint(): NodeId | null {
    const known = this.leader;
    if (known === null) return null;
    const rec = this.nodes.get(known.node);
    return rec !== undefined && isUp(rec.life) ? known.node : null;
  }

  get paused(): boolean {
    return this.run.paused;
  }

  // -------------------------------------------------------------------------------------------
  // Node life

  /** Starts the cluster's first nodes; steps wait until they run. Rejects if one refuses to start. */
  startInitial(start: NodeStart): Promise<void> {
    const started = this.substrate.start(this.ids(), start, this.startContext());
    this.started = started.catch(() => undefined);
    return started;
  }

  crashNode(node: NodeId): Promise<void> {
    return this.command(async () => {
      this.checkUp('crashNode', node);
      await this.substrate.crash(node);
    });
  }

  stopNode(node: NodeId): Promise<void> {
    return this.command(async () => {
      this.checkUp('stopNode', node);
      await this.substrate.stop(node);
    });
  }

  restartNode(node: NodeId): Promise<void> {
    return this.lifecycleStep(async () => {
      const rec = this.rec(node);
      if (isUp(rec.life)) throw alreadyUp(node);
      await this.startNode(node, this.initialVoters.includes(node) ? { kind: 'bootstrap', voters: this.initialVoters } : { kind: 'join' });
    });
  }

  /** Starts one node of a running cluster (its files decide its state; `start` if they are empty). */
  async startNode(node: NodeId, start: NodeStart): Promise<void> {
    this.open();
    await this.substrate.start([node], start, this.startContext());
    await this.settle();
  }

  setNodePaused(node: NodeId, paused: boolean): Promise<void> {
    return this.command(async () => {
      this.checkUp('setNodePaused', node);
      const rec = this.rec(node);
      rec.selfPaused = paused;
      // A starting node takes its run state when it is up.
      if (rec.life === 'starting') return;
      await this.substrate.setNodePaused(node, paused, this.runOf(node));
      this.setLife(rec, this.run.paused || paused ? 'paused' : 'running', null);
      this.touched.add(node);
    });
  }

  /** Runs lifecycle operations one at a time, in call order (each checks the lab's state, then awaits). */
  lifecycleStep<T>(run: () => Promise<T>): Promise<T> {
    const next = this.lifecycle.then(() => {
      this.open();
      return run();
    });
    this.lifecycle = next.then(() => undefined, () => undefined);
    return next;
  }

  // -------------------------------------------------------------------------------------------
  // Membership

  /** Starts a node and makes it a member through the lab's one procedure (membership.ts). */
  addNode(options: { readonly learner: boolean }): Promise<NodeId> {
    const start = (): Promise<NodeId> => this.lifecycleStep(async () => {
      if (this.nodes.size >= MAX_NODES) throw new Error(`addNode: the lab runs at most ${MAX_NODES} nodes`);
      const added = ++this.maxId;
      this.nodes.set(added, { id: added, life: 'stopped', exit: null, status: null, selfPaused: false });
      await this.startNode(added, { kind: 'join' });
      return added;
    });
    return this.guard(() => addNode(this.membership, options.learner, start, this.changeDeadlineMs()));
  }

  changeMembership(change: ConfChange): Promise<MembershipResult> {
    return this.guard(() => changeMembership(this.membership, change, this.changeDeadlineMs()));
  }

  transferLeadership(to: NodeId): Promise<void> {
    return this.command(async () => {
      this.rec(to);
      const leader = this.leaderHint();
      if (leader === null) throw new Error('transferLeadership: no leader known');
      await this.substrate.transfer(leader, to);
    });
  }

  private readonly membership: MembershipPort = {
    hasNode: (node) => this.nodes.has(node),
    leaderHint: () => this.leaderHint(),
    proposeAt: (node, change) => this.substrate.confChange(node, change).finally(() => this.settle()),
    paused: () => this.run.paused || this.closed,
    now: () => this.substrate.clock.now(),
    waitApplied: (index, term, ms) => this.waitApplied(index, term, ms),
    sleep: (ms) => new Promise<void>((resolve) => { this.after(ms, resolve); }),
    // Only a node still up has anything to stop.
    stopRemoved: async (node) => {
      if (isUp(this.rec(node).life)) await this.substrate.stop(node).finally(() => this.settle());
    },
  };

  /** A membership change's deadline: the shared rule, with the election timeout in clock ms at this speed. */
  private changeDeadlineMs(): number {
    return changeDeadlineMs(this.electionClockMs());
  }

  private electionClockMs(): number {
    return this.substrate.clockMs(this.options.electionTicks * this.options.tickMs, this.run.speed);
  }

  // -------------------------------------------------------------------------------------------
  // Time and step mode

  setPaused(paused: boolean): Promise<void> {
    return this.command(async () => {
      const run = { ...this.run, paused };
      await this.substrate.setRun(run, (node) => this.runOf(node, run));
      this.run = run;
      for (const rec of this.nodes.values()) {
        if (rec.life === 'running' || rec.life === 'paused') this.setLife(rec, paused || rec.selfPaused ? 'paused' : 'running', null);
      }
      if (paused) {
        await this.refresh(this.upIds());
        // Time stands still: a change still awaited applies only as the person steps.
        this.endWaits();
      }
      this.emitRunState();
    });
  }

  setSpeed(speed: number): Promise<void> {
    return this.setPace({ speed, networkMs: this.run.networkMs });
  }

  /** Speed and network time at once. */
  setPace(pace: Pace): Promise<void> {
    return this.command(async () => {
      checkPace(pace);
      const run = { ...this.run, speed: pace.speed, networkMs: pace.networkMs };
      await this.substrate.setRun(run, (node) => this.runOf(node, run));
      this.run = run;
      this.emitRunState();
    });
  }

  /** Delivers a held message, or fires the timeout a timeout item names. */
  deliver(pendingId: string): Promise<void> {
    return this.step(async () => {
      const holder = this.holderOf(pendingId);
      if (timeoutNode(pendingId) !== null) await this.fire(holder);
      else await this.substrate.deliver(holder, pendingId);
    });
  }

  drop(pendingId: string): Promise<void> {
    return this.step(async () => {
      const holder = this.holderOf(pendingId);
      if (timeoutNode(pendingId) !== null) throw new Error(`drop: ${pendingId} is a timeout; only messages can be dropped`);
      await this.substrate.drop(holder, pendingId);
    });
  }

  fireTimeout(node: NodeId): Promise<void> {
    return this.step(() => this.fire(node));
  }

  tickOnce(ticks = 1): Promise<void> {
    return this.step(async () => {
      checkTicks(ticks);
      if (!this.run.paused) throw new Error('tickOnce: pause the cluster first');
      for (let t = 0; t < ticks && this.run.paused; t++) await this.substrate.tick();
    });
  }

  private async fire(node: NodeId): Promise<void> {
    this.checkUp('fireTimeout', node);
    await this.substrate.fire(node);
  }

  // -------------------------------------------------------------------------------------------
  // Faults

  setLinkFault(link: DirectedLink, fault: Partial<LinkFault>): Promise<void> {
    return this.command(async () => {
      const changed = this.links.set(link, fault, this.ids());
      await this.substrate.setLinks([changed], this.links);
      this.emit({ type: 'faults', links: this.links.faulty() });
    });
  }

  /** The lab's one partition and heal rule (partitions.ts). */
  partition(partition: NamedPartition): Promise<void> {
    return this.command(async () => {
      const leader = partition.kind === 'isolate-leader' ? this.leaderHint() : null;
      const changed = this.links.partition(this.ids(), partition, leader);
      await this.substrate.setLinks(changed, this.links);
      this.emit({ type: 'faults', links: this.links.faulty() });
    });
  }

  // -------------------------------------------------------------------------------------------
  // Clients and logs

  submit(op: KvOp, options: SubmitOptions = {}): Promise<KvResult> {
    return this.guard(async () => {
      const checked = validateOp(op, 'submit: op');
      if (options.node !== undefined && !this.nodes.has(options.node)) throw notInLab(options.node, this.nodes.keys(), 'submit');
      const answer = this.router.submit(checked, options);
      await this.settle();
      return answer;
    });
  }

  readLog(node: NodeId, lo: number, hi: number): Promise<LogRange> {
    return this.guard(async () => {
      const problem = logRangeProblem(lo, hi);
      if (problem !== null) throw new Error(`readLog: ${problem}`);
      const rec = this.rec(node);
      if (!isUp(rec.life) || rec.life === 'starting') throw new Error(`readLog: node ${node} is ${rec.life}, so its log cannot be read until it runs again`);
      return this.substrate.readLog(node, lo, hi);
    });
  }

  /** Runs a checker observation under a fresh event seq and publishes what it found (also for the host's own, such as a discard). */
  observe(observation: Observation | { readonly type: 'discard'; readonly node: NodeId }): void {
    const checker = this.checker;
    if (checker === null) return;
    const seq = this.stream.seq + 1;
    const found = observation.type === 'ready'
      ? checker.observeHandledReady(seq, observation.node, observation.ready)
      : checker.observe({ ...observation, seq });
    for (const violation of found) this.publishViolation(violation);
  }

  // -------------------------------------------------------------------------------------------
  // Closing

  /** Answers every request in flight, ends every wait and stops every node; commands are refused from now on. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.router.stop(this.closedWhy);
    this.endWaits();
    for (const cancel of this.statusTimers.values()) cancel();
    this.statusTimers.clear();
    await this.substrate.shutdown();
    this.stream.flush();
  }

  /** Brings the view up to date after time passed or an action ran: statuses of nodes that changed, the pending list; then the events go out (without a scheduler). */
  async settle(): Promise<void> {
    if (this.statusRefreshMs === null && this.touched.size > 0) {
      const touched = [...this.touched].sort((a, b) => a - b);
      this.touched.clear();
      await this.refresh(touched);
    }
    this.emitPending();
    // Node processes' events go out in timed batches; a simulated cluster's after each action or frame.
    if (this.statusRefreshMs === null) this.stream.flush();
  }

  // -------------------------------------------------------------------------------------------
  // Reports

  private onReport(r: SubstrateReport): void {
    switch (r.kind) {
      case 'starting': {
        const rec = this.rec(r.node);
        rec.status = null;
        this.setLife(rec, 'starting', null);
        return;
      }
      case 'up': {
        const rec = this.rec(r.node);
        this.setLife(rec, this.run.paused || rec.selfPaused ? 'paused' : 'running', null);
        this.touched.add(r.node);
        this.emitPending();
        return;
      }
      case 'down':
        this.onDown(this.rec(r.node), r.exit);
        return;
      case 'status':
        this.rec(r.node).status = r.status;
        return;
      case 'role':
        this.noteRole(r.node, r.role, r.leader, r.term ?? this.rec(r.node).status?.term ?? 0);
        this.touch(r.node);
        return;
      case 'applied':
        this.emit({ type: 'entries-applied', node: r.node, from: r.from, to: r.to });
        return;
      case 'conf-applied':
        this.confApplied(`${r.index}:${r.term}`);
        return;
      case 'answered':
        this.router.onApplied(r.results);
        return;
      case 'read-served':
        this.router.onReadServed(r.node, r.reads);
        return;
      case 'pending':
        this.emitPending();
        return;
      case 'message': {
        const at = r.atMs === undefined ? {} : { atMs: r.atMs };
        if (r.what === 'dropped') this.emit({ type: 'message-dropped', ...at, msgId: r.msgId, message: r.message, why: r.why });
        else this.emit({ type: r.what === 'sent' ? 'message-sent' : 'message-delivered', ...at, msgId: r.msgId, message: r.message });
        return;
      }
      case 'observe':
        this.observe(r.observation);
        return;
      case 'violation':
        this.publishViolation(r.violation);
        return;
      case 'records': {
        const problem = this.recorder?.fromNode(r.node, r.records) ?? null;
        this.recordingProblem ??= problem;
        return;
      }
      case 'frame':
        void this.settle();
        return;
    }
  }

  private onDown(rec: NodeRecord, exit: NodeExit): void {
    const atMs = this.substrate.clock.now();
    if (exit.reason !== 'refused-to-start') this.recorder?.nodeDown(rec.id, exit.reason === 'clean-exit' ? 'stopped' : exit.reason === 'killed' ? 'killed' : 'crashed', atMs);
    this.setLife(rec, exit.reason === 'clean-exit' ? 'stopped' : 'crashed', exit);
    if (exit.reason !== 'clean-exit' && exit.reason !== 'refused-to-start') this.observe({ type: 'crash', node: rec.id });
    this.router.onLeaderLost(rec.id);
    if (this.leader?.node === rec.id) this.leader = null;
    this.emitPending();
  }

  private noteRole(node: NodeId, role: Role, leader: NodeId, term: number): void {
    const rec = this.rec(node);
    const before = rec.status;
    if (before === null || before.role !== role || before.term !== term) {
      if (before === null || before.role !== role) this.emit({ type: 'role-change', node, role, term });
      if (before?.role === 'leader' && role !== 'leader') this.router.onLeaderLost(node);
      if (before !== null) rec.status = { ...before, role, term, leader };
    }
    const known = this.leader;
    if (role === 'leader' && (known === null || term >= known.term)) this.leader = { node, term };
    else if (leader !== 0 && (known === null || term > known.term)) this.leader = { node: leader, term };
    else if (known?.node === node && role !== 'leader') this.leader = null;
    if (this.leader !== null && (known === null || known.node !== this.leader.node)) this.router.onLeaderKnown();
  }

  /** A node's status changed: asked for soon (node processes), or when this action or frame ends. */
  private touch(node: NodeId): void {
    const ms = this.statusRefreshMs;
    if (ms === null) {
      this.touched.add(node);
      return;
    }
    if (this.statusTimers.has(node)) return;
    this.statusTimers.set(node, this.substrate.clock.after(ms, () => {
      this.statusTimers.delete(node);
      if (!this.closed && isUp(this.rec(node).life)) void this.refresh([node]);
    }));
  }

  /** Asks each node for its status (one that died meanwhile is skipped: its view says so). */
  private async refresh(nodes: readonly NodeId[]): Promise<void> {
    await Promise.all(nodes.map(async (node) => {
      const rec = this.nodes.get(node);
      if (rec === undefined || !isUp(rec.life) || rec.life === 'starting') return;
      let status: NodeStatus;
      try {
        status = await this.substrate.status(node);
      } catch {
        return;
      }
      rec.status = status;
      this.emit({ type: 'node-status', status });
      this.noteRole(node, status.role, status.leader, status.term);
    }));
  }

  private setLife(rec: NodeRecord, life: NodeLife, exit: NodeExit | null): void {
    if (rec.life === life && life !== 'starting' && exit === rec.exit) return;
    rec.life = life;
    rec.exit = exit;
    if (!isUp(life)) rec.status = null;
    this.emit({ type: 'node-life', node: rec.id, life, exit });
  }

  private emitRunState(): void {
    this.emit({ type: 'run-state', paused: this.run.paused, speed: this.run.speed, networkMs: this.run.networkMs });
  }

  /** The pending list, whenever it changed. */
  private emitPending(): void {
    const items: PendingItem[] = [...this.substrate.pending()];
    const key = items.map((i) => i.id).join(',');
    if (key === this.lastPending) return;
    this.lastPending = key;
    this.emit({ type: 'pending', items });
  }

  private publishViolation(violation: Violation): void {
    this.violationList.push(violation);
    this.emit({ type: 'violation', violation });
  }

  private emit(e: LabEventInput): void {
    this.stream.emit(e);
  }

  // -------------------------------------------------------------------------------------------
  // Waits on the engine's clock

  private confApplied(key: string): void {
    this.appliedConf.add(key);
    if (this.appliedConf.size > APPLIED_CONF_KEPT) this.appliedConf.delete(this.appliedConf.values().next().value!);
    this.confWaiters.get(key)?.();
  }

  /** Calls `fire` once `ms` of clock time has passed, or at once when the cluster pauses or the engine closes. */
  private after(ms: number, fire: () => void): () => void {
    if (this.run.paused || this.closed) {
      fire();
      return () => undefined;
    }
    const end = (): void => {
      cancel();
      this.waits.delete(end);
      fire();
    };
    const cancel = this.substrate.clock.after(Math.max(0, ms), end);
    this.waits.add(end);
    return () => {
      cancel();
      this.waits.delete(end);
    };
  }

  /** True once a node applies the conf entry (index, term); false after `ms`, or on pause. */
  private waitApplied(index: number, term: number, ms: number): Promise<boolean> {
    const key = `${index}:${term}`;
    if (this.appliedConf.has(key)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const cancel = this.after(ms, () => {
        this.confWaiters.delete(key);
        resolve(false);
      });
      if (this.run.paused || this.closed) return;
      this.confWaiters.set(key, () => {
        cancel();
        this.confWaiters.delete(key);
        resolve(true);
      });
    });
  }

  private endWaits(): void {
    for (const end of [...this.waits]) end();
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  /** Runs a command, then brings the view up to date; refused once the engine is closed. */
  private command(run: () => Promise<void>): Promise<void> {
    return this.guard(async () => {
      try {
        await run();
      } finally {
        await this.settle();
      }
    });
  }

  private guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      this.open();
      return run();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** A step runs after the previous one and once the first nodes run; then every running node's status is asked. */
  private step(run: () => Promise<void>): Promise<void> {
    const next = this.stepChain.then(() => this.started).then(() => this.command(async () => {
      try {
        await run();
      } finally {
        await this.refresh(this.upIds());
      }
    }));
    this.stepChain = next.catch(() => undefined);
    return next;
  }

  private open(): void {
    if (this.closed) throw new Error(this.closedWhy);
  }

  private holderOf(pendingId: string): NodeId {
    const holder = pendingHolder(pendingId);
    if (holder === null) throw new Error(`no pending item ${JSON.stringify(pendingId)}: not a pending id`);
    const rec = this.nodes.get(holder);
    if (rec === undefined || !isUp(rec.life)) throw new Error(`pending item ${pendingId}: node ${holder} is not running`);
    // A timeout can be fired whether or not it is listed; a message must be held.
    if (timeoutNode(pendingId) === null) {
      const held = this.substrate.pending().filter((p) => p.kind === 'message').map((p) => p.id);
      if (!held.includes(pendingId)) {
        const shown = held.length > 10 ? `${held.slice(0, 10).join(', ')}, … (${held.length} in all)` : held.join(', ') || 'none';
        throw new Error(`no pending message ${JSON.stringify(pendingId)} (pending: ${shown})`);
      }
    }
    return holder;
  }

  private rec(node: NodeId): NodeRecord {
    const rec = this.nodes.get(node);
    if (rec === undefined) throw notInLab(node, this.nodes.keys());
    return rec;
  }

  private checkUp(what: 'crashNode' | 'stopNode' | 'setNodePaused' | 'fireTimeout', node: NodeId): void {
    const rec = this.rec(node);
    if (!isUp(rec.life)) throw notUp(what, node, rec.life);
  }

  /** Running nodes past start-up. */
  private upIds(): NodeId[] {
    return this.ids().filter((id) => {
      const life = this.nodes.get(id)!.life;
      return life === 'running' || life === 'paused';
    });
  }

  /** Nodes a client may ask: up, past start-up, and not paused on their own (a paused node's process is stopped). */
  private askable(): NodeId[] {
    return this.upIds().filter((id) => !this.nodes.get(id)!.selfPaused);
  }

  private checkAskable(node: NodeId): void {
    const rec = this.rec(node);
    if (rec.life !== 'running' && rec.life !== 'paused') throw new Error(`node ${node} is ${rec.life}`);
    if (rec.selfPaused) throw new Error(`node ${node} is paused`);
  }

  private runOf(node: NodeId, run: RunState = this.run): RunState {
    return { ...run, paused: run.paused || (this.nodes.get(node)?.selfPaused ?? false) };
  }

  private startContext(): { runOf: (node: NodeId) => RunState; linksFrom: (node: NodeId) => { to: NodeId; fault: LinkFault }[] } {
    return {
      runOf: (node) => this.runOf(node),
      linksFrom: (from) => this.ids().filter((to) => to !== from).map((to) => ({ to, fault: this.links.get(from, to) })),
    };
  }
}
