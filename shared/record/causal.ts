/**
 * A causal order of all node records: each node's records in seq order, and every received
 * message after the `ready` record that sent it (found through the step's send stamp). The
 * exporters walk this order to build vector clocks (ShiViz) and forward-pointing flows (traces).
 */
import type { NodeId } from '../raft/types';
import type { Located, NodeRecord, ReadyRecord, Recording } from './format';
import { isNodeRecord } from './format';

export interface CausalEvent {
  readonly node: NodeId;
  /** Where the record is, as its pusher gave it (a file line, or an event position). */
  readonly line: number;
  readonly record: NodeRecord;
  /** For a received message whose send is in the recording: that send. */
  readonly cause: { readonly node: NodeId; readonly record: ReadyRecord; readonly index: number } | null;
}

export function sendKey(node: NodeId, seq: number): string {
  return `${node}:${seq}`;
}

/**
 * All node records of a recording in causal order (each send before its receives), with causes;
 * the CausalStream below, fed the whole recording.
 */
export function causalOrder(recording: Recording): CausalEvent[] {
  const out: CausalEvent[] = [];
  const stream = new CausalStream((ev) => out.push(ev));
  for (const located of recording.records) if (isNodeRecord(located.record)) stream.push(located as Located<NodeRecord>);
  stream.finish();
  return out;
}

/** How many records a CausalStream holds back before it breaks a wait (only a corrupt file gets near). */
export const CAUSAL_HOLD_LIMIT = 200_000;

/**
 * How many of each node's latest sending `ready` records a CausalStream keeps to name as causes.
 * A message received after its sender sent this many more Readies (minutes, in a lab run) gets
 * no cause: it is still ordered after its send, only not linked to it.
 */
export const CAUSAL_SEND_WINDOW = 4096;

/**
 * The same order built as records arrive, for files too large to hold: each node's records are
 * released in seq order, and a received message waits until its sender's records have been
 * released up to the sending `ready` (file order can put a receive first: nodes report
 * independently). Memory is the records held back and each node's last CAUSAL_SEND_WINDOW
 * sends (for causes), not the file.
 */
export class CausalStream {
  private readonly queues = new Map<NodeId, { list: Located<NodeRecord>[]; next: number }>();
  /** Highest seq released per node. */
  private readonly released = new Map<NodeId, number>();
  /** Seq of the start record of each node's instance as released so far. */
  private readonly instance = new Map<NodeId, number>();
  /** Nodes whose last released record is a crash. */
  private readonly down = new Set<NodeId>();
  /** Recent sending readies by sendKey, with their instance's start seq. */
  private readonly sends = new Map<string, { record: ReadyRecord; startSeq: number }>();
  /** Each node's keys in `sends`, oldest first, to forget beyond the window. */
  private readonly sendOrder = new Map<NodeId, string[]>();
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

  /**
   * What a received message still waits for: its sender's records up to the send, unless the
   * sending instance is over (it crashed, or a later instance started), so a send the file lacks
   * is lost (records of a killed process can be) and will never come.
   */
  private waits(located: Located<NodeRecord>): boolean {
    const r = located.record;
    if (r.kind !== 'input' || r.input.type !== 'step' || !r.input.stamp) return false;
    const from = r.input.msg.from;
    if (from === r.node) return false;
    const stamp = r.input.stamp;
    if ((this.released.get(from) ?? 0) >= stamp.seq) return false;
    const instance = this.instance.get(from) ?? 0;
    return !(instance > stamp.startSeq || (instance === stamp.startSeq && this.down.has(from)));
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
        if (this.waits(head)) break;
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
    const r = head.record;
    this.released.set(node, r.seq);
    if (r.kind === 'start') {
      this.instance.set(node, r.seq);
      this.down.delete(node);
    } else if (r.kind === 'crash') this.down.add(node);
    const cause = this.causeOf(r);
    if (r.kind === 'ready' && r.messages.length > 0) this.remember(node, r);
    this.emit({ node, line: head.line, record: r, cause });
  }

  private causeOf(r: NodeRecord): CausalEvent['cause'] {
    if (r.kind !== 'input' || r.input.type !== 'step' || !r.input.stamp) return null;
    const from = r.input.msg.from;
    const send = this.sends.get(sendKey(from, r.input.stamp.seq));
    if (!send || send.startSeq !== r.input.stamp.startSeq || r.input.stamp.index >= send.record.messages.length) return null;
    return { node: from, record: send.record, index: r.input.stamp.index };
  }

  private remember(node: NodeId, r: ReadyRecord): void {
    const key = sendKey(node, r.seq);
    this.sends.set(key, { record: r, startSeq: this.instance.get(node) ?? 0 });
    let order = this.sendOrder.get(node);
    if (!order) this.sendOrder.set(node, (order = []));
    order.push(key);
    if (order.length > CAUSAL_SEND_WINDOW * 2) {
      // Forget the oldest half at once (a shift per record would be quadratic).
      for (const old of order.splice(0, order.length - CAUSAL_SEND_WINDOW)) this.sends.delete(old);
    }
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
