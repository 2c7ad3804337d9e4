/**
 * The lab's nodes as a person sees them, for the engine: each node's life, why it last stopped,
 * its last status and its own pause, and which node leads (the leader of the highest term the
 * nodes report). It emits the events these changes make (node-life, node-status, role-change) and
 * tells the engine's client router when a leader is lost or becomes known.
 */
import type { NodeId, NodeStatus, Role } from '../raft/types';
import type { NodeExit, NodeLife, NodeView } from '../protocol/lab';
import type { LabEventInput } from './event-stream';
import { isUp, notInLab, notUp } from './lab-checks';
import type { RunState } from './substrate';

export interface NodeRecord {
  readonly id: NodeId;
  life: NodeLife;
  exit: NodeExit | null;
  status: NodeStatus | null;
  /** The node's own pause (independent of the cluster's). */
  selfPaused: boolean;
}

export interface NodeTableHooks {
  emit(e: LabEventInput): void;
  /** `node` stopped leading, or went down. */
  leaderLost(node: NodeId): void;
  /** A (new) leader became known. */
  leaderKnown(): void;
}

export class NodeTable {
  private readonly nodes = new Map<NodeId, NodeRecord>();
  private leader: { node: NodeId; term: number } | null = null;

  constructor(initial: readonly { readonly id: NodeId; readonly life: NodeLife; readonly exit: NodeExit | null }[], private readonly hooks: NodeTableHooks) {
    for (const n of initial) this.add(n.id, n.life, n.exit);
  }

  add(id: NodeId, life: NodeLife = 'stopped', exit: NodeExit | null = null): NodeRecord {
    const rec = { id, life, exit, status: null, selfPaused: false };
    this.nodes.set(id, rec);
    return rec;
  }

  get size(): number {
    return this.nodes.size;
  }

  has(node: NodeId): boolean {
    return this.nodes.has(node);
  }

  /** The node's record (throws, naming the lab's nodes, for one it does not have). */
  rec(node: NodeId): NodeRecord {
    const rec = this.nodes.get(node);
    if (rec === undefined) throw notInLab(node, this.nodes.keys());
    return rec;
  }

  /** Every node the lab has, in id order. */
  ids(): NodeId[] {
    return [...this.nodes.keys()].sort((a, b) => a - b);
  }

  view(node: NodeId): NodeView {
    const rec = this.rec(node);
    return { id: node, life: rec.life, status: isUp(rec.life) ? rec.status : null, exit: rec.exit };
  }

  /** The node believed to lead, if it is up. */
  leaderHint(): NodeId | null {
    const known = this.leader;
    if (known === null) return null;
    const rec = this.nodes.get(known.node);
    return rec !== undefined && isUp(rec.life) ? known.node : null;
  }

  setLife(rec: NodeRecord, life: NodeLife, exit: NodeExit | null): void {
    if (rec.life === life && life !== 'starting' && exit === rec.exit) return;
    rec.life = life;
    rec.exit = exit;
    if (!isUp(life)) rec.status = null;
    this.hooks.emit({ type: 'node-life', node: rec.id, life, exit });
  }

  /** The node is up and linked: it runs, or is paused (by the cluster or on its own). */
  up(node: NodeId, clusterPaused: boolean): void {
    const rec = this.rec(node);
    this.setLife(rec, clusterPaused || rec.selfPaused ? 'paused' : 'running', null);
  }

  down(node: NodeId, exit: NodeExit): void {
    this.setLife(this.rec(node), exit.reason === 'clean-exit' ? 'stopped' : 'crashed', exit);
    this.hooks.leaderLost(node);
    if (this.leader?.node === node) this.leader = null;
  }

  /** A status the node reported when asked. */
  setStatus(node: NodeId, status: NodeStatus): void {
    this.rec(node).status = status;
    this.hooks.emit({ type: 'node-status', status });
    this.noteRole(node, status.role, status.leader, status.term);
  }

  /** What a node's Ready or status says of its role, its leader and its term. */
  noteRole(node: NodeId, role: Role, leader: NodeId, term: number): void {
    const rec = this.rec(node);
    const before = rec.status;
    if (before === null || before.role !== role || before.term !== term) {
      if (before === null || before.role !== role) this.hooks.emit({ type: 'role-change', node, role, term });
      if (before?.role === 'leader' && role !== 'leader') this.hooks.leaderLost(node);
      if (before !== null) rec.status = { ...before, role, term, leader };
    }
    const known = this.leader;
    if (role === 'leader' && (known === null || term >= known.term)) this.leader = { node, term };
    else if (leader !== 0 && (known === null || term > known.term)) this.leader = { node: leader, term };
    else if (known?.node === node && role !== 'leader') this.leader = null;
    if (this.leader !== null && (known === null || known.node !== this.leader.node)) this.hooks.leaderKnown();
  }

  checkUp(what: 'crashNode' | 'stopNode' | 'setNodePaused' | 'fireTimeout', node: NodeId): void {
    const rec = this.rec(node);
    if (!isUp(rec.life)) throw notUp(what, node, rec.life);
  }

  /** Running nodes past start-up. */
  upIds(): NodeId[] {
    return this.ids().filter((id) => {
      const life = this.nodes.get(id)!.life;
      return life === 'running' || life === 'paused';
    });
  }

  /** Nodes a client may ask: up, past start-up, and not paused on their own (a paused node's process is stopped). */
  askable(): NodeId[] {
    return this.upIds().filter((id) => !this.nodes.get(id)!.selfPaused);
  }

  checkAskable(node: NodeId): void {
    const rec = this.rec(node);
    if (rec.life !== 'running' && rec.life !== 'paused') throw new Error(`node ${node} is ${rec.life}`);
    if (rec.selfPaused) throw new Error(`node ${node} is paused`);
  }

  /** A node's run state: the cluster's, paused also when the node is paused on its own. */
  runOf(node: NodeId, run: RunState): RunState {
    return { ...run, paused: run.paused || (this.nodes.get(node)?.selfPaused ?? false) };
  }
}
