/**
 * The lab's link table, once for every engine: the fault of each directed link that has one
 * (every other link is healthy), set one direction at a time or by a named partition
 * (partitions.ts), and checked the same way wherever it is set. The engine carries each change
 * to its network: the sending node processes, or the simulated network.
 */
import { LINK_DELAY_MS_MAX } from '../limits';
import { HEALTHY_LINK, isHealthyLink, type DirectedLink, type LinkFault, type NamedPartition } from '../protocol/lab';
import type { NodeId } from '../raft/types';
import { linkKey, linksAfterPartition } from './partitions';

export type ChangedLink = DirectedLink & { readonly fault: LinkFault };

export class LinkTable {
  private readonly faults = new Map<string, ChangedLink>();

  get(from: NodeId, to: NodeId): LinkFault {
    return this.faults.get(linkKey(from, to))?.fault ?? HEALTHY_LINK;
  }

  /** Sets part of one link's fault, checked against the lab's `members` and bounds; returns the link as it now is. */
  set(link: DirectedLink, fault: Partial<LinkFault>, members: readonly NodeId[]): ChangedLink {
    for (const node of [link.from, link.to]) {
      if (!members.includes(node)) throw new Error(`node ${node} is not in the lab (nodes ${[...members].sort((a, b) => a - b).join(', ')})`);
    }
    if (link.from === link.to) throw new Error(`setLinkFault: a link joins two different nodes, got ${link.from}>${link.to}`);
    const changed = { from: link.from, to: link.to, fault: checkedFault({ ...this.get(link.from, link.to), ...fault }) };
    this.store(changed);
    return changed;
  }

  /** Applies a named partition among `members` (its heal rule included); returns the links it changed. */
  partition(members: readonly NodeId[], partition: NamedPartition, leader: NodeId | null): ChangedLink[] {
    const changed = linksAfterPartition(members, partition, leader, (from, to) => this.get(from, to), HEALTHY_LINK);
    for (const link of changed) this.store(link);
    return changed;
  }

  /** The links with a fault, by sender then receiver (what the Network tab lists). */
  faulty(): (DirectedLink & LinkFault)[] {
    return [...this.faults.values()]
      .sort((a, b) => a.from - b.from || a.to - b.to)
      .map(({ from, to, fault }) => ({ from, to, ...fault }));
  }

  private store(link: ChangedLink): void {
    const key = linkKey(link.from, link.to);
    if (isHealthyLink(link.fault)) this.faults.delete(key);
    else this.faults.set(key, link);
  }
}

/** A whole fault within the lab's bounds (only LinkFault's fields), or an error naming the first bad one. */
export function checkedFault(f: LinkFault): LinkFault {
  const prob = (name: string, v: number): void => {
    if (!(v >= 0 && v <= 1)) throw new Error(`setLinkFault: ${name} must be a probability in [0, 1], got ${v}`);
  };
  prob('loss', f.loss);
  prob('duplicate', f.duplicate);
  prob('reorder', f.reorder);
  if (!(f.delayMs >= 0 && f.delayMs <= LINK_DELAY_MS_MAX)) throw new Error(`setLinkFault: delayMs must be in [0, ${LINK_DELAY_MS_MAX}], got ${f.delayMs}`);
  if (!(f.jitterMs >= 0 && f.jitterMs <= LINK_DELAY_MS_MAX)) throw new Error(`setLinkFault: jitterMs must be in [0, ${LINK_DELAY_MS_MAX}], got ${f.jitterMs}`);
  return { cut: f.cut, loss: f.loss, delayMs: f.delayMs, jitterMs: f.jitterMs, duplicate: f.duplicate, reorder: f.reorder };
}
