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
 * The node table (node-table.ts) keeps the nodes' view and its events; the membership waits run
 * on the engine's clock (clock-waits.ts). A host (LabController, SimulatedLab and so BranchLab)
 * adds only what is its own: creating the cluster and its files, recording and export, or the
 * recording a branch starts from.
 */
import type { ConfChange, NodeId, NodeStatus } from '../raft/types';
import type {
  ClusterOptions, ClusterSnapshot, DirectedLink, KvOp, KvResult, LabEvent, LinkFault, LogRange, NamedPartition,
  NodeExit, NodeLife, NodeView, Pace, PendingItem, SubmitOptions, Violation,
} from '../protocol/lab';
import { logRangeProblem } from '../protocol/lab-schema';
import type { NodeStart } from '../protocol/node-ipc';
import { MAX_NODES } from '../limits';
import type { InvariantChecker } from '../check/invariants';
import { validateOp } from '../kv';
import { ClientRouter, clientAttemptMs } from './client-router';
import type { EventStream, LabEventInput } from './event-stream';
import { LinkTable } from './link-table';
import { alreadyUp, checkPace, checkTicks, isUp, notInLab } from './lab-checks';
import { pendingHolder, timeoutNode } from './pending-ids';
import { addNode, changeDeadlineMs, changeMembership, type MembershipPort, type MembershipResult } from './membership';
import type { Observation, RunState, StartContext, Substrate, SubstrateReport } from './substrate';
import { ClockWaits } from './clock-waits';
import { NodeTable } from './node-table';

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

export class LabEngine {
  readonly options: ClusterOptions;
  private readonly dataDir: string;
  private readonly nodes: NodeTable;
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
  /** Nodes whose status changed since the view was last brought up to date. */
  private readonly touched = new Set<NodeId>();
  private readonly statusTimers = new Map<NodeId, () => void>();
  private lastPending: string | null = null;
  /** Membership waits on the engine's clock (each ends at once if the cluster pauses or the engine closes). */
  private readonly waits: ClockWaits;
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
    this.nodes = new NodeTable(o.nodes, {
      emit: (e) => this.emit(e),
      leaderLost: (node) => this.router.onLeaderLost(node),
      leaderKnown: () => this.router.onLeaderKnown(),
    });
    for (const n of o.nodes) if (isUp(n.life)) this.touched.add(n.id);
    this.maxId = Math.max(0, ...o.nodes.map((n) => n.id));
    const clock = substrate.clock;
    this.waits = new ClockWaits(clock, () => this.run.paused || this.closed);
    this.router = new ClientRouter({
      leaderHint: () => this.leaderHint(),
      liveNodes: () => this.nodes.askable(),
      propose: (node, client, seq, op, timeoutMs) => {
        this.nodes.checkAskable(node);
        return substrate.propose(node, client, seq, op, timeoutMs);
      },
      read: (node, id, key, lease, timeoutMs) => {
        this.nodes.checkAskable(node);
        return substrate.read(node, id, key, lease, timeoutMs);
      },
      attemptMs: () => clientAttemptMs(this.electionClockMs()),
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
    return this.nodes.ids();
  }

  /** One node's life, exit and last status (throws for a node the lab does not have). */
  view(node: NodeId): NodeView {
    return this.nodes.view(node);
  }

  /** The current view, every running node asked for its status first. */
  async snapshot(): Promise<ClusterSnapshot> {
    await this.refresh(this.nodes.upIds());
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
    return this.nodes.leaderHint();
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
      this.nodes.checkUp('crashNode', node);
      await this.substrate.crash(node);
    });
  }

  stopNode(node: NodeId): Promise<void> {
    return this.command(async () => {
      this.nodes.checkUp('stopNode', node);
      await this.substrate.stop(node);
    });
  }

  restartNode(node: NodeId): Promise<void> {
    return this.lifecycleStep(async () => {
      if (isUp(this.nodes.rec(node).life)) throw alreadyUp(node);
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
      this.nodes.checkUp('setNodePaused', node);
      const rec = this.nodes.rec(node);
      rec.selfPaused = paused;
      // A starting node takes its run state when it is up.
      if (rec.life === 'starting') return;
      await this.substrate.setNodePaused(node, paused, this.nodes.runOf(node, this.run));
      this.nodes.up(node, this.run.paused);
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
      this.nodes.add(added);
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
      this.nodes.rec(to);
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
    waitApplied: (index, term, ms) => this.waits.waitApplied(index, term, ms),
    sleep: (ms) => this.waits.sleep(ms),
    // Only a node still up has anything to stop.
    stopRemoved: async (node) => {
      if (isUp(this.nodes.rec(node).life)) await this.substrate.stop(node).finally(() => this.settle());
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
      await this.substrate.setRun(run, (node) => this.nodes.runOf(node, run));
      this.run = run;
      for (const node of this.nodes.upIds()) this.nodes.up(node, paused);
      if (paused) {
        await this.refresh(this.nodes.upIds());
        // Time stands still: a change still awaited applies only as the person steps.
        this.waits.endAll();
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
      await this.substrate.setRun(run, (node) => this.nodes.runOf(node, run));
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
    this.nodes.checkUp('fireTimeout', node);
    await this.substrate.fire(node);
  }

  // -------------------------------------------------------------------------------------------
  // Faults

  setLinkFault(link: DirectedLink, fault: Partial<LinkFault>): Promise<void> {
    return this.command(async () => {
      const changed = this.links.set(link, fault, this.ids());
      await this.substrate.setLinks([changed], (from) => this.linksFrom(from));
      this.emit({ type: 'faults', links: this.links.faulty() });
    });
  }

  /** The lab's one partition and heal rule (partitions.ts). */
  partition(partition: NamedPartition): Promise<void> {
    return this.command(async () => {
      const leader = partition.kind === 'isolate-leader' ? this.leaderHint() : null;
      const changed = this.links.partition(this.ids(), partition, leader);
      await this.substrate.setLinks(changed, (from) => this.linksFrom(from));
      this.emit({ type: 'faults', links: this.links.faulty() });
    });
  }

  // -------------------------------------------------------------------------------------------
  // Clients and logs

  submit(op: KvOp, options: SubmitOptions = {}): Promise<KvResult> {
    return this.guard(async () => {
      const checked = validateOp(op, 'submit: op');
      if (options.node !== undefined && !this.nodes.has(options.node)) throw notInLab(options.node, this.nodes.ids(), 'submit');
      const answer = this.router.submit(checked, options);
      await this.settle();
      return answer;
    });
  }

  readLog(node: NodeId, lo: number, hi: number): Promise<LogRange> {
    return this.guard(async () => {
      const problem = logRangeProblem(lo, hi);
      if (problem !== null) throw new Error(`readLog: ${problem}`);
      const { life } = this.nodes.rec(node);
      if (!isUp(life) || life === 'starting') throw new Error(`readLog: node ${node} is ${life}, so its log cannot be read until it runs again`);
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
    this.waits.endAll();
    for (const cancel of this.statusTimers.values()) cancel();
    this.statusTimers.clear();
    await this.substrate.shutdown();
    this.stream.flush();
  }

  /** Brings the view up to date after time passed or an action ran: statuses of nodes that changed, the pending list; then the events go out (without a scheduler). */
  async settle(): Promise<void> {
    if (this.statusRefreshMs === null && this.touched.size > 0) await this.refresh([...this.touched].sort((a, b) => a - b));
    this.emitPending();
    // Node processes' events go out in timed batches; a simulated cluster's after each action or frame.
    if (this.statusRefreshMs === null) this.stream.flush();
  }

  // -------------------------------------------------------------------------------------------
  // Reports

  private onReport(r: SubstrateReport): void {
    switch (r.kind) {
      case 'starting': {
        const rec = this.nodes.rec(r.node);
        rec.status = null;
        this.nodes.setLife(rec, 'starting', null);
        return;
      }
      case 'up':
        this.nodes.up(r.node, this.run.paused);
        this.touched.add(r.node);
        this.emitPending();
        return;
      case 'down':
        this.onDown(r.node, r.exit);
        return;
      case 'status':
        this.nodes.rec(r.node).status = r.status;
        return;
      case 'role':
        this.nodes.noteRole(r.node, r.role, r.leader, r.term ?? this.nodes.rec(r.node).status?.term ?? 0);
        this.touch(r.node);
        return;
      case 'applied':
        this.emit({ type: 'entries-applied', node: r.node, from: r.from, to: r.to });
        return;
      case 'conf-applied':
        this.waits.confApplied(r.index, r.term);
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

  private onDown(node: NodeId, exit: NodeExit): void {
    const atMs = this.substrate.clock.now();
    if (exit.reason !== 'refused-to-start') this.recorder?.nodeDown(node, exit.reason === 'clean-exit' ? 'stopped' : exit.reason === 'killed' ? 'killed' : 'crashed', atMs);
    this.nodes.down(node, exit);
    if (exit.reason !== 'clean-exit' && exit.reason !== 'refused-to-start') this.observe({ type: 'crash', node });
    this.emitPending();
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
      if (!this.closed && isUp(this.nodes.rec(node).life)) void this.refresh([node]);
    }));
  }

  /** Asks each node for its status (one that died meanwhile is skipped: its view says so); a node asked is up to date. */
  private async refresh(nodes: readonly NodeId[]): Promise<void> {
    await Promise.all(nodes.map(async (node) => {
      this.touched.delete(node);
      const { life } = this.nodes.rec(node);
      if (!isUp(life) || life === 'starting') return;
      let status: NodeStatus;
      try {
        status = await this.substrate.status(node);
      } catch {
        return;
      }
      this.nodes.setStatus(node, status);
    }));
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
        await this.refresh(this.nodes.upIds());
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
    if (!this.nodes.has(holder) || !isUp(this.nodes.rec(holder).life)) throw new Error(`pending item ${pendingId}: node ${holder} is not running`);
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

  private startContext(): StartContext {
    return { runOf: (node) => this.nodes.runOf(node, this.run), linksFrom: (from) => this.linksFrom(from) };
  }

  /** A node's every outgoing link, with its fault as the link table holds it. */
  private linksFrom(from: NodeId): { to: NodeId; fault: LinkFault }[] {
    return this.ids().filter((to) => to !== from).map((to) => ({ to, fault: this.links.get(from, to) }));
  }
}
