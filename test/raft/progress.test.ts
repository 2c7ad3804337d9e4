import { describe, expect, it } from 'vitest';
import { Inflights, Progress } from '../../shared/raft/progress';

describe('inflight window', () => {
  it('fills up, frees acknowledged messages in order, and wraps around', () => {
    const w = new Inflights(3);
    w.add(5);
    w.add(8);
    w.add(11);
    expect(w.full()).toBe(true);
    expect(() => w.add(12)).toThrow(/full inflight window/);
    w.freeLE(8);
    expect(w.count).toBe(1);
    w.add(14);
    w.add(17);
    expect(w.full()).toBe(true);
    w.freeLE(16);
    expect(w.count).toBe(1);
    w.freeLE(100);
    expect(w.count).toBe(0);
  });
});

describe('progress', () => {
  it('probe sends one message at a time until an answer arrives', () => {
    const p = new Progress(11, 4, false);
    expect(p.isPaused()).toBe(false);
    p.sentEntries(3, 13);
    expect(p.isPaused()).toBe(true);
    expect(p.next).toBe(11); // probe does not advance next optimistically
    expect(p.maybeUpdate(13)).toBe(true);
    expect(p.isPaused()).toBe(false);
    expect(p.next).toBe(14);
  });

  it('replicate streams optimistically up to the inflight limit', () => {
    const p = new Progress(1, 2, false);
    p.maybeUpdate(5);
    p.becomeReplicate();
    expect(p.next).toBe(6);
    p.sentEntries(2, 7);
    p.sentEntries(2, 9);
    expect(p.next).toBe(10);
    expect(p.isPaused()).toBe(true);
    p.maybeUpdate(7);
    expect(p.isPaused()).toBe(false);
    expect(p.match).toBe(7);
  });

  it('a rejection in replicate falls back to probe at the hinted index, never below match+1', () => {
    const p = new Progress(1, 4, false);
    p.maybeUpdate(5);
    p.becomeReplicate();
    p.sentEntries(3, 8);
    expect(p.maybeDecrTo(8, 3)).toBe(true);
    expect(p.state).toBe('probe');
    expect(p.next).toBe(6);
  });

  it('ignores stale rejections', () => {
    const p = new Progress(1, 4, false);
    p.maybeUpdate(5);
    p.becomeReplicate();
    expect(p.maybeDecrTo(4, 1)).toBe(false); // at or below match: an old answer
    expect(p.state).toBe('replicate');
    const q = new Progress(10, 4, false);
    q.sentEntries(0, 9);
    expect(q.maybeDecrTo(7, 3)).toBe(false); // not the probe we sent (at 9)
    expect(q.maybeDecrTo(9, 3)).toBe(true);
    expect(q.next).toBe(3);
  });

  it('snapshot state pauses until the snapshot is acknowledged, then resumes after it', () => {
    const p = new Progress(3, 4, false);
    p.becomeSnapshot(20);
    expect(p.isPaused()).toBe(true);
    p.maybeUpdate(20);
    p.becomeProbe();
    expect(p.next).toBe(21);
    expect(p.state).toBe('probe');
  });

  it('keeps match < next', () => {
    const p = new Progress(4, 4, false);
    p.maybeUpdate(9);
    expect(p.next).toBeGreaterThan(p.match);
  });
});
