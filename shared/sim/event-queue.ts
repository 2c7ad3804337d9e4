/**
 * The simulator's agenda: a binary min-heap of timed events ordered by (atMs, seq). `seq` is a
 * per-queue counter, so events due at the same virtual millisecond run in the order they were
 * scheduled and a run never depends on heap internals.
 */
export interface Timed {
  readonly atMs: number;
  readonly seq: number;
}

export class EventQueue<E extends Timed> {
  private heap: E[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The next sequence number; callers stamp it into the event they push. */
  takeSeq(): number {
    return this.nextSeq++;
  }

  push(e: E): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!before(e, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  peek(): E | undefined {
    return this.heap[0];
  }

  pop(): E | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      // Sift `last` down from the root.
      const n = h.length;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r]!, h[l]!) ? r : l;
        if (!before(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  /** Removes and returns every event matching `pred`, in (atMs, seq) order. O(n log n). */
  extract(pred: (e: E) => boolean): E[] {
    const out: E[] = [];
    const keep: E[] = [];
    for (const e of this.heap) (pred(e) ? out : keep).push(e);
    this.heap = [];
    for (const e of keep) this.push(e);
    return out.sort((a, b) => (before(a, b) ? -1 : 1));
  }

  /** Every queued event, unordered (for inspection). */
  items(): readonly E[] {
    return this.heap;
  }
}

function before(a: Timed, b: Timed): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
