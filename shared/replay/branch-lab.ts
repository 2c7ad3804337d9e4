/**
 * A branch: the recorded cluster as it was at one event, continued as a LIVE simulated cluster.
 * The nodes are rebuilt exactly as they were (branch-point.ts) and handed to the shared
 * Simulator (shared/sim), and this class is the LabApi over it, so the renderer's live controls
 * drive a branch unchanged: play and pause, speed, Tick +1, deliver or drop one pending message
 * (the messages in flight at the branch point start out pending: "what if this one had been
 * dropped?"), fire a timeout, crash / stop / restart, link faults and named partitions, client
 * requests against the KV state as it was, membership changes and leadership transfer.
 *
 * It is a thin composition: the lab's one cluster engine (shared/cluster/lab-engine.ts) over
 * simulated nodes (shared/sim/sim-substrate.ts), started from the recorded states. Time:
 * simulated ms are the recording's ms; while playing, an injected FrameClock paces it.
 * Deterministic: the same branch point, seed and actions give the same run.
 *
 * Not in a branch (refused with a message): creating or destroying a cluster (leave the branch),
 * export (a branch is not recorded; export the recording instead), and discarding a node's
 * data (a branch has no files).
 */
import type {
  ClusterOptions, ClusterSnapshot, DirectedLink, KvOp, KvResult, LabApi, LabEvent, LinkFault, LogRange, NamedPartition,
  Pace, SubmitOptions,
} from '../protocol/lab';
import type { RaftNodeFactory } from '../raft/api';
import type { ConfChange, Entry, Message, NodeId } from '../raft/types';
import { resolveSimOptions } from '../sim/options';
import type { ClientRecord } from '../sim/simulator';
import { SimSubstrate, type FrameClock } from '../sim/sim-substrate';
import { rebuildNode, type NodeBranchState } from './branch-point';
import { EventStream } from '../cluster/event-stream';
import { LabEngine, type EngineRecorder } from '../cluster/lab-engine';
import type { MembershipResult } from '../cluster/membership';
import { observedFromResult } from '../check/linearizability-history';

export type { FrameClock } from '../sim/sim-substrate';

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

const LEAVE_FIRST = 'leave the branch first (Back to replay)';

export class BranchLab implements LabApi {
  readonly fromEvent: number;
  private readonly substrate: SimSubstrate;
  private readonly engine: LabEngine;
  private readonly events: EventStream;
  private readonly clientHistory: ClientRecord[] = [];

  constructor(spec: BranchSpec, factory: RaftNodeFactory, clock: FrameClock | null = null) {
    this.fromEvent = spec.position;
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
    const substrate = new SimSubstrate({
      sim: simOptions, factory, start: { nodes, inFlight, paused: true }, frames: clock, atMs: spec.atMs,
      downExit: { reason: 'crashed', detail: `down at event ${spec.position} of the recording` },
    });
    this.substrate = substrate;
    // Events go out after each action or frame, the first subscriber getting those before it.
    this.events = new EventStream({ now: () => substrate.eventMs, scheduler: null, holdUntilSubscribed: true });
    const options = { ...o, nodes: nodes.length };
    const initial = substrate.initialNodes();
    this.events.emit({ type: 'cluster-created', options, nodes: initial.map((n) => n.id) });
    this.events.emit({ type: 'run-state', paused: true, speed: 1 });
    for (const n of initial) this.events.emit({ type: 'node-life', node: n.id, life: n.life, exit: n.exit });
    this.engine = new LabEngine(substrate, {
      options, dataDir: '', nodes: initial, initialVoters: [], run: { paused: true, speed: 1, networkMs: substrate.sim.networkMs },
      stream: this.events, checker: null, recorder: this.historyRecorder(), statusRefreshMs: null, closedWhy: 'this branch was closed',
    });
    void this.engine.settle();
  }

  /** Every client request of the branch, for linearizability checks: an answer that says nothing of the op's effect leaves it pending. */
  private historyRecorder(): EngineRecorder {
    const at = new Map<string, number>();
    return {
      invoke: (opId, client, seq, op, atMs, read) => {
        at.set(opId, this.clientHistory.length);
        this.clientHistory.push({ client, seq, op, ...(read === undefined ? {} : { read }), invokeMs: atMs, completeMs: null, result: null });
      },
      complete: (opId, result, atMs) => {
        const i = at.get(opId);
        if (i === undefined) return;
        at.delete(opId);
        if (observedFromResult(result) === null) return;
        this.clientHistory[i] = { ...this.clientHistory[i]!, completeMs: atMs, result };
      },
      nodeDown: () => undefined,
      fromNode: () => null,
    };
  }

  /** Events so far that no listener has taken yet go to the first subscriber (the reset). */
  onEvents(listener: (events: readonly LabEvent[]) => void): () => void {
    return this.engine.onEvents(listener);
  }

  /** Stop the clock and go quiet (the page left the branch). */
  close(): void {
    void this.engine.close();
    this.events.close();
  }

  // -------------------------------------------------------------------------------------------
  // The LabApi: the engine's

  snapshot(): Promise<ClusterSnapshot> { return this.engine.snapshot(); }
  setPaused(paused: boolean): Promise<void> { return this.engine.setPaused(paused); }
  setSpeed(speed: number): Promise<void> { return this.engine.setSpeed(speed); }
  setPace(pace: Pace): Promise<void> { return this.engine.setPace(pace); }
  tickOnce(ticks = 1): Promise<void> { return this.engine.tickOnce(ticks); }
  deliver(pendingId: string): Promise<void> { return this.engine.deliver(pendingId); }
  drop(pendingId: string): Promise<void> { return this.engine.drop(pendingId); }
  fireTimeout(node: NodeId): Promise<void> { return this.engine.fireTimeout(node); }
  crashNode(node: NodeId): Promise<void> { return this.engine.crashNode(node); }
  stopNode(node: NodeId): Promise<void> { return this.engine.stopNode(node); }
  setNodePaused(node: NodeId, paused: boolean): Promise<void> { return this.engine.setNodePaused(node, paused); }
  restartNode(node: NodeId): Promise<void> { return this.engine.restartNode(node); }
  setLinkFault(link: DirectedLink, fault: Partial<LinkFault>): Promise<void> { return this.engine.setLinkFault(link, fault); }
  partition(p: NamedPartition): Promise<void> { return this.engine.partition(p); }
  submit(op: KvOp, options: SubmitOptions = {}): Promise<KvResult> { return this.engine.submit(op, options); }
  addNode(options: { readonly learner: boolean }): Promise<NodeId> { return this.engine.addNode(options); }
  changeMembership(change: ConfChange): Promise<MembershipResult> { return this.engine.changeMembership(change); }
  transferLeadership(to: NodeId): Promise<void> { return this.engine.transferLeadership(to); }
  readLog(node: NodeId, lo: number, hi: number): Promise<LogRange> { return this.engine.readLog(node, lo, hi); }

  // -------------------------------------------------------------------------------------------
  // A branch's own

  /** Each running node's whole log now (index i at position i; null below its first index), for the log view. */
  logs(): { node: NodeId; entries: (Entry | null)[]; lastIndex: number }[] {
    const sim = this.substrate.sim;
    const out: { node: NodeId; entries: (Entry | null)[]; lastIndex: number }[] = [];
    for (const id of sim.nodeIds()) {
      const api = sim.node(id);
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
    return this.substrate.sim.stateMachine(node)?.get(key) ?? null;
  }

  /** Every client request made in the branch (for linearizability checks). */
  history(): readonly ClientRecord[] {
    return this.clientHistory;
  }

  /** Simulated ms since the branch point. */
  get elapsedMs(): number {
    return this.substrate.sim.now;
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
