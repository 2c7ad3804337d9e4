/** Named partitions as cut directed links (pure), checked against what each partition means. */
import { describe, expect, it } from 'vitest';
import { cutLinks, linksAfterPartition } from '../../shared/cluster/partitions';
import { HEALTHY_LINK, type LinkFault } from '../../shared/protocol/lab';

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

  it('isolate-leader isolates the leader it is told of, and needs one', () => {
    expect(connected(five, cutLinks(five, { kind: 'isolate-leader' }, 2))).toEqual(['1-3', '1-4', '1-5', '3-4', '3-5', '4-5']);
    expect(() => cutLinks(five, { kind: 'isolate-leader' }, null)).toThrow(/no leader known/);
  });
});

describe('what a named partition does to every link', () => {
  const three = [1, 2, 3];
  const lossy: LinkFault = { ...HEALTHY_LINK, loss: 0.5, delayMs: 40 };
  const current = (from: number, to: number): LinkFault => (from === 1 && to === 2 ? lossy : HEALTHY_LINK);

  it('a partition replaces the cuts and keeps every other fault', () => {
    const changed = linksAfterPartition(three, { kind: 'isolate', node: 1 }, null, current, HEALTHY_LINK);
    expect(changed.find((l) => l.from === 1 && l.to === 2)?.fault).toEqual({ ...lossy, cut: true });
    expect(changed.map((l) => `${l.from}>${l.to}`).sort()).toEqual(['1>2', '1>3', '2>1', '3>1']);
  });

  it('heal gives every link its healthy settings back: cuts, loss and delay all go', () => {
    const cutAndLossy = (from: number, to: number): LinkFault => ({ ...current(from, to), cut: from === 1 || to === 1 });
    const changed = linksAfterPartition(three, { kind: 'heal' }, null, cutAndLossy, HEALTHY_LINK);
    expect(changed.every((l) => l.fault === HEALTHY_LINK)).toBe(true);
    expect(changed.map((l) => `${l.from}>${l.to}`).sort()).toEqual(['1>2', '1>3', '2>1', '3>1']);
  });
});
