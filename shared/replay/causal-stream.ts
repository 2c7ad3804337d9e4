/**
 * A causal order of node records for a recording that is read a chunk at a time (the replay
 * worker indexes a large file while the page already shows it). The same rule as
 * shared/record/causal.ts: each node's records in seq order, and a received message after the
 * `ready` record that sent it. Only what has been read is known, so a receive whose send may still
 * come later in the file waits; it goes without a cause once the send is known to be missing
 * (that seq was read and is no such send, or the sending instance crashed or restarted before
 * it), or at `finish()`.
 */
import type { NodeId } from '../raft/types';
import type { NodeRecord, ReadyRecord } from '../record/format';

interface NodeQueue {
  /** Records read but not emitted, in seq order: event positions and records, from `head` on. */
  events: number[];
  records: NodeRecord[];
  head: number;
  /** bySeq[seq]: the ready record with that seq when it sent messages, else null. */
  readonly bySeq: (ReadyRecord | null)[];
  /** Seqs of the start records read, ascending. */
  readonly starts: number[];
  lastReadSeq: number;
  emittedSeq: number;
  /** Running at the last record read (a crash record ends an instance). */
  alive: boolean;
}

export type CausalEmit = (node: NodeId, event: number, record: NodeRecord) => void;

export class CausalStream {
  private readonly queues = new Map<NodeId, NodeQueue>();
  private finished = false;

  constructor(private readonly emit: CausalEmit) {}

  /** A node record read at event position `event` (file order; each node's seqs ascend without gaps). */
  push(event: number, record: NodeRecord): void {
    let q = this.queues.get(record.node);
    if (!q) {
      q = { events: [], records: [], head: 0, bySeq: [null], starts: [], lastReadSeq: 0, emittedSeq: 0, alive: false };
      this.queues.set(record.node, q);
    }
    q.events.push(event);
    q.records.push(record);
    q.bySeq[record.seq] = record.kind === 'ready' && record.messages.length > 0 ? record : null;
    q.lastReadSeq = record.seq;
    if (record.kind === 'start') {
      q.starts.push(record.seq);
      q.alive = true;
    } else if (record.kind === 'crash') {
      q.alive = false;
    }
  }

  /**
   * Emits every record that can go now (its cause is emitted, or it has none), always the one
   * earliest in the file first: for a file already in causal order that is file order, and the
   * order never depends on how the file was cut into chunks.
   */
  drain(): void {
    for (;;) {
      let pick: NodeQueue | null = null;
      let pickNode: NodeId = 0;
      let pickEvent = Infinity;
      for (const [node, q] of this.queues) {
        const event = q.events[q.head];
        if (event === undefined || event >= pickEvent || this.waits(q.records[q.head] as NodeRecord)) continue;
        pick = q;
        pickNode = node;
        pickEvent = event;
      }
      if (pick) {
        this.take(pickNode, pick);
        continue;
      }
      if (!this.finished) return;
      // Every head waits on a send that is read but not emitted: a cycle, which only a corrupt or
      // hand-edited file can make. As causal.ts does: the head with the lowest Lamport clock goes first.
      let lowest: NodeQueue | null = null;
      for (const [node, q] of this.queues) {
        const head = q.records[q.head];
        const best = lowest && lowest.records[lowest.head];
        if (head && (!best || head.lamport < best.lamport)) {
          lowest = q;
          pickNode = node;
        }
      }
      if (!lowest) return;
      this.take(pickNode, lowest);
    }
  }

  /** No more records: emits everything that is left. */
  finish(): void {
    this.finished = true;
    this.drain();
  }

  /** Records read and not emitted yet. */
  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.records.length - q.head;
    return n;
  }

  private take(node: NodeId, q: NodeQueue): void {
    const record = q.records[q.head] as NodeRecord;
    const event = q.events[q.head] as number;
    q.head++;
    q.emittedSeq = record.seq;
    // Drop what was emitted now and then, so the queues do not keep the whole file.
    if (q.head > 4096 && q.head * 2 > q.records.length) {
      q.events = q.events.slice(q.head);
      q.records = q.records.slice(q.head);
      q.head = 0;
    }
    this.emit(node, event, record);
  }

  /** True while the record's send may still be emitted (or read) before it. */
  private waits(record: NodeRecord): boolean {
    if (record.kind !== 'input' || record.input.type !== 'step' || !record.input.stamp) return false;
    const stamp = record.input.stamp;
    const from = this.queues.get(record.input.msg.from);
    if (!from) return !this.finished;
    if (stamp.seq > from.lastReadSeq) {
      if (this.finished) return false;
      // Not read yet. Lost for good if its instance is over in what was read.
      const latest = from.starts[from.starts.length - 1] ?? 0;
      const over = latest > stamp.startSeq || (latest === stamp.startSeq && !from.alive);
      return !over;
    }
    const send = from.bySeq[stamp.seq];
    if (!send || stamp.index >= send.messages.length || startOf(from, stamp.seq) !== stamp.startSeq) return false;
    return from.emittedSeq < stamp.seq;
  }
}

/** Seq of the start record of the instance that wrote `seq`. */
function startOf(q: NodeQueue, seq: number): number {
  for (let x = q.starts.length - 1; x >= 0; x--) if ((q.starts[x] as number) <= seq) return q.starts[x] as number;
  return 0;
}
