/** Small drivers for step-mode scenarios over the real simulator and core. */
import type { Message, NodeId } from '../../shared/raft/types';
import type { Simulator } from '../../shared/sim/simulator';

type Pred = (m: Message) => boolean;

/** Delivers pending messages matching `pred`, including ones they cause, until none is left. */
export function deliverAll(sim: Simulator, pred: Pred = () => true, limit = 500): number {
  let n = 0;
  for (; n < limit; n++) {
    const next = sim.pending().find((p) => p.kind === 'message' && pred(p.message));
    if (next === undefined) return n;
    sim.deliver(next.id);
  }
  throw new Error(`deliverAll: still delivering after ${limit} messages`);
}

/** Drops every pending message matching `pred`. */
export function dropAll(sim: Simulator, pred: Pred): number {
  const ids = sim.pending().filter((p) => p.kind === 'message' && pred(p.message)).map((p) => p.id);
  for (const id of ids) sim.drop(id);
  return ids.length;
}

export const from = (node: NodeId): Pred => (m) => m.from === node;
export const to = (node: NodeId): Pred => (m) => m.to === node;

export function roleOf(sim: Simulator, node: NodeId): string {
  const api = sim.node(node);
  if (api === null) return 'crashed';
  const s = api.status();
  return `${s.role}@${s.term}`;
}
