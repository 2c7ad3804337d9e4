/**
 * The leader's queue of ReadIndex requests (dissertation §6.4). Each request remembers the commit
 * index when it arrived and a round number; heartbeats carry the latest round as `readCtx`, and a
 * follower's answer echoing round r confirms leadership for every request of round <= r. Once a
 * majority of voters (the leader included) has confirmed a request, it and every earlier request
 * are released, in order. Pure: no messages are built here.
 */
import { majority } from './quorum';
import type { NodeId, ReadState } from './types';

interface PendingRead {
  readonly ctx: string;
  readonly index: number;
  readonly round: number;
  readonly acks: Set<NodeId>;
}

export class ReadIndexQueue {
  private round = 0;
  private pending: PendingRead[] = [];

  /** Latest round with requests still waiting, or 0. */
  latestRound(): number {
    return this.pending.length === 0 ? 0 : this.round;
  }

  get size(): number {
    return this.pending.length;
  }

  /** Queue a read at `commitIndex`; returns its round (to put in the next heartbeats). */
  add(ctx: string, commitIndex: number, self: NodeId): number {
    this.round++;
    this.pending.push({ ctx, index: commitIndex, round: this.round, acks: new Set([self]) });
    return this.round;
  }

  /** `from` confirmed our leadership in `round`. Returns the reads now safe to serve. */
  ack(from: NodeId, round: number, voters: readonly NodeId[]): ReadState[] {
    if (!voters.includes(from)) return [];
    let released = -1;
    const q = majority(voters.length);
    for (let i = 0; i < this.pending.length; i++) {
      const p = this.pending[i] as PendingRead;
      if (p.round > round) break;
      p.acks.add(from);
      let n = 0;
      for (const v of voters) if (p.acks.has(v)) n++;
      if (n >= q) released = i;
    }
    if (released < 0) return [];
    const out = this.pending.splice(0, released + 1);
    return out.map((p) => ({ ctx: p.ctx, index: p.index }));
  }

  /** Leadership ended: pending reads can no longer be confirmed (clients retry). */
  reset(): void {
    this.pending = [];
  }
}
