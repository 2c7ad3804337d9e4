/**
 * The lab's checks on a command and the words it refuses with, once for every engine: a node
 * the lab does not have, a node that must be up (crash, stop, pause, fire its timeout) or down
 * (restart), a tick count or a pace out of bounds.
 */
import { MAX_NETWORK_MS, MAX_TICKS_PER_STEP, SPEED_MAX, SPEED_MIN } from '../limits';
import type { NodeLife, Pace } from '../protocol/lab';
import type { NodeId } from '../raft/types';

type NeedsUp = 'crashNode' | 'stopNode' | 'setNodePaused' | 'fireTimeout';

/** A node whose process (or simulated instance) is up, whether it runs, is paused or still starts. */
export function isUp(life: NodeLife): boolean {
  return life === 'running' || life === 'paused' || life === 'starting';
}

/** `what`: the command, when the error names it. */
export function notInLab(node: NodeId, members: Iterable<NodeId>, what?: 'submit'): Error {
  return new Error(`${what === undefined ? '' : `${what}: `}node ${node} is not in the lab (nodes ${[...members].sort((a, b) => a - b).join(', ')})`);
}

export function notUp(what: NeedsUp, node: NodeId, life: NodeLife): Error {
  return new Error(`${what}: node ${node} is not running (it is ${life})`);
}

export function alreadyUp(node: NodeId): Error {
  return new Error(`restartNode: node ${node} is already running`);
}

/** Throws unless `node` is one of the lab's `members`. */
export function checkMember(node: NodeId, members: readonly NodeId[], what?: 'submit'): void {
  if (!members.includes(node)) throw notInLab(node, members, what);
}

/** Throws unless the node is up, for a command that needs it. */
export function checkUp(what: NeedsUp, node: NodeId, life: NodeLife): void {
  if (!isUp(life)) throw notUp(what, node, life);
}

/** Throws unless the node is down, to be restarted. */
export function checkDown(node: NodeId, life: NodeLife): void {
  if (isUp(life)) throw alreadyUp(node);
}

export function checkTicks(ticks: number): void {
  if (!Number.isInteger(ticks) || ticks < 1 || ticks > MAX_TICKS_PER_STEP) throw new Error(`tickOnce: ticks must be a whole number from 1 to ${MAX_TICKS_PER_STEP}, got ${ticks}`);
}

/** `what`: the command that sets it (setPace, or createCluster for the starting pace). */
export function checkPace(pace: Pace, what: 'setPace' | 'createCluster: pace' = 'setPace'): void {
  if (!(pace.speed >= SPEED_MIN && pace.speed <= SPEED_MAX)) throw new Error(`${what}${what === 'setPace' ? ': ' : '.'}speed must be between ${SPEED_MIN} and ${SPEED_MAX}, got ${pace.speed}`);
  if (!(pace.networkMs >= 0 && pace.networkMs <= MAX_NETWORK_MS)) throw new Error(`${what}${what === 'setPace' ? ': ' : '.'}networkMs must be between 0 and ${MAX_NETWORK_MS}, got ${pace.networkMs}`);
}
