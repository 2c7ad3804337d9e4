/**
 * Named partitions and the heal rule, once for every engine (the live lab's controller and the
 * simulator's lab face): which directed links a partition cuts, and what every link becomes.
 * Pure.
 */
import type { DirectedLink, LinkFault, NamedPartition } from '../protocol/lab';
import type { NodeId } from '../raft/types';

export function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}

/**
 * `from>to` keys of the directed links `partition` cuts among `members`. `leader` is who
 * `isolate-leader` isolates (null: there is none, which is an error for that partition).
 */
export function cutLinks(members: readonly NodeId[], partition: NamedPartition, leader: NodeId | null = null): Set<string> {
  const nodes = [...new Set(members)].sort((a, b) => a - b);
  const cut = new Set<string>();
  const cutBoth = (a: NodeId, b: NodeId): void => {
    cut.add(linkKey(a, b));
    cut.add(linkKey(b, a));
  };
  const member = (n: NodeId, what: string): void => {
    if (!nodes.includes(n)) throw new Error(`partition ${what}: node ${n} is not in the cluster (nodes ${nodes.join(', ')})`);
  };
  switch (partition.kind) {
    case 'heal':
      return cut;
    case 'isolate':
    case 'isolate-leader': {
      const node = partition.kind === 'isolate' ? partition.node : leader;
      if (node === null) throw new Error('partition isolate-leader: no leader known');
      member(node, partition.kind);
      for (const other of nodes) if (other !== node) cutBoth(node, other);
      return cut;
    }
    case 'split': {
      const groupOf = new Map<NodeId, number>();
      partition.groups.forEach((group, g) => {
        for (const n of group) {
          member(n, 'split');
          if (groupOf.has(n)) throw new Error(`partition split: node ${n} is in more than one group`);
          groupOf.set(n, g);
        }
      });
      // Nodes named in no group form one more group together.
      const rest = partition.groups.length;
      for (const a of nodes) {
        for (const b of nodes) {
          if (a < b && (groupOf.get(a) ?? rest) !== (groupOf.get(b) ?? rest)) cutBoth(a, b);
        }
      }
      return cut;
    }
    case 'ring': {
      // Each node keeps only its two neighbours in id order: a chain closed into a circle.
      const k = nodes.length;
      for (let i = 0; i < k; i++) {
        for (let j = i + 1; j < k; j++) {
          const adjacent = j === i + 1 || (i === 0 && j === k - 1);
          const a = nodes[i];
          const b = nodes[j];
          if (!adjacent && a !== undefined && b !== undefined) cutBoth(a, b);
        }
      }
      return cut;
    }
  }
}

function sameFault(a: LinkFault, b: LinkFault): boolean {
  return a.cut === b.cut && a.loss === b.loss && a.delayMs === b.delayMs && a.jitterMs === b.jitterMs && a.duplicate === b.duplicate && a.reorder === b.reorder;
}

/**
 * The links that `partition` changes, with what each becomes. Heal gives every link back its
 * `healthy` settings (cuts, loss, delay, duplication and reordering all go); any other partition
 * replaces the cuts of the one before and keeps each link's other faults.
 */
export function linksAfterPartition(
  members: readonly NodeId[],
  partition: NamedPartition,
  leader: NodeId | null,
  current: (from: NodeId, to: NodeId) => LinkFault,
  healthy: LinkFault,
): (DirectedLink & { readonly fault: LinkFault })[] {
  const cut = cutLinks(members, partition, leader);
  const changed: (DirectedLink & { readonly fault: LinkFault })[] = [];
  for (const from of members) {
    for (const to of members) {
      if (from === to) continue;
      const before = current(from, to);
      const after: LinkFault = partition.kind === 'heal' ? healthy : { ...before, cut: cut.has(linkKey(from, to)) };
      if (!sameFault(before, after)) changed.push({ from, to, fault: after });
    }
  }
  return changed;
}
