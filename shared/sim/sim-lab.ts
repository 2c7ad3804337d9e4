/**
 * The simulator's lab face: the lab's one cluster engine (shared/cluster/lab-engine.ts) over
 * simulated nodes (sim-substrate.ts), either a fresh cluster or one continued from given node
 * states (a branch of a recording, shared/replay/branch-lab.ts). Its events go out after each
 * action or frame, the first subscriber getting those before it; every client request is kept
 * as a history for linearizability checks.
 */
import type { RaftNodeFactory } from '../raft/api';
import type { ClusterOptions, LabEvent, NodeExit } from '../protocol/lab';
import { EventStream } from '../cluster/event-stream';
import { LabEngine, type EngineRecorder } from '../cluster/lab-engine';
import { observedFromResult } from '../check/linearizability-history';
import { resolveSimOptions } from './options';
import { SimSubstrate, type FrameClock } from './sim-substrate';
import type { ClientRecord, Simulator } from './simulator';
import type { SimStart } from './start';

export interface SimulatedLabOptions {
  /** The cluster's settings (its size is the start's, when one is given). */
  readonly options: ClusterOptions;
  readonly factory: RaftNodeFactory;
  /** Node states to continue from; absent: a fresh cluster of `options.nodes` voters. */
  readonly start?: SimStart;
  /** Seed of the simulation's own randomness (network delays, new nodes); default `options.seed`. */
  readonly seed?: number;
  /** Real time while playing; null: the lab is only stepped (or advanced by hand). */
  readonly frames?: FrameClock | null;
  /** Added to simulated time in the times events carry. */
  readonly atMs?: number;
  /** Why a node that starts out down is down. */
  readonly downExit?: NodeExit;
  /** What a command is told once the lab is closed. */
  readonly closedWhy?: string;
  /**
   * Also told of every client request (a recording of the run: shared/record's RunRecorder,
   * with `factory` a RecordingFactory for the nodes' inputs).
   */
  readonly recorder?: EngineRecorder;
}

export class SimulatedLab {
  readonly engine: LabEngine;
  readonly substrate: SimSubstrate;
  private readonly stream: EventStream;
  private readonly clientHistory: ClientRecord[] = [];
  private readonly also: EngineRecorder | null;

  constructor(o: SimulatedLabOptions) {
    const c = o.options;
    this.also = o.recorder ?? null;
    // The simulated wire: a tenth of a tick, with as much jitter.
    const delayMs = Math.max(1, Math.round(c.tickMs / 10));
    const sim = resolveSimOptions({
      nodes: o.start?.nodes.length ?? c.nodes, seed: (o.seed ?? c.seed) >>> 0, ops: 0, clients: 0, faults: [], tickMs: c.tickMs,
      heartbeatTicks: c.heartbeatTicks, electionTicks: c.electionTicks, preVote: c.preVote, checkQuorum: c.checkQuorum,
      snapshotEvery: c.snapshotEvery, maxTimeMs: 1e10, delayMs, jitterMs: delayMs,
      check: true, stopOnViolation: false,
    });
    const substrate = new SimSubstrate({
      sim, factory: o.factory, start: o.start ?? null, frames: o.frames ?? null, atMs: o.atMs ?? 0,
      downExit: o.downExit ?? { reason: 'crashed', detail: 'down when the simulation started' },
    });
    if (o.start === undefined && c.startPaused === true) substrate.sim.pause();
    this.substrate = substrate;
    this.stream = new EventStream({ now: () => substrate.eventMs, scheduler: null, holdUntilSubscribed: true });
    const initial = substrate.initialNodes();
    const options = { ...c, nodes: initial.length };
    const run = { paused: substrate.sim.isPaused, speed: 1, networkMs: substrate.sim.networkMs };
    this.stream.emit({ type: 'cluster-created', options, nodes: initial.map((n) => n.id) });
    this.stream.emit({ type: 'run-state', paused: run.paused, speed: 1 });
    for (const n of initial) this.stream.emit({ type: 'node-life', node: n.id, life: n.life, exit: n.exit });
    this.engine = new LabEngine(substrate, {
      options, dataDir: '', nodes: initial, initialVoters: o.start === undefined ? initial.map((n) => n.id) : [], run,
      stream: this.stream, checker: null, recorder: this.historyRecorder(), statusRefreshMs: null,
      ...(o.closedWhy === undefined ? {} : { closedWhy: o.closedWhy }),
    });
    void this.engine.settle();
  }

  get sim(): Simulator {
    return this.substrate.sim;
  }

  /** Events so far that no listener has taken yet go to the first subscriber. */
  onEvents(listener: (events: readonly LabEvent[]) => void): () => void {
    return this.engine.onEvents(listener);
  }

  /** Every client request made in the lab: an answer that says nothing of the op's effect leaves it pending. */
  history(): readonly ClientRecord[] {
    return this.clientHistory;
  }

  /** Stops the clock, answers what is in flight and goes quiet. */
  close(): void {
    void this.engine.close();
    this.stream.close();
  }

  private historyRecorder(): EngineRecorder {
    const at = new Map<string, number>();
    return {
      invoke: (opId, client, seq, op, atMs, read) => {
        this.also?.invoke(opId, client, seq, op, atMs, read);
        at.set(opId, this.clientHistory.length);
        this.clientHistory.push({ client, seq, op, ...(read === undefined ? {} : { read }), invokeMs: atMs, completeMs: null, result: null });
      },
      complete: (opId, result, atMs) => {
        this.also?.complete(opId, result, atMs);
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
}
