import { describe, expect, it } from 'vitest';
import { TimeAxis } from '../../renderer/src/timeline/time-axis';

describe('TimeAxis', () => {
  // 0.4 px per ms (the diagram's default zoom); a 26 px gap stands for 65 ms of ordinary scale.
  const axis = new TimeAxis(1_000, 0.4, [{ fromMs: 2_000, toMs: 62_000 }, { fromMs: 62_500, toMs: 70_000 }], 26);

  it('draws a minute of paused wall-clock time as one short gap, not 24,000 px of empty diagram', () => {
    expect(axis.y(2_000)).toBeCloseTo(400);
    expect(axis.y(62_000)).toBeCloseTo(426);
    // An election's messages on either side of the pause stay a few hundred px apart.
    expect(axis.y(62_100) - axis.y(1_900)).toBeLessThan(200);
  });

  it('keeps the zoom between gaps, and is continuous and increasing across them', () => {
    expect(axis.y(62_400) - axis.y(62_000)).toBeCloseTo(160);
    const ts = [1_000, 1_999, 2_000, 2_001, 30_000, 61_999, 62_000, 62_250, 62_500, 66_000, 70_000, 71_000];
    const ys = ts.map((t) => axis.y(t));
    for (let i = 1; i < ys.length; i++) expect(ys[i] as number).toBeGreaterThan(ys[i - 1] as number);
  });

  it('reads back the lab time at a pixel (at is the inverse of y)', () => {
    for (const t of [1_000, 1_500, 2_000, 10_000, 62_000, 62_300, 65_000, 70_000, 80_000]) expect(axis.at(axis.y(t))).toBeCloseTo(t, 6);
  });

  it('reports which gaps lie in a window and whether a time is inside one', () => {
    expect(axis.gapsBetween(1_000, 3_000)).toEqual([{ fromMs: 2_000, toMs: 62_000 }]);
    expect(axis.gapAt(30_000)).toEqual({ fromMs: 2_000, toMs: 62_000 });
    expect(axis.gapAt(62_200)).toBeNull();
  });

  it('leaves a stretch alone when squeezing would not shorten it (zoomed far out)', () => {
    const far = new TimeAxis(0, 0.005, [{ fromMs: 1_000, toMs: 2_000 }], 26);
    expect(far.y(2_000)).toBeCloseTo(10);
    expect(far.gapsBetween(0, 5_000)).toEqual([]);
  });

  it('draws gaps that follow each other (the events of a step at one instant between two pauses) as one band with one label', () => {
    // Three 0.6 s pauses separated by events 1 ms apart, then a pause after 500 ms of activity.
    const gaps = [{ fromMs: 1_000, toMs: 1_600 }, { fromMs: 1_601, toMs: 2_200 }, { fromMs: 2_200, toMs: 2_800 }, { fromMs: 3_300, toMs: 4_000 }];
    const a = new TimeAxis(0, 0.4, gaps, 26);
    // Each pause is still squeezed on the axis...
    expect(a.gapsBetween(0, 5_000)).toHaveLength(4);
    // ...but the first three are one band, whose label counts all their silence.
    expect(a.bandsBetween(0, 5_000)).toEqual([
      { fromMs: 1_000, toMs: 2_800, idleMs: 1_799, pauses: 3 },
      { fromMs: 3_300, toMs: 4_000, idleMs: 700, pauses: 1 },
    ]);
  });
});
