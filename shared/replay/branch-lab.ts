/**
 * A branch: the recorded cluster as it was at one event, continued as a LIVE simulated cluster.
 * The nodes are rebuilt exactly as they were (branch-point.ts) and handed to the shared
 * Simulator (shared/sim), and this class is the LabApi over it, so the renderer's live controls
 * drive a branch unchanged: play and pause, speed, Tick +1, deliver or drop one pending message
 * (the messages in flight at the branch point start out pending: "what if this one had been
 * dropped?"), fire a timeout, crash / stop / restart, link faults and named partitions, client
 * requests against the KV state as it was, membership changes and leadership transfer.
 *
 * It is a thin composition: the simulator's lab face (shared/sim/sim-lab.ts: the lab's one
 * cluster engine over simulated nodes), started from the recorded states. Time:
 * simulated ms are the recording's ms; while playing, an injected FrameClock paces it.
 * Deterministic: the same branch point, seed and actions give the same run.
 *
 * Not in a branch (refused with a message): creating or destroying a cluster (leave the branch),
 * export (a branch is not recorded; export the recording instead), and discarding a node's
 * data (a branch has no files).
 */
import type { ClusterOptions, ClusterSnapshot, LabApi, LabEvent } from '../protocol/lab';
import type { RaftNodeFactory } from '../raft/api';
import type { Entry, Message, NodeId } from '../raft/types';
import type { ClientRecord } from '../sim/simulator';
import type { FrameClock } from '../sim/sim-substrate';
import { SimulatedLab } from '../sim/sim-lab';
import { EngineLab } from '../cluster/engine-lab';
import type { LabEngine } from '../cluster/lab-engine';
import { rebuildNode, type NodeBranchState } from './branch-point';

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

export class BranchLab extends EngineLab implements LabApi {
  readonly fromEvent: number;
  private readonly lab: SimulatedLab;

  constructor(spec: BranchSpec, factory: RaftNodeFactory, clock: FrameClock | null = null) {
    super();
    this.fromEvent = spec.position;
    if (spec.states.length === 0) throw new Error(`no node has started by event ${spec.position}: nothing to branch from`);
    const nodes = spec.states.map((s) => rebuildNode(s, factory));
    const inFlight: Message[] = spec.states
      .flatMap((s) => s.inbound)
      .sort((a, b) => a.sentAt - b.sentAt)
      .map((f) => f.message);
    this.lab = new SimulatedLab({
      options: spec.options, factory, start: { nodes, inFlight, paused: true }, seed: spec.seed, frames: clock, atMs: spec.atMs,
      downExit: { reason: 'crashed', detail: `down at event ${spec.position} of the recording` }, closedWhy: 'this branch was closed',
    });
  }

  protected engine(): LabEngine {
    return this.lab.engine;
  }

  /** Events so far that no listener has taken yet go to the first subscriber (the reset). */
  onEvents(listener: (events: readonly LabEvent[]) => void): () => void {
    return this.lab.onEvents(listener);
  }

  /** Stop the clock and go quiet (the page left the branch). */
  close(): void {
    this.lab.close();
  }

  /** Each running node's whole log now (index i at position i; null below its first index), for the log view. */
  logs(): { node: NodeId; entries: (Entry | null)[]; lastIndex: number }[] {
    const sim = this.lab.sim;
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
    return this.lab.sim.stateMachine(node)?.get(key) ?? null;
  }

  /** Every client request made in the branch (for linearizability checks). */
  history(): readonly ClientRecord[] {
    return this.lab.history();
  }

  /** Simulated ms since the branch point. */
  get elapsedMs(): number {
    return this.lab.sim.now;
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
