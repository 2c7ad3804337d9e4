/**
 * Simulated nodes as the cluster engine's substrate (shared/cluster/substrate.ts): the nodes
 * live in one Simulator, in this process, on simulated time. The simulator's lab face
 * (sim-lab.ts) puts the engine over it, fresh or continued from a branch of a recording.
 *
 * Time: simulated ms. While playing, an injected FrameClock (timers live in the renderer, not in
 * shared/) reports real elapsed time and the simulation advances by that times the speed.
 */
import type { RaftNodeFactory } from '../raft/api';
import type { ConfChange, NodeId, NodeStatus } from '../raft/types';
import type { KvOp, LogRange, NodeExit, PendingItem } from '../protocol/lab';
import type { NodeStart, ProposeReply, ReadAskReply } from '../protocol/node-ipc';
import type { LabClock } from '../cluster/clock';
import type { ChangedLink } from '../cluster/link-table';
import { messageId } from '../cluster/pending-ids';
import type { RunState, Substrate, SubstrateReport } from '../cluster/substrate';
import type { SimOptions } from './options';
import { Simulator } from './simulator';
import type { SimNotice, SimStart } from './start';

/** Real time for a playing simulation: calls `onFrame` with the real ms since its last call until stopped. */
export interface FrameClock {
  start(onFrame: (elapsedMs: number) => void): () => void;
}

export interface SimSubstrateOptions {
  readonly sim: SimOptions;
  readonly factory: RaftNodeFactory;
  /** Node states to continue from; null: a fresh cluster. */
  readonly start: SimStart | null;
  /** Null: the simulation cannot play, only be stepped. */
  readonly frames: FrameClock | null;
  /** Added to simulated time in the times events carry (a branch: the recording's time at its branch point). */
  readonly atMs: number;
  /** Why a node that starts out down is down. */
  readonly downExit: NodeExit;
}

/** Most real ms one frame may cover (a throttled background tab must not leap ahead). */
const MAX_FRAME_MS = 250;

export class SimSubstrate implements Substrate {
  readonly sim: Simulator;
  private report: ((r: SubstrateReport) => void) | null = null;
  private early: SubstrateReport[] = [];
  private readonly frames: FrameClock | null;
  private readonly atMs: number;
  private readonly downExit: NodeExit;
  /** Nodes asked to stop cleanly (their next down is a clean exit). */
  private readonly stopping = new Set<NodeId>();
  private stopFrames: (() => void) | null = null;
  private speed = 1;

  constructor(o: SimSubstrateOptions) {
    this.frames = o.frames;
    this.atMs = o.atMs;
    this.downExit = o.downExit;
    this.sim = new Simulator(o.sim, o.factory, { ...(o.start === null ? {} : { start: o.start }), onNotice: (n) => this.onNotice(n) });
  }

  get clock(): LabClock {
    return this.sim.clock;
  }

  /** Simulated ms are the cluster's own ms, whatever the speed (speed only paces the frames). */
  clockMs(labMs: number): number {
    return labMs;
  }

  /** The time events carry: the recording's ms. */
  get eventMs(): number {
    return this.atMs + this.sim.now;
  }

  listen(report: (r: SubstrateReport) => void): void {
    this.report = report;
    const early = this.early;
    this.early = [];
    for (const r of early) report(r);
  }

  private tell(r: SubstrateReport): void {
    if (this.report === null) this.early.push(r);
    else this.report(r);
  }

  private onNotice(n: SimNotice): void {
    switch (n.kind) {
      case 'sent':
      case 'delivered':
        this.tell({ kind: 'message', what: n.kind, msgId: messageId(n.msg.from, 0, n.id, n.msg.to), message: n.msg });
        return;
      case 'dropped':
        this.tell({ kind: 'message', what: 'dropped', msgId: messageId(n.msg.from, 0, n.id, n.msg.to), message: n.msg, why: n.why });
        return;
      case 'ready': {
        const rd = n.ready;
        this.tell({ kind: 'role', node: n.node, role: rd.softState.role, leader: rd.softState.leader, term: rd.hardState?.term ?? null });
        const applied = rd.committedEntries;
        for (const e of applied) if (e.kind === 'conf') this.tell({ kind: 'conf-applied', index: e.index, term: e.term });
        const first = applied[0];
        const last = applied[applied.length - 1];
        if (first !== undefined && last !== undefined) this.tell({ kind: 'applied', node: n.node, from: first.index, to: last.index });
        return;
      }
      case 'life':
        if (n.up) {
          this.stopping.delete(n.node);
          this.tell({ kind: 'up', node: n.node });
        } else {
          const exit: NodeExit = this.stopping.has(n.node) ? { reason: 'clean-exit' } : { reason: 'crashed', detail: 'crashed in the branch' };
          this.tell({ kind: 'down', node: n.node, exit });
        }
        return;
      case 'violation':
        this.tell({ kind: 'violation', violation: n.violation });
        return;
      case 'answered':
        this.tell({ kind: 'answered', results: n.results });
        return;
      case 'served':
        this.tell({ kind: 'read-served', node: n.node, reads: n.reads });
        return;
    }
  }

  /** The nodes as the engine first sees them: up, or down since before the branch point. */
  initialNodes(): { id: NodeId; life: 'running' | 'crashed'; exit: NodeExit | null }[] {
    return this.sim.nodeIds().map((id) => (this.sim.node(id) !== null ? { id, life: 'running', exit: null } : { id, life: 'crashed', exit: this.downExit }));
  }

  start(nodes: readonly NodeId[], start: NodeStart): Promise<void> {
    for (const node of nodes) {
      if (node <= this.sim.nodeIds().length) this.sim.restart(node);
      else if (start.kind === 'join' && node === this.sim.nodeIds().length + 1) this.sim.addNode();
      else throw new Error(`node ${node}: a simulated cluster adds nodes in order (next is ${this.sim.nodeIds().length + 1})`);
    }
    return Promise.resolve();
  }

  crash(node: NodeId): Promise<void> {
    this.stopping.delete(node);
    this.sim.crash(node);
    return Promise.resolve();
  }

  /** A clean stop: in a simulation the disk already holds everything, so it is a crash by another name. */
  stop(node: NodeId): Promise<void> {
    this.stopping.add(node);
    this.sim.crash(node);
    return Promise.resolve();
  }

  setRun(run: RunState): Promise<void> {
    if (!run.paused && this.sim.isPaused && this.frames === null) throw new Error('play needs a clock, and this branch was built without one');
    this.sim.setNetworkMs(run.networkMs);
    this.speed = run.speed;
    if (run.paused && !this.sim.isPaused) {
      this.sim.pause();
      this.stopFrames?.();
      this.stopFrames = null;
    } else if (!run.paused && this.sim.isPaused) {
      this.sim.resume();
      this.stopFrames = this.frames!.start((ms) => this.onFrame(ms));
    }
    return Promise.resolve();
  }

  setNodePaused(node: NodeId, paused: boolean): Promise<void> {
    this.sim.setNodePaused(node, paused);
    return Promise.resolve();
  }

  private onFrame(elapsedMs: number): void {
    if (this.sim.isPaused) return;
    this.sim.advance(Math.max(0, Math.min(elapsedMs, MAX_FRAME_MS)) * this.speed);
    this.tell({ kind: 'frame' });
  }

  setLinks(changed: readonly ChangedLink[]): Promise<void> {
    for (const { from, to, fault } of changed) this.sim.setLinkFault(from, to, fault);
    return Promise.resolve();
  }

  deliver(_holder: NodeId, pendingId: string): Promise<void> {
    this.sim.deliver(pendingId);
    return Promise.resolve();
  }

  drop(_holder: NodeId, pendingId: string): Promise<void> {
    this.sim.drop(pendingId);
    return Promise.resolve();
  }

  fire(node: NodeId): Promise<void> {
    this.sim.fireTimeout(node);
    return Promise.resolve();
  }

  tick(): Promise<void> {
    this.sim.tickOnce();
    return Promise.resolve();
  }

  pending(): readonly PendingItem[] {
    const messages = this.sim.pending().map((p) => (p.kind === 'message' ? { ...p, heldAtMs: this.atMs + p.heldAtMs } : p));
    return this.sim.isPaused ? [...messages, ...this.sim.dueTimeouts()] : messages;
  }

  status(node: NodeId): NodeStatus {
    const api = this.sim.node(node);
    if (api === null) throw new Error(`node ${node} is down`);
    return api.status();
  }

  propose(node: NodeId, client: string, seq: number, op: KvOp): ProposeReply {
    return this.sim.proposeAs(node, client, seq, op);
  }

  read(node: NodeId, id: string, key: string, lease: boolean): ReadAskReply {
    return this.sim.readAt(node, id, key, lease);
  }

  lastSeq(client: string): number {
    return this.sim.lastSeqOf(client);
  }

  confChange(node: NodeId, change: ConfChange): Promise<ReturnType<Simulator['proposeConfChange']>> {
    try {
      return Promise.resolve(this.sim.proposeConfChange(change, node));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  transfer(leader: NodeId, to: NodeId): Promise<void> {
    this.sim.transferLeadership(to, leader);
    return Promise.resolve();
  }

  readLog(node: NodeId, lo: number, hi: number): Promise<LogRange> {
    const api = this.sim.node(node);
    if (api === null) return Promise.reject(new Error(`readLog: node ${node} is down`));
    const s = api.status();
    return Promise.resolve({ node, entries: api.entries(lo, hi), firstIndex: s.firstIndex, lastIndex: s.lastIndex, commit: s.commit });
  }

  shutdown(): Promise<void> {
    this.stopFrames?.();
    this.stopFrames = null;
    return Promise.resolve();
  }
}
