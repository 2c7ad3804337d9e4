/**
 * Membership changes as the lab makes them, written once for every engine: which node to ask,
 * when to ask again, when the change counts as made, and the words the person reads. The engine
 * supplies a MembershipPort (the live lab over node processes and the wall clock, a branch over
 * the simulator and its virtual clock).
 *
 * The procedure: propose the change at the node believed to lead; a refusal naming another
 * leader is asked there at once, any other refusal (no leader yet, a change still pending, a
 * transfer under way) is asked again after RETRY_MS, and an invalid change is refused at once.
 * Paused, nothing commits (or elects a leader) until the person steps, so an accepted change is
 * answered "proposed", and one that would need time to pass is refused with what to step for.
 * Running, the answer waits until a node has applied the entry; a removed node is then stopped.
 */
import type { ProposeResult } from '../raft/api';
import type { ConfChange, NodeId, ProposalRefusal } from '../raft/types';
import { clientAttemptMs } from './client-router';

export interface MembershipResult {
  readonly ok: boolean;
  readonly detail: string;
}

/** What the procedure needs of an engine. Times are the engine's ms (real or virtual). */
export interface MembershipPort {
  /** Whether the lab has (or had) this node, whatever its life. */
  hasNode(node: NodeId): boolean;
  /** The node believed to lead now, or null. */
  leaderHint(): NodeId | null;
  /** Proposes the change at `node`. Rejects when the node cannot be asked (down, stopping, no answer). */
  proposeAt(node: NodeId, change: ConfChange): Promise<ProposeResult>;
  /** Step mode: nothing happens until the person steps. A closed engine counts as paused. */
  paused(): boolean;
  now(): number;
  /**
   * True once some node has applied the entry at (index, term); false after `ms`, or as soon as
   * the cluster is paused (waiting would then last until the person steps).
   */
  waitApplied(index: number, term: number, ms: number): Promise<boolean>;
  /** Resolves after `ms`, or as soon as the cluster is paused. */
  sleep(ms: number): Promise<void>;
  /** Stops a node an applied change removed: it has no cluster left to talk to. */
  stopRemoved(node: NodeId): Promise<void>;
}

/** Wait before asking again after a refusal that gives no other node to ask. */
export const RETRY_MS = 20;
/** Bound on proposals for one change (the deadline ends it first at RETRY_MS apart). */
const MAX_ATTEMPTS = 1000;

/**
 * How long one change may take, in the engine's ms: four client attempts of three election
 * timeouts each, each attempt 300 ms to 5 s, and never under 5 s. `electionMs` is an election
 * timeout in the engine's time (real ms at the live lab's speed; virtual ms in a simulation).
 */
export function changeDeadlineMs(electionMs: number): number {
  return Math.max(5000, clientAttemptMs(electionMs) * 4);
}

function describeRefusal(node: NodeId, r: ProposalRefusal): string {
  return `node ${node}: ${r.reason}${r.reason === 'invalid-conf-change' && r.detail ? `: ${r.detail}` : ''}`;
}

function pausedRefusal(last: string): MembershipResult {
  return { ok: false, detail: `${last}; the cluster is paused: step it (until a leader is elected and no change is pending), then try again` };
}

/** Makes one membership change through `port`, retrying as the module comment says. */
export async function changeMembership(port: MembershipPort, change: ConfChange, deadlineMs: number): Promise<MembershipResult> {
  if (!port.hasNode(change.node)) return { ok: false, detail: `node ${change.node} is not in the lab (add it with addNode)` };
  const deadline = port.now() + deadlineMs;
  let target = port.leaderHint();
  let last = 'no leader known';
  // Nodes asked since time last passed: a hint back to one of them is a loop, not news.
  const asked = new Set<NodeId>();
  const later = async (): Promise<void> => {
    await port.sleep(RETRY_MS);
    asked.clear();
    target = port.leaderHint();
  };
  for (let attempt = 0; attempt < MAX_ATTEMPTS && port.now() < deadline; attempt++) {
    if (target === null || asked.has(target)) {
      if (port.paused()) return pausedRefusal(last);
      await later();
      continue;
    }
    asked.add(target);
    let r: ProposeResult;
    try {
      r = await port.proposeAt(target, change);
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
      target = null;
      continue;
    }
    if (!r.ok) {
      last = describeRefusal(target, r.refusal);
      if (r.refusal.reason === 'invalid-conf-change') return { ok: false, detail: last };
      // A hint to a node not asked yet is followed now; otherwise time must pass first.
      target = r.refusal.leader !== 0 ? r.refusal.leader : null;
      continue;
    }
    const proposed: MembershipResult = { ok: true, detail: `${change.type} ${change.node} proposed at index ${r.index} (term ${r.term}); it applies as the cluster is stepped` };
    if (port.paused()) return proposed;
    const applied = await port.waitApplied(r.index, r.term, deadline - port.now());
    if (!applied) {
      // Paused while waiting: the entry stays proposed for the person to step.
      if (port.paused()) return proposed;
      last = `entry ${r.index} (term ${r.term}) was not applied in time`;
      asked.clear();
      target = port.leaderHint();
      continue;
    }
    if (change.type === 'remove') await port.stopRemoved(change.node);
    return { ok: true, detail: `${change.type} ${change.node} applied at index ${r.index}` };
  }
  return { ok: false, detail: `not applied within the deadline: ${last}` };
}

/**
 * Adds a new node: `start` starts it empty (joining) and returns its id, then it becomes a
 * learner or a voter through changeMembership. Paused with no leader known, nothing could add
 * it until the person steps, so no node is started.
 */
export async function addNode(port: MembershipPort, learner: boolean, start: () => Promise<NodeId>, deadlineMs: number): Promise<NodeId> {
  if (port.paused() && port.leaderHint() === null) {
    throw new Error('addNode: no leader is known and the cluster is paused: step it until a leader is elected, then add the node');
  }
  const id = await start();
  const r = await changeMembership(port, learner ? { type: 'add-learner', node: id } : { type: 'add-voter', node: id }, deadlineMs);
  if (!r.ok) throw new Error(`addNode: node ${id} started but was not added: ${r.detail}`);
  return id;
}
