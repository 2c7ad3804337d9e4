/**
 * Real node processes as the cluster engine's substrate (shared/cluster/substrate.ts): each node
 * runs in its own process through a ProcessHost (worker threads, or Electron utility processes),
 * with a full mesh of peer ports between them (peer traffic never passes through here) and one
 * control port per node (NodeSupervisor). Node events become the engine's reports; a step
 * command returns once what it sent is held at its receivers.
 */
import type { ProposeResult } from '../../shared/raft/api';
import type { ConfChange, NodeId, NodeStatus } from '../../shared/raft/types';
import type { ClusterOptions, KvOp, LinkFault, LogRange, NodeExit, PendingItem } from '../../shared/protocol/lab';
import type { NodeEvent, NodeInit, NodeStart, ProposeReply, ReadAskReply, ReplyBody } from '../../shared/protocol/node-ipc';
import type { RecordCursor } from '../../shared/record/recorder';
import type { ChangedLink } from '../../shared/cluster/link-table';
import { pendingHolder } from '../../shared/cluster/pending-ids';
import type { RunState, StartContext, Substrate, SubstrateReport } from '../../shared/cluster/substrate';
import type { ProcessExit, ProcessHost } from '../host/process-host';
import { NodeRequestError, NodeSupervisor } from './node-supervisor';
import { wallClock } from './wall-clock';

export interface ProcessSubstrateOptions {
  readonly host: ProcessHost;
  readonly options: ClusterOptions;
  readonly dataDir: string;
  /** Node ids the cluster starts with. */
  readonly nodes: readonly NodeId[];
  readonly run: RunState;
  readonly traceMessages: boolean;
  /** Nodes report whole Readies and their restored state (for the invariant checker). */
  readonly reportReadies: boolean;
  readonly requestTimeoutMs: number;
  /** Longest wait for a stepped message to be held at its receiver. */
  readonly stepSettleMs: number;
  /** Where a node's records continue in the run's recording (null: the run is not recorded). */
  recordCursor(node: NodeId): RecordCursor | null;
  /** A node's event loop was blocked this long (for benchmarks). */
  loopStall(ms: number): void;
}

export class ProcessSubstrate implements Substrate {
  readonly clock = wallClock;
  private readonly sups = new Map<NodeId, NodeSupervisor>();
  private report: (r: SubstrateReport) => void = () => undefined;
  /** Step mode: message ids we wait to see held at their receivers. */
  private readonly heldWaiters = new Set<{ ids: Set<string>; resolve: () => void }>();
  /** Serialises node starts, so two nodes starting together still end up linked to each other. */
  private startChain: Promise<void> = Promise.resolve();
  private faultSeed: number;
  private run: RunState;

  constructor(private readonly o: ProcessSubstrateOptions) {
    this.faultSeed = o.options.seed;
    this.run = o.run;
    for (const id of o.nodes) this.supervisor(id);
  }

  /** Real ms: the cluster's ms go `speed` times faster. */
  clockMs(labMs: number, speed: number): number {
    return labMs / speed;
  }

  listen(report: (r: SubstrateReport) => void): void {
    this.report = report;
  }

  // -------------------------------------------------------------------------------------------
  // Node life

  start(nodes: readonly NodeId[], start: NodeStart, context: StartContext): Promise<void> {
    const next = this.startChain.then(async () => {
      for (const id of nodes) if (!this.sups.has(id)) this.supervisor(id);
      const fresh = await Promise.all(nodes.map((id) => this.initNode(id, start)));
      const starting = new Set(nodes);
      const peers = [...this.sups.values()].filter((p) => !starting.has(p.id) && p.running && p.life !== 'starting');
      const pairs: Promise<void>[] = [];
      for (const a of fresh) {
        for (const b of fresh) if (a.id < b.id) pairs.push(this.connectPair(a, b));
        for (const peer of peers) pairs.push(this.connectPair(a, peer));
      }
      await Promise.all(pairs);
      await Promise.all(fresh.map((sup) => this.finishStart(sup, context)));
    });
    this.startChain = next.catch(() => undefined);
    return next;
  }

  async crash(node: NodeId): Promise<void> {
    await this.sup(node).proc?.kill();
  }

  async stop(node: NodeId): Promise<void> {
    await this.shutdownNode(this.sup(node));
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.sups.values()].map((sup) => this.shutdownNode(sup)));
    for (const w of this.heldWaiters) w.resolve();
  }

  private supervisor(id: NodeId): NodeSupervisor {
    const sup = new NodeSupervisor(id, {
      event: (s, event) => this.onNodeEvent(s, event),
      exit: (s, exit) => this.onNodeExit(s, exit),
      invalid: (s, error) => {
        s.lastError = error;
      },
    });
    this.sups.set(id, sup);
    return sup;
  }

  /** Spawns the node's process and initialises it from its files (or as `start` says, when they are empty). */
  private async initNode(id: NodeId, start: NodeStart): Promise<NodeSupervisor> {
    const sup = this.sup(id);
    sup.spawn(this.o.host);
    this.report({ kind: 'starting', node: id });
    const o = this.o.options;
    const init: NodeInit = {
      id,
      incarnation: sup.incarnation,
      dataDir: this.o.dataDir,
      start,
      seed: o.seed,
      tickMs: o.tickMs,
      speed: this.run.speed,
      // Paused until linked to its peers and given its run state (finishStart).
      paused: true,
      heartbeatTicks: o.heartbeatTicks,
      electionTicks: o.electionTicks,
      preVote: o.preVote,
      checkQuorum: o.checkQuorum,
      snapshotEvery: o.snapshotEvery,
      traceMessages: this.o.traceMessages,
      reportReadies: this.o.reportReadies,
      record: this.o.recordCursor(id),
    };
    try {
      await sup.request({ type: 'init', version: 1, init }, Math.max(this.o.requestTimeoutMs, 30_000));
    } catch (e) {
      const detail = e instanceof NodeRequestError ? e.detail : e instanceof Error ? e.message : String(e);
      await sup.proc?.kill();
      sup.life = 'crashed';
      this.report({ kind: 'down', node: id, exit: { reason: 'refused-to-start', detail } });
      throw new Error(`node ${id} refused to start: ${detail}`);
    }
    return sup;
  }

  /** One channel between two nodes; each end goes to its node. */
  private async connectPair(a: NodeSupervisor, b: NodeSupervisor): Promise<void> {
    if (a.proc === null || b.proc === null) return;
    const aReq = a.nextReq();
    const bReq = b.nextReq();
    const replies = Promise.all([a.expect(aReq, 'peer-connect', this.o.requestTimeoutMs), b.expect(bReq, 'peer-connect', this.o.requestTimeoutMs)]);
    this.o.host.connect(a.proc, aReq, b.proc, bReq);
    await replies;
  }

  /**
   * A started, linked node takes its run state: it was initialised paused, so nothing happens
   * before a pause, speed or step chosen during start-up applies. From here on every run-state
   * change is sent to it too, in order, so the last one sent is the one in force.
   */
  private async finishStart(sup: NodeSupervisor, context: StartContext): Promise<void> {
    await this.pushFaults(sup.id, context.linksFrom(sup.id));
    sup.takesRunState = true;
    await this.sendRun(sup, context.runOf(sup.id));
    sup.life = 'running';
    this.report({ kind: 'up', node: sup.id });
  }

  private async shutdownNode(sup: NodeSupervisor): Promise<void> {
    if (!sup.running || sup.proc === null) return;
    const proc = sup.proc;
    try {
      await sup.request({ type: 'shutdown' }, 5000);
      await new Promise<void>((resolve) => {
        proc.onExit(() => resolve());
        setTimeout(resolve, 2000);
      });
    } catch {
      // Would not stop cleanly: stop it hard.
    }
    if (!proc.exited) await proc.kill();
  }

  private onNodeExit(sup: NodeSupervisor, exit: ProcessExit): void {
    sup.life = exit.reason === 'clean-exit' ? 'stopped' : 'crashed';
    sup.pending = [];
    const why: NodeExit = exit.reason === 'clean-exit' ? { reason: 'clean-exit' } : exit.reason === 'killed' ? { reason: 'killed' } : { reason: 'crashed', detail: sup.lastError ?? exit.detail };
    this.report({ kind: 'down', node: sup.id, exit: why });
    this.report({ kind: 'pending' });
    this.checkHeldWaiters();
  }

  private onNodeEvent(sup: NodeSupervisor, event: NodeEvent): void {
    const node = sup.id;
    switch (event.type) {
      case 'started':
        this.report({ kind: 'status', node, status: event.status });
        if (event.persisted !== null) this.report({ kind: 'observe', observation: { type: 'restart', node, persisted: event.persisted } });
        return;
      case 'ready':
        for (const s of event.summaries) {
          this.report({ kind: 'role', node, role: s.softState.role, leader: s.softState.leader, term: s.hardState?.term ?? null });
          if (s.ready !== null) this.report({ kind: 'observe', observation: { type: 'ready', node, ready: s.ready } });
          if (s.committedTo > s.committedFrom) this.report({ kind: 'applied', node, from: s.committedFrom, to: s.committedTo - 1 });
        }
        return;
      case 'applied':
        this.report({ kind: 'answered', results: event.results });
        return;
      case 'read-served':
        this.report({ kind: 'read-served', node, reads: event.reads });
        return;
      case 'compacted':
        this.report({ kind: 'observe', observation: { type: 'compacted', node, index: event.index } });
        return;
      case 'conf-applied':
        this.report({ kind: 'conf-applied', index: event.index, term: event.term });
        return;
      case 'pending':
        sup.pending = event.items;
        this.report({ kind: 'pending' });
        this.checkHeldWaiters();
        return;
      case 'trace':
        for (const t of event.traces) {
          if (t.kind === 'dropped') this.report({ kind: 'message', what: 'dropped', atMs: event.atMs, msgId: t.msgId, message: t.message, why: t.why });
          else this.report({ kind: 'message', what: t.kind, atMs: event.atMs, msgId: t.msgId, message: t.message });
        }
        return;
      case 'records':
        this.report({ kind: 'records', node, records: event.records });
        return;
      case 'loop-stall':
        this.o.loopStall(event.maxBlockedMs);
        return;
      case 'error':
        sup.lastError = event.detail;
        return;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Run state and links

  async setRun(run: RunState, runOf: (node: NodeId) => RunState): Promise<void> {
    const pausing = run.paused && !this.run.paused;
    this.run = run;
    await Promise.all(this.takingRunState().map((sup) => this.sendRun(sup, runOf(sup.id))));
    if (pausing) {
      // Every node holds arrivals now: messages still on their way land, to be stepped.
      await Promise.all(this.takingRunState().map(async (sup) => {
        const body = await sup.request({ type: 'land' }, this.o.requestTimeoutMs).catch(() => null);
        if (body !== null) await this.waitHeld(body);
      }));
    }
  }

  async setNodePaused(node: NodeId, _paused: boolean, run: RunState): Promise<void> {
    await this.sendRun(this.sup(node), run);
  }

  private async sendRun(sup: NodeSupervisor, run: RunState): Promise<void> {
    await sup.request({ type: 'set-run', paused: run.paused, speed: run.speed, networkMs: run.networkMs }, this.o.requestTimeoutMs);
  }

  /** Sends each changed link's sender its complete outgoing fault table. */
  async setLinks(changed: readonly ChangedLink[], linksFrom: StartContext['linksFrom']): Promise<void> {
    await Promise.all([...new Set(changed.map((l) => l.from))].map((from) => this.pushFaults(from, linksFrom(from))));
  }

  private async pushFaults(from: NodeId, links: readonly { readonly to: NodeId; readonly fault: LinkFault }[]): Promise<void> {
    const sup = this.sups.get(from);
    if (sup === undefined || !sup.running) return;
    await sup.request({ type: 'set-link-faults', links: [...links], seed: ++this.faultSeed }, this.o.requestTimeoutMs);
  }

  // -------------------------------------------------------------------------------------------
  // Step mode

  async deliver(holder: NodeId, pendingId: string): Promise<void> {
    await this.waitHeld(await this.sup(holder).request({ type: 'deliver', msgId: pendingId }, this.o.requestTimeoutMs));
  }

  async drop(holder: NodeId, pendingId: string): Promise<void> {
    await this.sup(holder).request({ type: 'drop', msgId: pendingId }, this.o.requestTimeoutMs);
  }

  async fire(node: NodeId): Promise<void> {
    await this.waitHeld(await this.sup(node).request({ type: 'fire-timeout' }, this.o.requestTimeoutMs));
  }

  /** One node after the other, in id order, so that a tick is the same every time. */
  async tick(): Promise<void> {
    for (const sup of this.takingRunState().sort((a, b) => a.id - b.id)) {
      await this.waitHeld(await sup.request({ type: 'tick-once' }, this.o.requestTimeoutMs));
    }
  }

  /** What the running nodes hold (a starting node's inbox is not steppable yet). */
  pending(): readonly PendingItem[] {
    return [...this.sups.values()].sort((a, b) => a.id - b.id).flatMap((s) => (s.running && s.takesRunState ? [...s.pending] : []));
  }

  /** Waits until every message a step command sent is held at its receiver (or the receiver is gone), paused. */
  private async waitHeld(body: ReplyBody): Promise<void> {
    const sent = body.kind === 'ack' || body.kind === 'proposed' ? body.sent : [];
    if (!this.run.paused || sent.length === 0) return;
    await new Promise<void>((resolve) => {
      const waiter = { ids: new Set(sent), resolve };
      const timer = setTimeout(() => {
        this.heldWaiters.delete(waiter);
        resolve();
      }, this.o.stepSettleMs);
      waiter.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
      this.heldWaiters.add(waiter);
      this.checkHeldWaiters();
    });
  }

  private checkHeldWaiters(): void {
    if (this.heldWaiters.size === 0) return;
    const held = new Set<string>();
    for (const sup of this.sups.values()) for (const item of sup.pending) if (item.kind === 'message') held.add(item.id);
    for (const waiter of this.heldWaiters) {
      for (const id of waiter.ids) {
        const receiver = pendingHolder(id);
        const alive = receiver !== null && this.sups.get(receiver)?.running === true;
        if (held.has(id) || !alive) waiter.ids.delete(id);
      }
      if (waiter.ids.size === 0) {
        this.heldWaiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Questions and requests

  async status(node: NodeId): Promise<NodeStatus> {
    const sup = this.sup(node);
    const body = await sup.request({ type: 'status' }, this.o.requestTimeoutMs);
    if (body.kind !== 'status') throw new Error(`status: unexpected reply ${body.kind}`);
    sup.pending = body.pending;
    this.report({ kind: 'pending' });
    return body.status;
  }

  async propose(node: NodeId, client: string, seq: number, op: KvOp, timeoutMs: number): Promise<ProposeReply> {
    const body = await this.sup(node).request({ type: 'propose', client, seq, op }, timeoutMs);
    if (body.kind !== 'proposed') throw new Error(`propose: unexpected reply ${body.kind}`);
    return body.result;
  }

  async read(node: NodeId, id: string, key: string, lease: boolean, timeoutMs: number): Promise<ReadAskReply> {
    const body = await this.sup(node).request({ type: 'read-index', id, key, lease }, timeoutMs);
    if (body.kind !== 'read-asked') throw new Error(`read: unexpected reply ${body.kind}`);
    return body.result;
  }

  /** A new cluster's state machines know no client yet. */
  lastSeq(): number {
    return 0;
  }

  async confChange(node: NodeId, change: ConfChange): Promise<ProposeResult> {
    const body = await this.sup(node).request({ type: 'conf-change', change }, this.o.requestTimeoutMs);
    if (body.kind !== 'proposed') throw new Error(`conf-change: unexpected reply ${body.kind}`);
    return proposeResultOf(node, body.result);
  }

  async transfer(leader: NodeId, to: NodeId): Promise<void> {
    await this.sup(leader).request({ type: 'transfer', to }, this.o.requestTimeoutMs);
  }

  async readLog(node: NodeId, lo: number, hi: number): Promise<LogRange> {
    const body = await this.sup(node).request({ type: 'read-log', lo, hi }, this.o.requestTimeoutMs);
    if (body.kind !== 'log') throw new Error(`readLog: unexpected reply ${body.kind}`);
    return { node, entries: body.entries, firstIndex: body.firstIndex, lastIndex: body.lastIndex, commit: body.commit };
  }

  /** A running node writes a complete copy of its database to `path` (for export). */
  async exportDatabase(node: NodeId, path: string, timeoutMs: number): Promise<void> {
    await this.sup(node).request({ type: 'export-db', path }, timeoutMs);
  }

  private sup(node: NodeId): NodeSupervisor {
    const sup = this.sups.get(node);
    if (sup === undefined) throw new Error(`node ${node} has no process here`);
    return sup;
  }

  /** Running nodes past start-up: those that follow the run state. */
  private takingRunState(): NodeSupervisor[] {
    return [...this.sups.values()].filter((s) => s.running && s.takesRunState);
  }
}

/** The core's shape of a node process's answer; a stopping node cannot be asked, like one that is down. */
function proposeResultOf(node: NodeId, r: ProposeReply): ProposeResult {
  if (r.ok) return r;
  switch (r.reason) {
    case 'stopping': throw new Error(`node ${node}: stopping${r.detail ? `: ${r.detail}` : ''}`);
    case 'invalid-conf-change': return { ok: false, refusal: { reason: r.reason, leader: r.leader, detail: r.detail } };
    default: return { ok: false, refusal: { reason: r.reason, leader: r.leader } };
  }
}
