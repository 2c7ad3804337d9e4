/**
 * The LabApi's cluster commands, answered by the lab's one engine (lab-engine.ts). A host
 * (LabController over node processes, BranchLab over simulated nodes) extends it and says where
 * its engine is; it adds only what is its own.
 */
import type { ConfChange, NodeId } from '../raft/types';
import type { ClusterSnapshot, DirectedLink, KvOp, KvResult, LinkFault, LogRange, NamedPartition, Pace, SubmitOptions } from '../protocol/lab';
import type { LabEngine } from './lab-engine';
import type { MembershipResult } from './membership';

export abstract class EngineLab {
  /** The engine of the running cluster; throws, saying why, when there is none. */
  protected abstract engine(): LabEngine;

  snapshot(): Promise<ClusterSnapshot> { return this.call((e) => e.snapshot()); }
  crashNode(node: NodeId): Promise<void> { return this.call((e) => e.crashNode(node)); }
  restartNode(node: NodeId): Promise<void> { return this.call((e) => e.restartNode(node)); }
  stopNode(node: NodeId): Promise<void> { return this.call((e) => e.stopNode(node)); }
  setNodePaused(node: NodeId, paused: boolean): Promise<void> { return this.call((e) => e.setNodePaused(node, paused)); }
  addNode(options: { readonly learner: boolean }): Promise<NodeId> { return this.call((e) => e.addNode(options)); }
  changeMembership(change: ConfChange): Promise<MembershipResult> { return this.call((e) => e.changeMembership(change)); }
  transferLeadership(to: NodeId): Promise<void> { return this.call((e) => e.transferLeadership(to)); }
  setPaused(paused: boolean): Promise<void> { return this.call((e) => e.setPaused(paused)); }
  setSpeed(speed: number): Promise<void> { return this.call((e) => e.setSpeed(speed)); }
  setPace(pace: Pace): Promise<void> { return this.call((e) => e.setPace(pace)); }
  deliver(pendingId: string): Promise<void> { return this.call((e) => e.deliver(pendingId)); }
  drop(pendingId: string): Promise<void> { return this.call((e) => e.drop(pendingId)); }
  fireTimeout(node: NodeId): Promise<void> { return this.call((e) => e.fireTimeout(node)); }
  tickOnce(ticks = 1): Promise<void> { return this.call((e) => e.tickOnce(ticks)); }
  setLinkFault(link: DirectedLink, fault: Partial<LinkFault>): Promise<void> { return this.call((e) => e.setLinkFault(link, fault)); }
  partition(partition: NamedPartition): Promise<void> { return this.call((e) => e.partition(partition)); }
  submit(op: KvOp, options?: SubmitOptions): Promise<KvResult> { return this.call((e) => e.submit(op, options)); }
  readLog(node: NodeId, lo: number, hi: number): Promise<LogRange> { return this.call((e) => e.readLog(node, lo, hi)); }

  private call<T>(run: (engine: LabEngine) => Promise<T>): Promise<T> {
    try {
      return run(this.engine());
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
