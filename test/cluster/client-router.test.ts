/**
 * The lab's one client router (shared/cluster/client-router.ts) on a clock the test moves: what
 * a person would see from a request when nodes answer at once (a simulated cluster) and the
 * leader hints point in a circle, and that a request's answer ends its timers.
 */
import { describe, expect, it } from 'vitest';
import { ClientRouter, type ClientHost } from '../../shared/cluster/client-router';
import type { LabClock } from '../../shared/cluster/clock';
import type { KvResult } from '../../shared/protocol/lab';
import type { NodeId } from '../../shared/raft/types';

/** A clock whose timers run only when the test advances it. */
class TestClock implements LabClock {
  private t = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => void (timer.live = false);
  }
  get armed(): number {
    return this.timers.filter((x) => x.live).length;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      next.live = false;
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

function host(propose: ClientHost['propose']): ClientHost {
  return {
    leaderHint: () => 1, liveNodes: () => [1, 2, 3], propose, read: () => ({ ok: true }), attemptMs: () => 100, paused: () => false,
    invoked: () => undefined, completed: () => undefined, lastSeq: () => 0,
  };
}

describe('client router', () => {
  it('stale hints in a circle do not loop forever: it pauses between rounds and ends no-leader at the deadline', () => {
    const clock = new TestClock();
    const asked: NodeId[] = [];
    const router = new ClientRouter(host((node) => {
      asked.push(node);
      return { ok: false, reason: 'not-leader', leader: node === 1 ? 2 : 1, detail: '' };
    }), clock);
    const answers: KvResult[] = [];
    router.request({ type: 'put', key: 'x', value: '1' }, { timeoutMs: 200 }, (r) => answers.push(r));
    // One round of redirects, then a pause: nothing more until time moves.
    expect(asked.length).toBeLessThanOrEqual(4);
    clock.advance(300);
    expect(answers).toEqual([{ ok: false, error: 'no-leader', detail: expect.stringMatching(/^no leader accepted the request within 200 ms: node \d: not-leader/) }]);
    expect(asked.length).toBeLessThan(60);
    expect(clock.armed).toBe(0);
  });

  it('a write answered at once (a one-node cluster) completes inside the same instant and leaves no timer', () => {
    const clock = new TestClock();
    let router: ClientRouter | null = null;
    router = new ClientRouter(host((node, client, seq) => {
      router!.onApplied([{ client, seq, result: { ok: true, value: '1', index: 2, leader: node } }]);
      return { ok: true, index: 2, term: 1 };
    }), clock);
    const answers: KvResult[] = [];
    router.request({ type: 'put', key: 'x', value: '1' }, { client: 'me' }, (r) => answers.push(r));
    expect(answers).toEqual([{ ok: true, value: '1', index: 2, leader: 1 }]);
    expect(clock.armed).toBe(0);
  });
});
