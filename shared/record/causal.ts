/**
 * A causal order of all node records: each node's records in seq order, and every received
 * message after the `ready` record that sent it (found through the step's send stamp). The
 * exporters walk this order to build vector clocks (ShiViz) and forward-pointing flows (traces).
 */
import type { NodeId } from '../raft/types';
import type { Located, NodeRecord, ReadyRecord, Recording } from './format';
import { recordsByNode } from './format';

export interface CausalEvent {
  readonly node: NodeId;
  readonly line: number;
  readonly record: NodeRecord;
  /** For a received message whose send is in the recording: that send. */
  readonly cause: { readonly node: NodeId; readonly record: ReadyRecord; readonly index: number } | null;
}

export function sendKey(node: NodeId, seq: number): string {
  return `${node}:${seq}`;
}

/**
 * All node records in an order where each send precedes its receives. A stamp that points
 * nowhere (the send was lost with a crashed process) simply has no cause. A stamp that would make
 * a cycle (only a corrupt or hand-edited file can do that) is dropped to break the cycle.
 */
export function causalOrder(recording: Recording): CausalEvent[] {
  const byNode = recordsByNode(recording);
  const sends = new Map<string, ReadyRecord>();
  /** Seq of the start record of the instance each send belongs to. */
  const sendStart = new Map<ReadyRecord, number>();
  for (const [node, list] of byNode) {
    let startSeq = 0;
    for (const { record } of list) {
      if (record.kind === 'start') startSeq = record.seq;
      if (record.kind === 'ready' && record.messages.length > 0) {
        sends.set(sendKey(node, record.seq), record);
        sendStart.set(record, startSeq);
      }
    }
  }
  const queues = [...byNode.entries()].map(([node, list]) => ({ node, list, next: 0 }));
  const done = new Set<string>();
  const out: CausalEvent[] = [];

  const causeOf = (located: Located<NodeRecord>) => {
    const r = located.record;
    if (r.kind !== 'input' || r.input.type !== 'step' || !r.input.stamp) return null;
    const from = r.input.msg.from;
    const send = sends.get(sendKey(from, r.input.stamp.seq));
    if (!send || r.input.stamp.index >= send.messages.length || sendStart.get(send) !== r.input.stamp.startSeq) return null;
    return { node: from, record: send, index: r.input.stamp.index };
  };

  let remaining = queues.reduce((s, q) => s + q.list.length, 0);
  while (remaining > 0) {
    let progressed = false;
    for (const q of queues) {
      for (;;) {
        const head = q.list[q.next];
        if (!head) break;
        const cause = causeOf(head);
        if (cause && !done.has(sendKey(cause.node, cause.record.seq))) break;
        out.push({ node: q.node, line: head.line, record: head.record, cause });
        done.add(sendKey(q.node, head.record.seq));
        q.next++;
        remaining--;
        progressed = true;
      }
    }
    if (!progressed) {
      // Every head waits on a send not yet emitted: a cycle. Emit the head with the lowest
      // Lamport clock without its cause.
      let pick: (typeof queues)[number] | null = null;
      for (const q of queues) {
        const head = q.list[q.next];
        if (head && (!pick || head.record.lamport < (pick.list[pick.next]?.record.lamport ?? Infinity))) pick = q;
      }
      if (!pick) break;
      const head = pick.list[pick.next];
      if (!head) break;
      out.push({ node: pick.node, line: head.line, record: head.record, cause: null });
      done.add(sendKey(pick.node, head.record.seq));
      pick.next++;
      remaining--;
    }
  }
  return out;
}
