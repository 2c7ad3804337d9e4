import { describe, expect, it } from 'vitest';
import { committedIndex, hasQuorum, majority, voteResult } from '../../shared/raft/quorum';

describe('quorum', () => {
  it('majority is more than half', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(majority)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it('committed index is the highest index held by a majority', () => {
    const match = new Map([[1, 9], [2, 5], [3, 7]]);
    expect(committedIndex([1, 2, 3], (id) => match.get(id) ?? 0)).toBe(7);
    // Four voters need three copies: the third highest.
    const m4 = new Map([[1, 9], [2, 5], [3, 7], [4, 6]]);
    expect(committedIndex([1, 2, 3, 4], (id) => m4.get(id) ?? 0)).toBe(6);
    expect(committedIndex([1], () => 4)).toBe(4);
    expect(committedIndex([], () => 4)).toBe(0);
  });

  it('counts only the voters it is given (learners do not count)', () => {
    const match = new Map([[1, 9], [2, 1], [3, 1], [4, 9]]);
    expect(committedIndex([1, 2, 3], (id) => match.get(id) ?? 0)).toBe(1);
  });

  it('an election is won with a majority, lost once a majority is impossible, else pending', () => {
    expect(voteResult([1, 2, 3], new Map([[1, true]]))).toBe('pending');
    expect(voteResult([1, 2, 3], new Map([[1, true], [2, true]]))).toBe('won');
    expect(voteResult([1, 2, 3], new Map([[1, true], [2, false]]))).toBe('pending');
    expect(voteResult([1, 2, 3], new Map([[1, true], [2, false], [3, false]]))).toBe('lost');
    // A 2-2 split of four voters is lost for both sides.
    expect(voteResult([1, 2, 3, 4], new Map([[1, true], [3, true], [2, false], [4, false]]))).toBe('lost');
    // Votes from non-voters are ignored.
    expect(voteResult([1, 2, 3], new Map([[1, true], [9, true]]))).toBe('pending');
  });

  it('hasQuorum needs a majority of active voters', () => {
    expect(hasQuorum([1, 2, 3], (id) => id !== 3)).toBe(true);
    expect(hasQuorum([1, 2, 3], (id) => id === 1)).toBe(false);
    expect(hasQuorum([], () => true)).toBe(false);
  });
});
