import { describe, expect, it } from 'vitest';
import { partitionGroups } from '../../renderer/src/cluster/partition-groups';

const cut = (...pairs: [number, number][]) => new Set(pairs.map(([a, b]) => `${a}-${b}`));
const both = (a: number, b: number): [number, number][] => [[a, b], [b, a]];

describe('partition sides shown in the cluster view', () => {
  it('a whole network is one side', () => {
    expect(partitionGroups([1, 2, 3], new Set())).toEqual([[1, 2, 3]]);
  });

  it('an isolated node is its own side, the majority first', () => {
    const c = cut(...both(1, 2), ...both(1, 3), ...both(1, 4), ...both(1, 5));
    expect(partitionGroups([1, 2, 3, 4, 5], c)).toEqual([[2, 3, 4, 5], [1]]);
  });

  it('a 2/3 split gives two sides', () => {
    const c = cut(...[3, 4, 5].flatMap((o) => [...both(1, o), ...both(2, o)]));
    expect(partitionGroups([1, 2, 3, 4, 5], c)).toEqual([[3, 4, 5], [1, 2]]);
  });

  it('a one-way cut does not split the nodes into sides', () => {
    expect(partitionGroups([1, 2, 3], cut([1, 2]))).toEqual([[1, 2, 3]]);
  });

  it('nodes still joined through a third node stay on one side', () => {
    // 1 and 3 cannot talk directly, but both reach 2.
    expect(partitionGroups([1, 2, 3], cut(...both(1, 3)))).toEqual([[1, 2, 3]]);
  });
});
