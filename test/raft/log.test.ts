import { describe, expect, it } from 'vitest';
import { RaftLog } from '../../shared/raft/log';
import type { Entry, Snapshot } from '../../shared/raft/types';

const ents = (first: number, terms: number[]): Entry[] => terms.map((term, i) => ({ kind: 'command', term, index: first + i, data: `${first + i}` }));
const snap = (index: number, term: number): Snapshot => ({ meta: { index, term, conf: { voters: [1], learners: [] } }, data: '' });

describe('raft log', () => {
  it('knows its bounds and terms, over a snapshot', () => {
    const log = new RaftLog(snap(5, 2), ents(6, [2, 3, 3]));
    expect(log.firstIndex()).toBe(6);
    expect(log.lastIndex()).toBe(8);
    expect(log.lastTerm()).toBe(3);
    expect(log.termAt(5)).toBe(2); // the snapshot point
    expect(log.termAt(4)).toBeNull(); // compacted
    expect(log.termAt(9)).toBeNull(); // beyond
    expect(log.slice(1, 100).map((e) => e.index)).toEqual([6, 7, 8]);
  });

  it('appends with truncation of a conflicting suffix and reports where', () => {
    const log = new RaftLog(snap(0, 0), ents(1, [1, 1, 2, 2]));
    log.unstableFrom = 5;
    expect(log.append(ents(3, [3]))).toBe(3);
    expect(log.lastIndex()).toBe(3);
    expect(log.termAt(3)).toBe(3);
    expect(log.unstableFrom).toBe(3); // the overwritten entry must be persisted again
    expect(() => log.append(ents(6, [3]))).toThrow(/gap/);
    expect(() => log.append(ents(4, [1]))).toThrow(/term goes back/);
  });

  it('findConflict finds the first entry not already held', () => {
    const log = new RaftLog(snap(0, 0), ents(1, [1, 1, 2]));
    expect(log.findConflict(ents(1, [1, 1, 2]))).toBe(0);
    expect(log.findConflict(ents(2, [1, 2, 3]))).toBe(4);
    expect(log.findConflict(ents(2, [1, 3]))).toBe(3);
  });

  it('up-to-date compares last term, then last index (§5.4.1)', () => {
    const log = new RaftLog(snap(0, 0), ents(1, [1, 2, 2]));
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(10, 1)).toBe(false);
  });

  it('finds term boundaries by binary search for the conflict hint', () => {
    const log = new RaftLog(snap(2, 1), ents(3, [1, 4, 4, 5, 5, 6]));
    expect(log.firstIndexOfTerm(4)).toBe(4);
    expect(log.firstIndexOfTerm(3)).toBeNull();
    expect(log.lastIndexWithTermAtMost(4, 100)).toBe(5);
    expect(log.lastIndexWithTermAtMost(5, 6)).toBe(6);
    expect(log.lastIndexWithTermAtMost(0, 100)).toBe(2);
  });

  it('compacts to a snapshot and restores from one', () => {
    const log = new RaftLog(snap(0, 0), ents(1, [1, 1, 2, 2]));
    log.compact(snap(3, 2));
    expect(log.firstIndex()).toBe(4);
    expect(log.termAt(3)).toBe(2);
    expect(log.slice(1, 10).map((e) => e.index)).toEqual([4]);
    expect(() => log.compact(snap(4, 9))).toThrow(/term differs/);
    log.restore(snap(10, 3));
    expect(log.lastIndex()).toBe(10);
    expect(log.length).toBe(0);
  });

  it('tracks what still has to be persisted', () => {
    const log = new RaftLog(snap(0, 0), []);
    log.append(ents(1, [1, 1]));
    expect(log.unstableEntries().map((e) => e.index)).toEqual([1, 2]);
    log.stableTo(1, 2, 1);
    expect(log.unstableEntries()).toEqual([]);
    // A stale acknowledgement (the entry was overwritten since) does not mark the new one stable.
    log.append(ents(2, [2]));
    log.stableTo(2, 2, 1);
    expect(log.unstableEntries().map((e) => `${e.index}/${e.term}`)).toEqual(['2/2']);
  });
});
