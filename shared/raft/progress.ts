/**
 * The leader's view of one follower's replication (etcd's tracker idea, our own code):
 * - `probe`: we do not know where the follower's log matches ours; send one AppendEntries at a
 *   time and wait for its answer (or a heartbeat answer) before sending the next.
 * - `replicate`: the follower is known to match up to `match`; stream entries optimistically
 *   (advancing `next` as we send), at most `maxInflight` unacknowledged messages at once.
 * - `snapshot`: the follower needs our snapshot; send nothing else until it answers, or until the
 *   attempt times out (the snapshot may have been lost).
 * Invariant: match < next.
 */
import { assert } from './assert';
import type { ProgressState } from './types';

/** A bounded FIFO of the last index carried by each unacknowledged AppendEntries (flow control). */
export class Inflights {
  private readonly buf: number[];
  private start = 0;
  private n = 0;

  constructor(readonly size: number) {
    assert(size >= 1, 'inflight window must hold at least one message');
    this.buf = new Array<number>(size).fill(0);
  }

  get count(): number {
    return this.n;
  }

  full(): boolean {
    return this.n >= this.size;
  }

  add(lastIndex: number): void {
    assert(!this.full(), 'adding to a full inflight window');
    this.buf[(this.start + this.n) % this.size] = lastIndex;
    this.n++;
  }

  /** Frees every message whose last index is <= `index` (they are acknowledged). */
  freeLE(index: number): void {
    while (this.n > 0 && (this.buf[this.start] as number) <= index) {
      this.start = (this.start + 1) % this.size;
      this.n--;
    }
  }

  reset(): void {
    this.start = 0;
    this.n = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Probe state: a message is out and unanswered, so we wait. */
  probeSent = false;
  /** Snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Snapshot state: ticks since it was sent (a lost snapshot must not stall the peer forever). */
  snapshotElapsedTicks = 0;
  /** Highest commit index this follower can have learned from what we sent (min with what it holds). */
  sentCommit = 0;
  /** Heard from within the current election timeout (CheckQuorum). */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(
    next: number,
    maxInflight: number,
    public learner: boolean,
  ) {
    assert(next >= 1, 'next index starts at 1');
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  becomeProbe(): void {
    // After a snapshot the follower holds at least the snapshot, so continue after it.
    this.next = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = snapshotIndex;
    this.snapshotElapsedTicks = 0;
    this.probeSent = false;
    this.inflights.reset();
  }

  /** The follower acknowledged `index`. Returns true if that is news (match moved). */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      this.probeSent = false;
      updated = true;
    }
    if (this.next < index + 1) this.next = index + 1;
    if (this.state === 'replicate') this.inflights.freeLE(index);
    return updated;
  }

  /**
   * The follower rejected an AppendEntries whose prevLogIndex was `rejected`; `hintNext` is where
   * its reject hint says to retry. Returns false for a stale rejection (an answer to an older
   * message), which changes nothing. A real rejection in replicate state drops back to probe.
   */
  maybeDecrTo(rejected: number, hintNext: number): boolean {
    if (this.state === 'replicate') {
      // We already know the follower matches up to `match`: a rejection at or below it is old.
      if (rejected <= this.match) return false;
      this.state = 'probe';
      this.inflights.reset();
    } else if (this.next - 1 !== rejected) {
      // Probe state: only the answer to the probe we sent (at next-1) counts.
      return false;
    }
    this.next = Math.max(this.match + 1, Math.min(rejected, hintNext));
    this.probeSent = false;
    return true;
  }

  /** Whether the leader should hold back new AppendEntries to this follower. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  /** Record that an AppendEntries carrying `count` entries ending at `lastIndex` was sent. */
  sentEntries(count: number, lastIndex: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
    assert(this.match < this.next, 'progress: match < next');
  }
}
