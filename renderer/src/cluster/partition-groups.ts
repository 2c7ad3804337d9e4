/**
 * Which nodes can still talk: groups of nodes joined by links open in both directions (the
 * connected components). One group means no partition; more mean the cluster is split, and the
 * cluster view labels each node with its group.
 */
import type { NodeId } from '../../../shared/raft/types';

export function partitionGroups(ids: readonly NodeId[], cut: ReadonlySet<string>): NodeId[][] {
  const parent = new Map<NodeId, NodeId>(ids.map((id) => [id, id]));
  const find = (x: NodeId): NodeId => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) as NodeId;
    parent.set(x, r);
    return r;
  };
  for (const a of ids) for (const b of ids) {
    if (a < b && !cut.has(`${a}-${b}`) && !cut.has(`${b}-${a}`)) parent.set(find(a), find(b));
  }
  const groups = new Map<NodeId, NodeId[]>();
  for (const id of ids) {
    const r = find(id);
    groups.set(r, [...(groups.get(r) ?? []), id]);
  }
  // Largest group first (the majority side, when there is one), then by lowest id.
  return [...groups.values()].sort((x, y) => y.length - x.length || (x[0] ?? 0) - (y[0] ?? 0));
}
