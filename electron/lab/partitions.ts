/**
 * Named partitions as sets of cut directed links. Pure: given the members and a partition, which
 * directed links are cut. The controller merges the result into its per-link faults.
 */
import type { NodeId } from '../../shared/raft/types';
import type { NamedPartition } from '../../shared/protocol/lab';

/** `from>to` keys of the directed links a partition cuts. */
export function cutLinks(members: readonly NodeId[], partition: Exclude<NamedPartition, { kind: 'isolate-leader' }>): Set<string> {
  const nodes = [...new Set(members)].sort((a, b) => a - b);
  const cut = new Set<string>();
  const cutBoth = (a: NodeId, b: NodeId): void => {
    cut.add(linkKey(a, b));
    cut.add(linkKey(b, a));
  };
  switch (partition.kind) {
    case 'heal':
      return cut;
    case 'isolate': {
      if (!nodes.includes(partition.node)) throw new Error(`partition isolate: node ${partition.node} is not in the cluster (nodes ${nodes.join(', ')})`);
      for (const other of nodes) if (other !== partition.node) cutBoth(partition.node, other);
      return cut;
    }
    case 'split': {
      const groupOf = new Map<NodeId, number>();
      partition.groups.forEach((group, g) => {
        for (const n of group) {
          if (!nodes.includes(n)) throw new Error(`partition split: node ${n} is not in the cluster (nodes ${nodes.join(', ')})`);
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

export function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}
