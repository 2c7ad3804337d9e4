import { describe, expect, it } from 'vitest';
import { LABEL_LINE_PX, placeLaneLabels } from '../../renderer/src/timeline/lane-labels';

const measure = (t: string) => t.length * 5;
const lanes = new Map([[1, 50], [2, 150], [3, 250]]);

describe('placeLaneLabels', () => {
  it('stacks an election\'s role changes on one lane instead of drawing them on top of each other', () => {
    const marks = [
      { node: 1, y: 100.4, label: 'candidate t1' },
      { node: 1, y: 100, label: 'pre-candidate t0' },
      { node: 1, y: 101, label: 'leader t1' },
    ];
    const placed = placeLaneLabels(marks, lanes, 300, measure);
    expect(placed.map((p) => p.mark.label)).toEqual(['pre-candidate t0', 'candidate t1', 'leader t1']);
    const ys = placed.map((p) => p.textY);
    expect(ys[0]).toBe(100);
    for (let i = 1; i < ys.length; i++) expect((ys[i] as number) - (ys[i - 1] as number)).toBeGreaterThanOrEqual(LABEL_LINE_PX);
  });

  it('leaves labels on different lanes, or far apart in time, where their events are', () => {
    const marks = [
      { node: 1, y: 100, label: 'follower t1' },
      { node: 2, y: 100, label: 'follower t1' },
      { node: 1, y: 300, label: 'candidate t2' },
    ];
    const placed = placeLaneLabels(marks, lanes, 300, measure);
    for (const p of placed) expect(p.textY).toBe(p.mark.y);
    expect(placed.find((p) => p.mark.node === 2)?.textX).toBeGreaterThan(150);
  });

  it('writes a label that would run past the right edge to the left of its lane', () => {
    const [p] = placeLaneLabels([{ node: 3, y: 10, label: 'starting' }], lanes, 280, measure);
    expect(p?.textX).toBeLessThan(250);
    expect((p?.textX ?? 0) + (p?.width ?? 0)).toBeLessThanOrEqual(280);
  });

  it('skips marks of nodes with no lane', () => {
    expect(placeLaneLabels([{ node: 9, y: 10, label: 'x' }], lanes, 300, measure)).toEqual([]);
  });
});

describe('placeLaneLabels across lanes', () => {
  it('moves a label written left of the last lane below the neighbouring lane\'s label it would cover', () => {
    const narrow = new Map([[6, 200], [7, 250]]);
    const placed = placeLaneLabels([{ node: 6, y: 10, label: 'starting' }, { node: 7, y: 10, label: 'starting' }], narrow, 270, measure);
    const [a, b] = placed;
    expect(a && b).toBeTruthy();
    if (!a || !b) return;
    const overlapX = a.textX < b.textX + b.width && b.textX < a.textX + a.width;
    expect(overlapX).toBe(true);
    expect(Math.abs(a.textY - b.textY)).toBeGreaterThanOrEqual(LABEL_LINE_PX);
  });

  it('leaves side-by-side labels that do not touch at their own heights', () => {
    const placed = placeLaneLabels([{ node: 1, y: 10, label: 'ab' }, { node: 2, y: 10, label: 'ab' }], lanes, 300, measure);
    expect(placed.map((p) => p.textY)).toEqual([10, 10]);
  });
});
