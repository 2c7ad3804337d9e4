import { describe, expect, it } from 'vitest';
import { ConfHistory, applyChange, validateChange } from '../../shared/raft/conf';
import type { ConfChange, Entry } from '../../shared/raft/types';

const conf = (voters: number[], learners: number[] = []) => ({ voters, learners });
const confEntry = (index: number, change: ConfChange): Entry => ({ kind: 'conf', term: 1, index, change });

describe('configuration changes', () => {
  it('applies single-server changes keeping ids sorted and voters/learners disjoint', () => {
    expect(applyChange(conf([1, 3]), { type: 'add-voter', node: 2 })).toEqual(conf([1, 2, 3]));
    expect(applyChange(conf([1, 2]), { type: 'add-learner', node: 4 })).toEqual(conf([1, 2], [4]));
    expect(applyChange(conf([1, 2], [4]), { type: 'add-voter', node: 4 })).toEqual(conf([1, 2, 4]));
    expect(applyChange(conf([1, 2], [4]), { type: 'remove', node: 4 })).toEqual(conf([1, 2]));
  });

  it('names what is wrong with an invalid change', () => {
    expect(validateChange(conf([1, 2]), { type: 'add-voter', node: 2 })).toMatch(/already a voter/);
    expect(validateChange(conf([1]), { type: 'remove', node: 1 })).toMatch(/last voter/);
    expect(validateChange(conf([1]), { type: 'remove', node: 5 })).toMatch(/not a member/);
    expect(validateChange(conf([1]), { type: 'add-voter', node: 0 })).toMatch(/positive integer/);
    expect(validateChange(conf([1]), { type: 'add-learner', node: 1 })).toMatch(/demoting/);
    expect(validateChange(conf([1]), { type: 'add-learner', node: 2 })).toBeNull();
  });

  it('history: the latest conf entry is in effect; truncating it reverts to the previous one', () => {
    const h = new ConfHistory(conf([1, 2, 3]));
    h.onAppend(confEntry(4, { type: 'add-voter', node: 4 }));
    h.onAppend(confEntry(7, { type: 'remove', node: 1 }));
    expect(h.current()).toEqual(conf([2, 3, 4]));
    expect(h.at(5)).toEqual(conf([1, 2, 3, 4]));
    expect(h.truncateFrom(6)).toBe(true);
    expect(h.current()).toEqual(conf([1, 2, 3, 4]));
    h.compactTo(5);
    expect(h.latestIndex()).toBe(0);
    expect(h.current()).toEqual(conf([1, 2, 3, 4]));
  });
});
