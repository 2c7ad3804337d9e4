/**
 * The deterministic simulator: N Raft nodes, virtual time, one seed.
 *
 * Everything that happens is an event in one priority queue ordered by (virtual ms, sequence):
 * message deliveries, node ticks, delayed disk writes, client actions, faults. One seeded Rng,
 * forked per subsystem (network, nodes, workload, faults), draws every random choice, so the same
 * seed and options give the same run event for event; the canonical trace of the run is hashed
 * (FNV-1a) to prove it.
 *
 * Each node is hosted like a real host hosts it: handle a Ready by persisting to the node's
 * SimDisk, then sending, then applying to its KV state machine, then advance(). Under the
 * deliberate `replyBeforePersist` bug the host sends first and writes the disk a little later, so
 * a crash in between loses state the node already acted on. A crash drops the node object, its
 * state machine and unwritten writes; a restart rebuilds it with RawNode.restore from its disk.
 *
 * The same controls the app offers are here: pause (deliveries are held as pending items),
 * deliver or drop one pending message, fire one node's election timeout, advance time, crash and
 * restart, partitions and link faults, membership changes, and the entry points a host's client
 * router uses (proposeAs, readAt). The lab's face of a simulation is the cluster engine over it
 * (sim-lab.ts).
 *
 * A run either bootstraps a fresh cluster or starts from given node states (`SimStart`: each
 * node's config, running instance or persisted state, KV state machine, plus the messages in
 * flight): that is how a branch of a recording continues as a live cluster (shared/replay/).
 * Hosts that show a run live pass `onNotice` and hear every send, delivery, drop, Ready, crash,
 * restart, answered request, served read and violation as it happens.
 */
import type { ConfChange, ConfState, Message, NodeId, RaftConfig, Ready, Role } from '../raft/types';
import type { ProposeResult, RaftNodeApi, RaftNodeFactory } from '../raft/api';
import type { DirectedLink, KvOp, KvResult, LinkFault, PendingItem, Violation } from '../protocol/lab';
import { createRng, type Rng } from '../util/rng';
import { dueTimeout, fireNodeTimeout, type TimeoutItem } from '../cluster/node-timers';
import { messageId } from '../cluster/pending-ids';
import { MAX_NETWORK_MS } from '../limits';
import { InvariantChecker } from '../check/invariants';
import { KvClientSession, encodeCommand, toKvResult, type KvStateMachine } from '../kv';
import { NodeHost, type ReadyIo } from '../cluster/node-host';
import type { LabClock } from '../cluster/clock';
import { toProposeReply, type ProposeReply, type ReadAskReply } from '../protocol/node-ipc';
import { EventQueue } from './event-queue';
import { Fnv1a } from './fnv';
import { SimDisk } from './disk';
import { CUT, MAX_SIM_NODES, Network } from './network';
import { drawFaultPlan, nextFaultAction, type FaultAction, type FaultPlan } from './faults';
import { unsafeOptions, type SimOptions } from './options';
import { nextOp } from './workload';
import { describeMessage } from '../raft/describe';
import { mixMessage } from './message-hash';
import type { SimNotice, SimStart } from './start';

// Codes of the hot trace events, hashed as numbers (see Fnv1a.num).
const EV_TICK = 1;
const EV_SEND = 2;
const EV_DELIVER = 3;
const EV_DROP_CUT = 4;
const EV_DROP_LOSS = 5;
const EV_DROP_CRASHED = 6;
const EV_READY = 7;
const EV_INVOKE = 8;
const EV_PROPOSE = 9;
const EV_COMPLETE = 10;
const EV_REFUSED = 11;
const OP_CODE: Readonly<Record<KvOp['type'], number>> = { put: 1, get: 2, delete: 3, cas: 4 };
const ROLE_CODE: Readonly<Record<Role, number>> = { follower: 1, 'pre-candidate': 2, candidate: 3, leader: 4 };

/** How the simulator makes nodes (RawNode's static factories, or a recording wrapper). */
export type NodeFactory = RaftNodeFactory;

type SimEvent =
  | { readonly kind: 'deliver'; readonly atMs: number; readonly seq: number; readonly id: number; readonly msg: Message }
  | { readonly kind: 'tick'; readonly atMs: number; readonly seq: number; readonly node: NodeId }
  | { readonly kind: 'persist'; readonly atMs: number; readonly seq: number; readonly node: NodeId; readonly life: number }
  | { readonly kind: 'client'; readonly atMs: number; readonly seq: number; readonly client: number; readonly token: number }
  | { readonly kind: 'timer'; readonly atMs: number; readonly seq: number; readonly id: number }
  | { readonly kind: 'fault'; readonly atMs: number; readonly seq: number }
  | { readonly kind: 'undo'; readonly atMs: number; readonly seq: number; readonly action: FaultAction }
  | { readonly kind: 'fault-end'; readonly atMs: number; readonly seq: number };

type Deliver = Extract<SimEvent, { kind: 'deliver' }>;

/** A held message's pending-item id (shared/cluster/pending-ids.ts; messages are numbered globally here). */
function pendingMessageId(d: Deliver): string {
  return messageId(d.msg.from, 0, d.id, d.msg.to);
}

interface SimNode {
  readonly id: NodeId;
  /** The config it runs (and restarts) with. */
  readonly config: RaftConfig;
  /** Null while crashed. */
  api: RaftNodeApi | null;
  readonly disk: SimDisk;
  /** Carries out its Readies; holds its state machine and the reads it took. */
  host: NodeHost;
  /** Incremented on every crash, so a delayed write from a previous life is discarded. */
  life: number;
  /** Readies whose durable part is not written yet (only under replyBeforePersist). */
  unwritten: Ready[];
  /** Source of a fresh rng for each restart. */
  readonly restartRng: Rng;
  /** Workload client waiting on each proposed index: index -> client number. */
  readonly waiters: Map<number, number>;
  role: Role;
  term: number;
  /** Messages that arrived while the node was paused (setNodePaused), delivered on resume; null when running. */
  inbox: Deliver[] | null;
}

/** One client operation as a history records it (for linearizability checking). */
export interface ClientRecord {
  readonly client: string;
  readonly seq: number;
  readonly op: KvOp;
  /** A get read at the leader rather than through the log (seq is then 0). */
  readonly read?: 'read-index' | 'lease';
  readonly invokeMs: number;
  /** Null if it never completed (it may or may not have taken effect). */
  readonly completeMs: number | null;
  readonly result: KvResult | null;
}

interface SimClient {
  readonly name: string;
  readonly session: KvClientSession;
  /** Which record in `history` is in flight, or -1 when idle. */
  current: number;
  /** Node believed to be leader. */
  target: NodeId;
  /** Where the in-flight attempt waits: node and index, or null. */
  waitingOn: { node: NodeId; index: number } | null;
  /** Invalidates scheduled client events from older attempts. */
  token: number;
  /** Operations this client has invoked. */
  invoked: number;
}

export interface SimStats {
  events: number;
  ticks: number;
  sent: number;
  delivered: number;
  dropped: number;
  readies: number;
  crashes: number;
  restarts: number;
  faults: number;
  proposals: number;
  /** Distinct terms in which some node was leader. */
  leaderTerms: number;
}

export type StopReason = 'ops-done' | 'time-limit' | 'violation' | 'step-limit';

/** Limit on events per run: a guard against a livelock in the code under test. */
const MAX_EVENTS = 100_000_000;
/** Disk write latency under replyBeforePersist (the window in which a crash loses state). */
const UNSAFE_WRITE_DELAY_MS: readonly [number, number] = [1, 20];

export class Simulator {
  readonly options: SimOptions;
  readonly checker: InvariantChecker | null;
  readonly stats: SimStats = { events: 0, ticks: 0, sent: 0, delivered: 0, dropped: 0, readies: 0, crashes: 0, restarts: 0, faults: 0, proposals: 0, leaderTerms: 0 };
  /** Every client operation, in invocation order. */
  readonly history: ClientRecord[] = [];

  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes: SimNode[] = [];
  private readonly clients: SimClient[] = [];
  private readonly network: Network;
  /** The pace's network time (setNetworkMs), part of the base link's delay. */
  private paceMs = 0;
  private readonly netRng: Rng;
  private readonly workRng: Rng;
  private readonly faultRng: Rng;
  private readonly faultPlan: FaultPlan | null;
  private readonly configBase: Omit<RaftConfig, 'id'>;
  private readonly hash = new Fnv1a();
  private readonly traceLines: string[] | null;
  private readonly leaderTermsSeen = new Set<number>();
  /** Timers on simulated time (`clock`), by the id of their scheduled event. */
  private readonly timers = new Map<number, () => void>();
  private timerCounter = 0;
  /** Each node's ReadyIo, made once (a Ready is carried out many times a simulated second). */
  private readonly ios: ReadyIo[] = [];
  private nowMs = 0;
  private nextMsgId = 1;
  private eventSeq = 0;
  private paused = false;
  private held: Deliver[] = [];
  private opsIssued = 0;
  private stepSeq = 0;
  private opsDone = 0;
  private faultsOver = false;
  private stopped: StopReason | null = null;
  private firstLeaderCommitMs: number | null = null;
  private healedAtMs: number | null = null;
  private leaderAfterHealMs: number | null = null;

  private readonly notify: ((n: SimNotice) => void) | null;

  /**
   * `opts.start`: begin from these node states instead of bootstrapping `options.nodes` fresh
   * nodes (node ids must then be 1..N, N = options.nodes). `opts.onNotice` hears what happens.
   */
  constructor(
    options: SimOptions,
    private readonly factory: NodeFactory,
    opts: { readonly keepTrace?: boolean; readonly start?: SimStart; readonly onNotice?: (n: SimNotice) => void } = {},
  ) {
    this.options = options;
    this.notify = opts.onNotice ?? null;
    this.traceLines = opts.keepTrace === true ? [] : null;
    this.checker = options.check ? new InvariantChecker({ ignore: options.ignore }) : null;
    const root = createRng(options.seed);
    this.netRng = root.fork();
    const nodeRng = root.fork();
    this.workRng = root.fork();
    this.faultRng = root.fork();
    const electionMs = options.electionTicks * options.tickMs;
    const healthy = { cut: false, loss: 0, delayMs: options.delayMs, jitterMs: options.jitterMs, duplicate: 0, reorder: 0 };
    this.faultPlan = options.faults.length > 0 ? drawFaultPlan(this.faultRng, options.faults, healthy, electionMs) : null;
    this.network = new Network(this.netRng, this.faultPlan !== null && options.faultWindowMs > 0 ? this.faultPlan.faultyBase : healthy);
    this.configBase = {
      heartbeatTicks: options.heartbeatTicks,
      electionTicks: options.electionTicks,
      preVote: options.preVote,
      checkQuorum: options.checkQuorum,
      maxEntriesPerMsg: options.maxEntriesPerMsg,
      maxInflightMsgs: 16,
      leaseRead: false,
      unsafe: unsafeOptions(options.unsafe),
    };

    const start = opts.start;
    if (start !== undefined) {
      this.startFrom(start, nodeRng);
    } else {
      const conf: ConfState = { voters: Array.from({ length: options.nodes }, (_, i) => i + 1), learners: [] };
      for (let id = 1; id <= options.nodes; id++) {
        const rng = nodeRng.fork();
        const restartRng = nodeRng.fork();
        const config = { id, ...this.configBase };
        const api = factory.bootstrap(config, rng, conf);
        this.nodes.push({ id, config, api, disk: new SimDisk(), host: new NodeHost(null), life: 0, unwritten: [], restartRng, waiters: new Map(), role: 'follower', term: 0, inbox: null });
        // Ticks start at a random phase per node, as real timers would.
        this.schedule({ kind: 'tick', atMs: 1 + this.netRng.int(options.tickMs), seq: 0, node: id });
      }
    }
    for (let c = 0; c < options.clients; c++) {
      const name = `c${c + 1}`;
      this.clients.push({ name, session: new KvClientSession(name), current: -1, target: 1 + this.workRng.int(options.nodes), waitingOn: null, token: 0, invoked: 0 });
      this.schedule({ kind: 'client', atMs: 1 + this.workRng.int(electionMs), seq: 0, client: c, token: 0 });
    }
    if (this.faultPlan !== null && options.faultWindowMs > 0) {
      this.scheduleNextFault();
      this.schedule({ kind: 'fault-end', atMs: options.faultWindowMs, seq: 0 });
    } else {
      this.faultsOver = true;
      this.healedAtMs = 0;
    }
    this.trace(`start seed=${options.seed} nodes=${options.nodes}${start !== undefined ? ' from-state' : ''}`);
    // Bootstrap state comes out in each node's first Ready (a started-from node may have one too).
    for (const n of this.nodes) this.handleReadies(n);
    // Messages that were in flight where the run starts from, in the order they were sent.
    if (start !== undefined) for (const m of start.inFlight) this.send(m);
  }

  /** Builds the nodes from given states (see SimStart); paused if asked, so in-flight messages are held. */
  private startFrom(start: SimStart, nodeRng: Rng): void {
    const ids = start.nodes.map((n) => n.id);
    ids.forEach((id, i) => {
      if (id !== i + 1) throw new Error(`start: node ids must be 1..${ids.length} in order, got ${ids.join(', ')}`);
    });
    if (ids.length !== this.options.nodes) throw new Error(`start: ${ids.length} node states for options.nodes = ${this.options.nodes}`);
    for (const s of start.nodes) {
      if (s.config.id !== s.id) throw new Error(`start: node ${s.id} has the config of node ${s.config.id}`);
      const disk = SimDisk.from(s.persisted);
      const restartRng = nodeRng.fork();
      const status = s.api?.status() ?? null;
      this.nodes.push({
        id: s.id, config: s.config, api: s.api, disk, host: new NodeHost(s.persisted, s.api !== null ? s.kv : undefined), life: 0, unwritten: [], restartRng,
        waiters: new Map(), role: status?.role ?? 'follower', term: status?.term ?? s.persisted.hardState.term, inbox: null,
      });
      // The checker learns each node from what it holds now (as if it had just restarted).
      this.observe({ type: 'restart', seq: 0, node: s.id, persisted: s.persisted });
      if (s.api === null) this.observe({ type: 'crash', seq: 0, node: s.id });
      this.schedule({ kind: 'tick', atMs: 1 + this.netRng.int(this.options.tickMs), seq: 0, node: s.id });
    }
    this.paused = start.paused;
  }

  // -------------------------------------------------------------------------------------------
  // Inspection

  get now(): number {
    return this.nowMs;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Why the run stopped, or null while it can go on. */
  get stopReason(): StopReason | null {
    return this.stopped;
  }

  get traceHash(): string {
    return this.hash.hex();
  }

  /** The canonical trace lines (only with keepTrace). */
  traceText(): readonly string[] {
    return this.traceLines ?? [];
  }

  get violations(): readonly Violation[] {
    return this.checker?.violations ?? [];
  }

  get opsCompleted(): number {
    return this.opsDone;
  }

  get opsInvoked(): number {
    return this.opsIssued;
  }

  /** Liveness facts: when a leader first committed in its own term, and after faults healed. */
  get liveness(): { readonly firstLeaderCommitMs: number | null; readonly healedAtMs: number | null; readonly leaderAfterHealMs: number | null } {
    return { firstLeaderCommitMs: this.firstLeaderCommitMs, healedAtMs: this.healedAtMs, leaderAfterHealMs: this.leaderAfterHealMs };
  }

  /** The running node, or null while crashed. */
  node(id: NodeId): RaftNodeApi | null {
    return this.nodeRec(id).api;
  }

  stateMachine(id: NodeId): KvStateMachine | null {
    const n = this.nodeRec(id);
    return n.api === null ? null : n.host.kv;
  }

  nodeIds(): NodeId[] {
    return this.nodes.map((n) => n.id);
  }

  /** Messages held while paused, in the order they would have been delivered. */
  pending(): PendingItem[] {
    return this.held.map((d) => ({ kind: 'message', id: pendingMessageId(d), message: d.msg, heldAtMs: d.atMs }));
  }

  // -------------------------------------------------------------------------------------------
  // Controls

  /** Stop time: nothing happens until a control is used. In-flight messages become pending. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    const inFlight = this.queue.extract((e) => e.kind === 'deliver') as Deliver[];
    this.held.push(...inFlight);
    this.trace(`${this.nowMs} pause held=${this.held.length}`);
  }

  /** Resume: pending messages are delivered now, in order, then time runs again. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const d of held) this.schedule({ kind: 'deliver', atMs: this.nowMs, seq: 0, id: d.id, msg: d.msg });
    this.trace(`${this.nowMs} resume`);
  }

  /** Deliver one pending message now (it already crossed the network; only a crash stops it). */
  deliver(pendingId: string): void {
    const d = this.takeHeld(pendingId);
    this.eventSeq++;
    this.deliverNow(d.id, d.msg, true);
  }

  /** Drop one pending message. */
  drop(pendingId: string): void {
    const d = this.takeHeld(pendingId);
    this.eventSeq++;
    this.stats.dropped++;
    this.trace(`${this.nowMs} drop #${d.id} user`);
    this.notify?.({ kind: 'dropped', id: d.id, msg: d.msg, why: 'user' });
  }

  /** Fire `node`'s timeout now: its election timeout, or a leader's heartbeat (shared/cluster/node-timers.ts). */
  fireTimeout(node: NodeId): void {
    const n = this.nodeRec(node);
    if (n.api === null) throw new Error(`fireTimeout: node ${node} is crashed`);
    if (n.inbox !== null) throw new Error(`fireTimeout: node ${node} is paused`);
    this.eventSeq++;
    this.trace(`${this.nowMs} campaign ${node}`);
    fireNodeTimeout(n.api, this.options.heartbeatTicks);
    this.handleReadies(n);
  }

  /** The timeouts the running nodes reach at their next tick (the Step tab's timeout items). */
  dueTimeouts(): TimeoutItem[] {
    const out: TimeoutItem[] = [];
    for (const n of this.nodes) {
      if (n.api === null || n.inbox !== null) continue;
      const due = dueTimeout(n.api.status(), this.options.heartbeatTicks);
      if (due !== null) out.push(due);
    }
    return out;
  }

  /**
   * Propose a KV operation directly at `node` (as a client that talks to it would), outside the
   * workload. Returns the core's answer; the command is the KV codec's, from client "step".
   */
  propose(node: NodeId, op: KvOp): ReturnType<RaftNodeApi['propose']> {
    const n = this.nodeRec(node);
    if (n.api === null) throw new Error(`propose: node ${node} is crashed`);
    this.eventSeq++;
    const seq = ++this.stepSeq;
    const r = n.api.propose(encodeCommand({ client: 'step', seq, op }));
    this.trace(`${this.nowMs} propose step#${seq} at ${node} ${r.ok ? `index=${r.index}` : r.refusal.reason}`);
    this.handleReadies(n);
    return r;
  }

  /** Crash a node now: its volatile state and unwritten disk writes are lost. */
  crash(node: NodeId): void {
    const n = this.nodeRec(node);
    if (n.api === null) return;
    this.eventSeq++;
    this.stats.crashes++;
    this.trace(`${this.nowMs} crash ${node}`);
    this.factory.crashed?.(node);
    n.api = null;
    n.life++;
    n.unwritten = [];
    n.inbox = null;
    n.role = 'follower';
    this.observe({ type: 'crash', seq: this.eventSeq, node });
    // Clients waiting on this node will time out and retry elsewhere.
    n.waiters.clear();
    this.notify?.({ kind: 'life', node, up: false });
  }

  /** Restart a crashed node from its disk. */
  restart(node: NodeId): void {
    const n = this.nodeRec(node);
    if (n.api !== null) return;
    this.eventSeq++;
    this.stats.restarts++;
    const persisted = n.disk.load();
    this.trace(`${this.nowMs} restart ${node} term=${persisted.hardState.term} vote=${persisted.hardState.vote} last=${n.disk.lastIndex}`);
    n.api = this.factory.restore(n.config, n.restartRng.fork(), persisted);
    n.host = new NodeHost(persisted);
    n.term = persisted.hardState.term;
    this.observe({ type: 'restart', seq: this.eventSeq, node, persisted });
    this.notify?.({ kind: 'life', node, up: true });
    this.handleReadies(n);
  }

  /** Cut the network into groups (symmetric); nodes in no group keep their links. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (let i = 0; i < groups.length; i++) for (let j = i + 1; j < groups.length; j++) this.network.cutBetween(groups[i]!, groups[j]!, true);
    this.trace(`${this.nowMs} partition ${groups.map((g) => g.join(',')).join(' | ')}`);
  }

  /** Cut one direction of one link. */
  cutLink(from: NodeId, to: NodeId): void {
    this.network.setLink(from, to, { cut: true });
    this.trace(`${this.nowMs} cut ${from}->${to}`);
  }

  /** Remove every cut and slow link. */
  heal(): void {
    this.network.healAll();
    this.trace(`${this.nowMs} heal`);
  }

  /** The pace's network time: sim ms every message spends on its link on top of the simulated wire's. */
  get networkMs(): number {
    return this.paceMs;
  }

  setNetworkMs(ms: number): void {
    if (!(ms >= 0 && ms <= MAX_NETWORK_MS)) throw new RangeError(`network time must be from 0 to ${MAX_NETWORK_MS} ms, got ${ms}`);
    const was = this.paceMs;
    this.paceMs = Math.round(ms);
    this.network.setBase({ ...this.network.baseLink, delayMs: this.network.baseLink.delayMs - was + this.paceMs });
  }

  /** Set (part of) one directed link's fault; the rest of it stays. */
  setLinkFault(from: NodeId, to: NodeId, fault: Partial<LinkFault>): void {
    this.nodeRec(from);
    this.nodeRec(to);
    this.network.setLink(from, to, fault);
    this.trace(`${this.nowMs} link ${from}->${to} ${JSON.stringify(fault)}`);
  }

  /** What a link without faults of its own is like (the network's base delay, nothing else). */
  baseLink(): LinkFault {
    return this.network.baseLink;
  }

  /** Links with a fault set on them (cuts, slow or lossy links), as the lab shows them. */
  faultyLinks(): (DirectedLink & LinkFault)[] {
    return this.network.faultyLinks(this.nodes.length);
  }

  /**
   * Propose a membership change at `at` (default: the current leader; the core accepts one at a
   * time). A node that is not the leader refuses with its own leader hint, as a node process does.
   */
  proposeConfChange(change: ConfChange, at: NodeId | null = this.currentLeader()): ProposeResult {
    if (at === null) return { ok: false, refusal: { reason: 'not-leader', leader: 0 } };
    const n = this.nodeRec(at);
    if (n.api === null) throw new Error(`proposeConfChange: node ${at} is down`);
    this.eventSeq++;
    const r = n.api.proposeConfChange(change);
    this.trace(`${this.nowMs} conf-change ${change.type} ${change.node} at ${at} ${r.ok ? `index=${r.index}` : r.refusal.reason}`);
    this.handleReadies(n);
    return r;
  }

  /**
   * A new node joins (RawNode.join: empty, learns the configuration from the leader); it becomes
   * a member only through proposeConfChange. Returns its id (the next free one).
   */
  addNode(): NodeId {
    const id = this.nodes.length + 1;
    if (id > MAX_SIM_NODES) throw new Error(`addNode: a simulated cluster has at most ${MAX_SIM_NODES} nodes`);
    const template = this.nodes[0]!.config;
    const config: RaftConfig = { ...template, id };
    const rng = this.nodes[0]!.restartRng.fork();
    this.eventSeq++;
    const api = this.factory.join(config, rng);
    this.nodes.push({ id, config, api, disk: new SimDisk(), host: new NodeHost(null), life: 0, unwritten: [], restartRng: rng.fork(), waiters: new Map(), role: 'follower', term: 0, inbox: null });
    this.schedule({ kind: 'tick', atMs: this.nowMs + 1 + this.netRng.int(this.options.tickMs), seq: 0, node: id });
    this.trace(`${this.nowMs} join ${id}`);
    this.notify?.({ kind: 'life', node: id, up: true });
    this.handleReadies(this.nodes[id - 1]!);
    return id;
  }

  /**
   * Pause one node (its process stops: no ticks, messages to it wait, clients go elsewhere) or
   * resume it (the waiting messages arrive now, in order).
   */
  setNodePaused(node: NodeId, paused: boolean): void {
    const n = this.nodeRec(node);
    if (n.api === null) throw new Error(`setNodePaused: node ${node} is crashed`);
    if (paused === (n.inbox !== null)) return;
    this.eventSeq++;
    this.trace(`${this.nowMs} ${paused ? 'pause' : 'resume'} node ${node}`);
    if (paused) {
      n.inbox = [];
      return;
    }
    const waiting = n.inbox!;
    n.inbox = null;
    // In step mode they become pending again, to deliver by hand; else they arrive now.
    if (this.paused) this.held.push(...waiting.map((d) => ({ ...d, seq: this.queue.takeSeq() })));
    else for (const d of waiting) this.deliverNow(d.id, d.msg, false);
  }

  /** Whether `node` is paused by setNodePaused. */
  isNodePaused(node: NodeId): boolean {
    return this.nodeRec(node).inbox !== null;
  }

  /** Ask the current leader (or `leader`, the one a host believes leads) to hand leadership to `to`. */
  transferLeadership(to: NodeId, leader: NodeId | null = this.currentLeader()): void {
    this.nodeRec(to);
    if (leader === null) throw new Error('transferLeadership: there is no leader');
    const n = this.nodeRec(leader);
    this.eventSeq++;
    this.trace(`${this.nowMs} transfer ${leader}->${to}`);
    n.api!.transferLeadership(to);
    this.handleReadies(n);
  }

  /** The live leader of the highest term, or null. */
  leader(): NodeId | null {
    return this.currentLeader();
  }

  /** Run events up to virtual time `now + ms`. While paused, deliveries due are held as pending. */
  advance(ms: number): void {
    this.runUntil(this.nowMs + ms);
  }

  /** While paused: every node ticks once (time moves by one tick). */
  tickOnce(): void {
    this.advance(this.options.tickMs);
  }

  /** Process events with atMs <= `timeMs` (or until the run stops); then time is `timeMs`. */
  runUntil(timeMs: number): void {
    const limit = Math.min(timeMs, this.options.maxTimeMs);
    while (this.stopped === null) {
      const next = this.queue.peek();
      if (next === undefined || next.atMs > limit) break;
      this.queue.pop();
      this.nowMs = next.atMs;
      this.dispatch(next);
    }
    if (this.stopped === null) {
      this.nowMs = Math.max(this.nowMs, limit);
      if (limit >= this.options.maxTimeMs) this.stopped = 'time-limit';
    }
  }

  /** Run until every client operation completed, a violation (if stopOnViolation), or maxTimeMs. */
  run(): StopReason {
    if (this.paused) throw new Error('run: the simulator is paused; resume() first or use the step controls');
    this.runUntil(this.options.maxTimeMs);
    return this.stopped ?? 'time-limit';
  }

  // -------------------------------------------------------------------------------------------
  // Events

  private schedule(e: SimEvent): void {
    (e as { seq: number }).seq = this.queue.takeSeq();
    this.queue.push(e);
  }

  private dispatch(e: SimEvent): void {
    this.eventSeq++;
    if (++this.stats.events > MAX_EVENTS) {
      this.stopped = 'step-limit';
      return;
    }
    switch (e.kind) {
      case 'deliver':
        if (this.paused) {
          this.held.push(e);
          return;
        }
        this.deliverNow(e.id, e.msg, false);
        return;
      case 'tick':
        this.onTick(e.node);
        return;
      case 'persist':
        this.onPersist(e.node, e.life);
        return;
      case 'client':
        this.onClient(e.client, e.token);
        return;
      case 'timer': {
        const fn = this.timers.get(e.id);
        this.timers.delete(e.id);
        fn?.();
        return;
      }
      case 'fault':
        this.onFault();
        return;
      case 'undo':
        this.undoFault(e.action);
        return;
      case 'fault-end':
        this.onFaultEnd();
        return;
    }
  }

  private onTick(id: NodeId): void {
    const n = this.nodes[id - 1]!;
    this.schedule({ kind: 'tick', atMs: this.nowMs + this.options.tickMs, seq: 0, node: id });
    if (n.api === null || n.inbox !== null) return;
    this.stats.ticks++;
    this.traceNums(EV_TICK, id, 0);
    if (this.traceLines !== null) this.traceLines.push(`${this.nowMs} tick ${id}`);
    n.api.tick();
    this.handleReadies(n);
  }

  private deliverNow(id: number, msg: Message, chosen: boolean): void {
    const to = this.nodes[msg.to - 1];
    if (to === undefined || to.api === null) {
      this.stats.dropped++;
      this.traceNums(EV_DROP_CRASHED, id, 0);
      if (this.traceLines !== null) this.traceLines.push(`${this.nowMs} drop #${id} crashed`);
      this.notify?.({ kind: 'dropped', id, msg, why: 'crashed' });
      return;
    }
    // A paused node takes nothing in: the message waits for it (a stopped process's socket buffer).
    if (to.inbox !== null) {
      to.inbox.push({ kind: 'deliver', atMs: this.nowMs, seq: 0, id, msg });
      return;
    }
    // A partition cuts messages still in flight too; a message the user chose already arrived.
    if (!chosen && this.network.isCut(msg.from, msg.to)) {
      this.stats.dropped++;
      this.traceNums(EV_DROP_CUT, id, 0);
      if (this.traceLines !== null) this.traceLines.push(`${this.nowMs} drop #${id} cut`);
      this.notify?.({ kind: 'dropped', id, msg, why: 'cut' });
      return;
    }
    this.stats.delivered++;
    this.traceNums(EV_DELIVER, id, 0);
    if (this.traceLines !== null) this.traceLines.push(`${this.nowMs} deliver #${id}`);
    this.notify?.({ kind: 'delivered', id, msg });
    to.api.step(msg);
    this.handleReadies(to);
  }

  private send(msg: Message): void {
    const id = this.nextMsgId++;
    this.stats.sent++;
    this.traceNums(EV_SEND, id, 0);
    mixMessage(msg, this.mix);
    if (this.traceLines !== null) this.traceLines.push(`${this.nowMs} send #${id} ${describeMessage(msg)}`);
    this.notify?.({ kind: 'sent', id, msg });
    const delay = this.network.route(msg.from, msg.to);
    if (delay < 0) {
      this.stats.dropped++;
      this.traceNums(delay === CUT ? EV_DROP_CUT : EV_DROP_LOSS, id, 0);
      if (this.traceLines !== null) this.traceLines.push(`${this.nowMs} drop #${id} ${delay === CUT ? 'cut' : 'loss'}`);
      this.notify?.({ kind: 'dropped', id, msg, why: delay === CUT ? 'cut' : 'loss' });
      return;
    }
    this.queueDelivery(id, msg, delay);
    const copy = this.network.duplicate(msg.from, msg.to);
    if (copy >= 0) this.queueDelivery(id, msg, copy);
  }

  private queueDelivery(id: number, msg: Message, delayMs: number): void {
    const e: Deliver = { kind: 'deliver', atMs: this.nowMs + delayMs, seq: 0, id, msg };
    // Paused, a message to a crashed node is lost as it is sent, as in the live lab (a process
    // that is down holds nothing a person could deliver later).
    if (this.paused && (this.nodes[msg.to - 1]?.api ?? null) === null) {
      this.deliverNow(id, msg, false);
      return;
    }
    if (this.paused) {
      (e as { seq: number }).seq = this.queue.takeSeq();
      this.held.push(e);
    } else this.schedule(e);
  }

  // -------------------------------------------------------------------------------------------
  // Hosting a node: the Ready loop

  private handleReadies(n: SimNode): void {
    // Bounded: a node that keeps producing Readies without input is a bug in the code under test.
    for (let i = 0; i < 1000 && n.api !== null && n.api.hasReady(); i++) this.handleReady(n, n.api);
  }

  private handleReady(n: SimNode, api: RaftNodeApi): void {
    const rd = api.ready();
    this.stats.readies++;
    const hs = rd.hardState;
    this.traceNums(EV_READY, n.id, ROLE_CODE[rd.softState.role]);
    if (hs !== null) {
      this.hash.num(hs.term);
      this.hash.num(hs.vote);
      this.hash.num(hs.commit);
    }
    this.hash.num(rd.entries.length);
    this.hash.num(rd.committedEntries.length);
    this.hash.num(rd.messages.length);
    this.hash.num(rd.snapshot !== null ? rd.snapshot.meta.index : -1);
    if (this.traceLines !== null) {
      this.traceLines.push(`${this.nowMs} ready ${n.id} ${rd.softState.role}${hs !== null ? ` hs=${hs.term}/${hs.vote}/${hs.commit}` : ''} ents=${rd.entries.length} apply=${rd.committedEntries.length} msgs=${rd.messages.length}${rd.snapshot !== null ? ` snap=${rd.snapshot.meta.index}` : ''}`);
    }
    this.observe({ type: 'ready', seq: this.eventSeq, node: n.id, ready: rd });
    this.noteRole(n, rd);

    n.host.carryOut(rd, (this.ios[n.id - 1] ??= this.readyIo(n)));
    api.advance(rd);
    this.maybeCompact(n, api);
    this.notify?.({ kind: 'ready', node: n.id, ready: rd });
  }

  /** What carrying out a Ready does here: the in-memory disk, the network, this run's clients. */
  private readyIo(n: SimNode): ReadyIo {
    return {
      persist: (rd) => {
        if (rd.messagesBeforePersist) {
          // The injected bug: messages left before this write, which lands later (or is lost in a crash).
          n.unwritten.push(rd);
          const [lo, hi] = UNSAFE_WRITE_DELAY_MS;
          this.schedule({ kind: 'persist', atMs: this.nowMs + lo + this.netRng.int(hi - lo + 1), seq: 0, node: n.id, life: n.life });
          return;
        }
        n.disk.persist(rd);
        this.observe({ type: 'persisted', seq: this.eventSeq, node: n.id, ready: rd });
      },
      send: (messages) => {
        if (messages.length === 0) return;
        this.observe({ type: 'sent', seq: this.eventSeq, node: n.id, messages });
        for (const m of messages) this.send(m);
      },
      applied: (entry, outcome) => {
        const waiter = n.waiters.get(entry.index);
        if (waiter !== undefined) {
          n.waiters.delete(entry.index);
          this.onApplied(waiter, n, entry.index, outcome);
        }
      },
      // A host's client router answers requests and reads through these; one that a node dropped it moves on from when the node stops leading.
      answered: (outcome) => this.notify?.({ kind: 'answered', results: [{ client: outcome.client, seq: outcome.seq, result: toKvResult(outcome, n.id) }] }),
      served: (id, index, value) => this.notify?.({ kind: 'served', node: n.id, reads: [{ id, index, value }] }),
    };
  }

  private onPersist(id: NodeId, life: number): void {
    const n = this.nodes[id - 1]!;
    if (n.life !== life) return; // written by a node that has since crashed: lost
    const rd = n.unwritten.shift();
    if (rd === undefined) return;
    n.disk.persist(rd);
    this.trace(`${this.nowMs} persisted ${id}`);
    this.observe({ type: 'persisted', seq: this.eventSeq, node: id, ready: rd });
  }

  private noteRole(n: SimNode, rd: Ready): void {
    if (rd.hardState !== null) n.term = rd.hardState.term;
    n.role = rd.softState.role;
    if (n.role !== 'leader') return;
    if (!this.leaderTermsSeen.has(n.term)) {
      this.leaderTermsSeen.add(n.term);
      this.stats.leaderTerms++;
    }
    // Liveness: a leader that has committed an entry of its own term is really in office.
    if (rd.hardState !== null && n.api !== null && n.api.termAt(rd.hardState.commit) === n.term) {
      if (this.firstLeaderCommitMs === null) this.firstLeaderCommitMs = this.nowMs;
      if (this.healedAtMs !== null && this.leaderAfterHealMs === null) this.leaderAfterHealMs = this.nowMs;
    }
  }

  private maybeCompact(n: SimNode, api: RaftNodeApi): void {
    if (this.options.snapshotEvery === 0) return;
    n.host.maybeCompact(api, this.options.snapshotEvery, (snap) => {
      n.disk.compact(snap.meta.index, snap.meta.term, snap.meta.conf, snap.data);
      this.observe({ type: 'compacted', seq: this.eventSeq, node: n.id, index: snap.meta.index });
      this.trace(`${this.nowMs} compact ${n.id} ${snap.meta.index}`);
    });
  }

  private observe(obs: Parameters<InvariantChecker['observe']>[0]): void {
    if (this.checker === null) return;
    const found = this.checker.observe(obs);
    if (found.length > 0) {
      for (const v of found) {
        this.trace(`${this.nowMs} violation at event ${v.eventSeq}: ${v.property}: ${v.message}`);
        this.notify?.({ kind: 'violation', violation: v });
      }
      if (this.options.stopOnViolation) this.stopped = 'violation';
    }
  }

  // -------------------------------------------------------------------------------------------
  // Clients: the workload's, a load generator of its own kept in step with the simulated clock. A
  // host's requests come through the lab's one client router (shared/cluster/client-router.ts),
  // which asks proposeAs and readAt.

  private onClient(c: number, token: number): void {
    const client = this.clients[c]!;
    if (client.token !== token) return;
    if (client.current < 0) {
      if (this.opsIssued >= this.options.ops) return;
      this.opsIssued++;
      const op = nextOp(this.workRng, client.name, ++client.invoked);
      const cmd = client.session.begin(op);
      client.current = this.history.length;
      this.history.push({ client: client.name, seq: cmd.seq, op: cmd.op, invokeMs: this.nowMs, completeMs: null, result: null });
      this.traceNums(EV_INVOKE, c, cmd.seq);
      this.hash.num(OP_CODE[cmd.op.type]);
      this.hash.num(cmd.op.key.charCodeAt(0));
      if (this.traceLines !== null) this.traceLines.push(`${this.nowMs} invoke ${client.name}#${cmd.seq} ${cmd.op.type} ${cmd.op.key}`);
    } else if (client.waitingOn !== null) {
      // Timed out waiting: forget that attempt and try another node.
      this.forgetWait(client);
      client.target = 1 + this.workRng.int(this.nodes.length);
    }
    this.attempt(c, client);
  }

  private attempt(c: number, client: SimClient): void {
    const cmd = client.session.pending;
    if (cmd === null) return;
    const n = this.nodes[client.target - 1]!;
    const retryMs = this.options.tickMs * 2;
    if (n.api === null || n.inbox !== null) {
      client.target = 1 + this.workRng.int(this.nodes.length);
      this.scheduleClient(c, client, retryMs);
      return;
    }
    this.stats.proposals++;
    const r = n.api.propose(encodeCommand(cmd));
    if (r.ok) {
      client.waitingOn = { node: n.id, index: r.index };
      n.waiters.set(r.index, c);
      this.traceNums(EV_PROPOSE, c, cmd.seq);
      this.hash.num(n.id);
      this.hash.num(r.index);
      if (this.traceLines !== null) this.traceLines.push(`${this.nowMs} propose ${client.name}#${cmd.seq} at ${n.id} index=${r.index}`);
      this.handleReadies(n);
      if (client.waitingOn !== null) this.scheduleClient(c, client, this.options.clientTimeoutMs);
      return;
    }
    const hint = r.refusal.leader;
    this.traceNums(EV_REFUSED, c, cmd.seq);
    this.hash.num(n.id);
    this.hash.num(hint);
    if (this.traceLines !== null) this.traceLines.push(`${this.nowMs} refused ${client.name}#${cmd.seq} at ${n.id} ${r.refusal.reason} leader=${hint}`);
    client.target = hint !== 0 && hint !== n.id ? hint : 1 + this.workRng.int(this.nodes.length);
    this.scheduleClient(c, client, hint !== 0 && hint !== n.id ? 1 : retryMs);
  }

  private onApplied(c: number, n: SimNode, index: number, outcome: ReturnType<KvStateMachine['apply']>): void {
    const client = this.clients[c]!;
    if (client.waitingOn === null || client.waitingOn.node !== n.id || client.waitingOn.index !== index) return;
    client.waitingOn = null;
    if (!client.session.answers(outcome)) {
      // Another entry took that index (leadership changed): retry the same request.
      this.scheduleClient(c, client, 1);
      return;
    }
    const rec = this.history[client.current]!;
    const result = toKvResult(outcome, n.id);
    this.history[client.current] = { ...rec, completeMs: this.nowMs, result };
    client.session.finish();
    client.current = -1;
    client.target = n.id;
    this.opsDone++;
    this.traceNums(EV_COMPLETE, c, rec.seq);
    this.hash.line(result.ok ? String(result.value) : result.error);
    if (this.traceLines !== null) this.traceLines.push(`${this.nowMs} complete ${client.name}#${rec.seq} ${result.ok ? `ok ${String(result.value)}` : result.error}`);
    if (this.opsDone >= this.options.ops && this.opsIssued >= this.options.ops && this.options.ops > 0) this.stopped ??= 'ops-done';
    // Think time before the next operation.
    this.scheduleClient(c, client, this.workRng.int(this.options.tickMs * 2) + 1);
  }

  private forgetWait(client: SimClient): void {
    const w = client.waitingOn;
    if (w === null) return;
    this.nodes[w.node - 1]!.waiters.delete(w.index);
    client.waitingOn = null;
  }

  private scheduleClient(c: number, client: SimClient, inMs: number): void {
    client.token++;
    this.schedule({ kind: 'client', atMs: this.nowMs + inMs, seq: 0, client: c, token: client.token });
  }

  /** Simulated time and timers that fire as it passes (the engine's clock in a simulated lab). */
  readonly clock: LabClock = {
    now: () => this.nowMs,
    after: (ms, fn) => {
      const id = ++this.timerCounter;
      this.timers.set(id, fn);
      this.schedule({ kind: 'timer', atMs: this.nowMs + ms, seq: 0, id });
      return () => this.timers.delete(id);
    },
  };

  /** A client's request `client#seq` proposed at `node`, as a node process answers it (a host's client router asks). */
  proposeAs(node: NodeId, client: string, seq: number, op: KvOp): ProposeReply {
    const n = this.upForClients(node);
    this.eventSeq++;
    this.stats.proposals++;
    const r = n.api!.propose(encodeCommand({ client, seq, op }));
    if (r.ok) n.host.takeProposal(client, seq);
    if (this.traceLines !== null) this.traceLines.push(`${this.nowMs} propose ${client}#${seq} at ${node} ${r.ok ? `index=${r.index}` : `${r.refusal.reason} leader=${r.refusal.leader}`}`);
    this.handleReadies(n);
    return toProposeReply(r);
  }

  /** A linearizable read of `key` named `id` asked of `node` (served later: the `served` notice). */
  readAt(node: NodeId, id: string, key: string, lease: boolean): ReadAskReply {
    const n = this.upForClients(node);
    this.eventSeq++;
    const r = n.api!.readIndex(id, { lease });
    if (r.ok) n.host.takeRead(id, key);
    if (this.traceLines !== null) this.traceLines.push(`${this.nowMs} read ${id} at ${node} ${r.ok ? 'taken' : `${r.refusal.reason} leader=${r.refusal.leader}`}`);
    this.handleReadies(n);
    return r.ok ? { ok: true } : toProposeReply(r);
  }

  /** The last request number `client` used, in any node's state machine (0 if none). */
  lastSeqOf(client: string): number {
    let last = 0;
    for (const n of this.nodes) last = Math.max(last, n.host.kv.session(client)?.lastSeq ?? 0);
    return last;
  }

  private upForClients(node: NodeId): SimNode {
    const n = this.nodeRec(node);
    if (n.api === null || n.inbox !== null) throw new Error(`node ${node} is ${n.api === null ? 'down' : 'paused'}`);
    return n;
  }

  // -------------------------------------------------------------------------------------------
  // Faults

  private scheduleNextFault(): void {
    const plan = this.faultPlan!;
    const at = this.nowMs + this.faultRng.range(plan.intervalMs[0], plan.intervalMs[1]);
    if (at < this.options.faultWindowMs) this.schedule({ kind: 'fault', atMs: at, seq: 0 });
  }

  private onFault(): void {
    if (this.faultsOver) return;
    const up = this.nodes.filter((n) => n.api !== null).map((n) => n.id);
    const action = nextFaultAction(this.faultRng, this.faultPlan!, this.options.nodes, up, this.currentLeader());
    this.scheduleNextFault();
    if (action === null) return;
    this.stats.faults++;
    switch (action.kind) {
      case 'crash':
        this.crash(action.node);
        break;
      case 'partition':
        this.partition(action.groups);
        break;
      case 'oneway':
        this.cutLink(action.from, action.to);
        break;
      case 'slow':
        this.network.setLink(action.from, action.to, this.faultPlan!.slowLink);
        this.trace(`${this.nowMs} slow ${action.from}->${action.to}`);
        break;
    }
    this.schedule({ kind: 'undo', atMs: this.nowMs + action.durationMs, seq: 0, action });
  }

  private undoFault(action: FaultAction): void {
    switch (action.kind) {
      case 'crash':
        this.restart(action.node);
        return;
      case 'partition':
        for (let i = 0; i < action.groups.length; i++) for (let j = i + 1; j < action.groups.length; j++) this.network.cutBetween(action.groups[i]!, action.groups[j]!, false);
        this.trace(`${this.nowMs} unpartition`);
        return;
      case 'oneway':
      case 'slow':
        this.network.healLink(action.from, action.to);
        this.trace(`${this.nowMs} heal ${action.from}->${action.to}`);
        return;
    }
  }

  /** End of the fault window: every link heals, every crashed node restarts. */
  private onFaultEnd(): void {
    this.faultsOver = true;
    this.network.healAll();
    this.network.setBase({ cut: false, loss: 0, delayMs: this.options.delayMs + this.paceMs, jitterMs: this.options.jitterMs, duplicate: 0, reorder: 0 });
    this.trace(`${this.nowMs} faults-end`);
    for (const n of this.nodes) if (n.api === null) this.restart(n.id);
    this.healedAtMs = this.nowMs;
  }

  /** The live leader of the highest term, if any. */
  private currentLeader(): NodeId | null {
    let best: SimNode | null = null;
    for (const n of this.nodes) if (n.api !== null && n.role === 'leader' && (best === null || n.term > best.term)) best = n;
    return best === null ? null : best.id;
  }

  // -------------------------------------------------------------------------------------------

  private nodeRec(id: NodeId): SimNode {
    const n = this.nodes[id - 1];
    if (n === undefined) throw new RangeError(`node ${id} does not exist (nodes are 1..${this.nodes.length})`);
    return n;
  }

  private takeHeld(pendingId: string): Deliver {
    const i = this.held.findIndex((d) => pendingMessageId(d) === pendingId);
    if (i < 0) throw new Error(`no pending message "${pendingId}" (pending: ${this.held.map(pendingMessageId).join(', ') || 'none'})`);
    return this.held.splice(i, 1)[0]!;
  }

  /** Hashes a hot event by its numeric fields: code, time, two operands. */
  private traceNums(code: number, a: number, b: number): void {
    this.hash.num(code);
    this.hash.num(this.nowMs);
    this.hash.num(a);
    this.hash.num(b);
  }

  private readonly mix = (n: number): void => this.hash.num(n);

  private trace(line: string): void {
    this.hash.line(line);
    if (this.traceLines !== null) this.traceLines.push(line);
  }
}
