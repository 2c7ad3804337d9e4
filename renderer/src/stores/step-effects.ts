/**
 * Which of the events after a step the step caused, and which came from the person's own actions
 * meanwhile. "Last step: Delivered PreVote 3→1 • node 1 crashed (killed)" read as if delivering a
 * vote request could crash a node: a node's life (start, crash, stop, pause) never follows from a
 * delivery, a timeout or a tick, and neither do drops at a cut link or a crashed node once the
 * person cut or crashed something. Those are listed under the action that did them (or as not
 * caused by the step when no action of the person's explains them).
 */
import type { LabEvent } from '../../../shared/protocol/lab';
import type { NodeId } from '../../../shared/raft/types';

/** The parts of an event-log line (the traffic store's EventLine) the split reads. */
export interface EffectLine {
  readonly seq: number;
  readonly type: LabEvent['type'];
  readonly text: string;
  /** The node a lifecycle event is about. */
  readonly node?: NodeId;
  /** Why a dropped message was dropped. */
  readonly dropWhy?: string;
}

/** Something the person did through a lab verb (crash, partition, ...), noted by the lab store. */
export interface UserAction {
  /** "crashed node 1", "isolated node 3". */
  readonly what: string;
  readonly node: NodeId | null;
  /** The newest event seq when it was asked for: what follows may be its doing. */
  readonly afterSeq: number;
}

export interface SplitEffects<L extends EffectLine = EffectLine> {
  /** Effects of the step itself. */
  readonly caused: readonly L[];
  /** The person's actions after the step, each with the events that are its doing. */
  readonly yours: readonly { readonly action: UserAction; readonly events: readonly L[] }[];
  /** Node lifecycle events no action of the person's explains (a process that failed by itself). */
  readonly outside: readonly L[];
}

/** Events that a step (delivery, timeout, tick) can never cause. */
function notFromAStep(l: EffectLine): boolean {
  return l.type === 'node-life';
}

/** Events an action can cause and a step also can: drops at a cut link or a down node. */
function fromAnAction(l: EffectLine): boolean {
  return l.type === 'message-dropped' && (l.dropWhy === 'cut' || l.dropWhy === 'crashed');
}

export function splitEffects<L extends EffectLine>(lines: readonly L[], actions: readonly UserAction[], stepAfterSeq: number): SplitEffects<L> {
  const mine = actions.filter((a) => a.afterSeq >= stepAfterSeq).map((action) => ({ action, events: [] as L[] }));
  const caused: L[] = [];
  const outside: L[] = [];
  for (const l of lines) {
    // The newest action asked for before this event, preferring one about the same node.
    const before = mine.filter((m) => m.action.afterSeq < l.seq);
    const owner = before.filter((m) => m.action.node !== null && m.action.node === l.node).pop() ?? before[before.length - 1];
    if (notFromAStep(l)) {
      const sameNode = owner && (owner.action.node === null || owner.action.node === l.node);
      if (owner && sameNode) owner.events.push(l);
      else outside.push(l);
    } else if (owner && fromAnAction(l)) {
      owner.events.push(l);
    } else {
      caused.push(l);
    }
  }
  return { caused, yours: mine, outside };
}
