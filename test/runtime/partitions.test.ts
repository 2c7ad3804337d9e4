/** Named partitions as cut directed links (pure), checked against what each partition means. */
import { describe, expect, it } from 'vitest';
import { cutLinks } from '../../electron/lab/partitions';

/** Which pairs can still talk (both directions open), as "a-b" strings. */
function connected(members: number[], cut: Set<string>): string[] {
  const out: string[] = [];
  for (const a of members) for (const b of members) if (a < b && !cut.has(`${a}>${b}`) && !cut.has(`${b}>${a}`)) out.push(`${a}-${b}`);
  return out;
}

describe('named partitions', () => {
  const five = [1, 2, 3, 4, 5];

  it('isolate cuts a node off in both directions and leaves the rest connected', () => {
    const cut = cutLinks(five, { kind: 'isolate', node: 3 });
    expect(cut.size).toBe(8);
    expect(connected(five, cut)).toEqual(['1-2', '1-4', '1-5', '2-4', '2-5', '4-5']);
  });

  it('split keeps each group whole; unnamed nodes form their own group', () => {
    expect(connected(five, cutLinks(five, { kind: 'split', groups: [[1, 2], [3, 4, 5]] }))).toEqual(['1-2', '3-4', '3-5', '4-5']);
    expect(connected(five, cutLinks(five, { kind: 'split', groups: [[1]] }))).toEqual(['2-3', '2-4', '2-5', '3-4', '3-5', '4-5']);
  });

  it('ring leaves each node exactly its two neighbours', () => {
    expect(connected(five, cutLinks(five, { kind: 'ring' }))).toEqual(['1-2', '1-5', '2-3', '3-4', '4-5']);
  });

  it('heal cuts nothing', () => {
    expect(cutLinks(five, { kind: 'heal' }).size).toBe(0);
  });

  it('rejects nodes that are not members, naming them', () => {
    expect(() => cutLinks(five, { kind: 'isolate', node: 9 })).toThrow(/node 9 is not in the cluster/);
    expect(() => cutLinks(five, { kind: 'split', groups: [[1, 2], [2, 3]] })).toThrow(/node 2 is in more than one group/);
  });
});
