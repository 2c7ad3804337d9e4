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

/** How many records a CausalStream holds back before it breaks a wait (only a corrupt file gets near). */
export const CAUSAL_HOLD_LIMIT = 200_000;

/**
 * The same order built as records arrive, for files too large to hold: each node's records are
 * released in seq order, and a received message waits until its sender's records have been
 * released up to the sending `ready` (file order can put a receive first: nodes report
 * independently). Memory is the records held back, not the file. Events carry no cause (keeping
 * every send for its receives would be the whole file again); ordering is what checkers need.
 */
export class CausalStream {
  private readonly queues = new Map<NodeId, { list: Located<NodeRecord>[]; next: number }>();
  /** Highest seq released per node. */
  private readonly released = new Map<NodeId, number>();
  private held = 0;

  constructor(private readonly emit: (event: CausalEvent) => void) {}

  push(located: Located<NodeRecord>): void {
    const node = located.record.node;
    let q = this.queues.get(node);
    if (!q) this.queues.set(node, (q = { list: [], next: 0 }));
    q.list.push(located);
    this.held++;
    this.drain(node);
    if (this.held > CAUSAL_HOLD_LIMIT) this.breakWait();
  }

  /** Releases everything still held (waits on sends that never came are dropped). */
  finish(): void {
    while (this.held > 0) this.breakWait();
  }

  private waitsOn(located: Located<NodeRecord>): { node: NodeId; seq: number } | null {
    const r = located.record;
    if (r.kind !== 'input' || r.input.type !== 'step' || !r.input.stamp) return null;
    const from = r.input.msg.from;
    if (from === r.node) return null;
    return (this.released.get(from) ?? 0) >= r.input.stamp.seq ? null : { node: from, seq: r.input.stamp.seq };
  }

  /** Releases what can go from `start`'s queue, then from the queues that were waiting on it. */
  private drain(start: NodeId): void {
    const work = [start];
    while (work.length > 0) {
      const node = work.pop() as NodeId;
      const q = this.queues.get(node);
      if (!q) continue;
      let moved = false;
      while (q.next < q.list.length) {
        const head = q.list[q.next] as Located<NodeRecord>;
        if (this.waitsOn(head) !== null) break;
        this.release(node, q, head);
        moved = true;
      }
      if (moved) for (const other of this.queues.keys()) if (other !== node) work.push(other);
    }
  }

  private release(node: NodeId, q: { list: Located<NodeRecord>[]; next: number }, head: Located<NodeRecord>): void {
    q.next++;
    if (q.next === q.list.length) {
      q.list = [];
      q.next = 0;
    }
    this.held--;
    this.released.set(node, head.record.seq);
    this.emit({ node, line: head.line, record: head.record, cause: null });
  }

  /** Every head is waiting (a send that never comes, or a cycle): release the lowest Lamport head. */
  private breakWait(): void {
    let pick: NodeId | null = null;
    let best = Infinity;
    for (const [node, q] of this.queues) {
      const head = q.list[q.next];
      if (head && head.record.lamport < best) {
        best = head.record.lamport;
        pick = node;
      }
    }
    if (pick === null) return;
    const q = this.queues.get(pick)!;
    this.release(pick, q, q.list[q.next] as Located<NodeRecord>);
    this.drain(pick);
  }
}
