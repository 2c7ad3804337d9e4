import { describe, expect, it } from 'vitest';
import { heldSpots, labelBoxes, type Box, type Disc } from '../../renderer/src/cluster/held-layout';
import { ringLayout, type Point } from '../../renderer/src/cluster/layout';

const inBox = (p: Point, b: Box) => p.x > b.x0 && p.x < b.x1 && p.y > b.y0 && p.y < b.y1;
const inDisc = (p: Point, d: Disc) => Math.hypot(p.x - d.x, p.y - d.y) < d.r;

describe('held messages in the cluster view', () => {
  const pos = ringLayout([1, 2, 3, 4, 5]);
  const obstacles = labelBoxes(pos, (id) => id === 1);

  it('three messages held on one link get three separate spots, nearest the receiver first, none on a label', () => {
    const a = pos.get(2)!;
    const b = pos.get(1)!;
    const spots = heldSpots(a, b, 3, obstacles);
    expect(spots).toHaveLength(3);
    for (let i = 0; i < spots.length; i++) {
      for (let j = i + 1; j < spots.length; j++) expect(Math.hypot(spots[i]!.x - spots[j]!.x, spots[i]!.y - spots[j]!.y)).toBeGreaterThanOrEqual(16);
      for (const box of obstacles.boxes) expect(inBox(spots[i]!, box)).toBe(false);
      for (const disc of obstacles.discs) expect(inDisc(spots[i]!, disc)).toBe(false);
    }
    // Nearest the receiver first (sideways steps keep about the same distance).
    const dist = spots.map((p) => Math.hypot(p.x - b.x, p.y - b.y));
    for (let i = 1; i < dist.length; i++) expect(dist[i]!).toBeGreaterThan(dist[0]! - 1);
  });

  it('the two directions of a link use different lanes', () => {
    const [ab] = heldSpots(pos.get(3)!, pos.get(4)!, 1, obstacles);
    const [ba] = heldSpots(pos.get(4)!, pos.get(3)!, 1, obstacles);
    expect(Math.hypot(ab!.x - ba!.x, ab!.y - ba!.y)).toBeGreaterThan(8);
  });

  it('messages held on different links into one receiver keep apart too', () => {
    const taken: Point[] = [];
    const all = [2, 3, 4, 5].flatMap((from) => heldSpots(pos.get(from)!, pos.get(1)!, 2, obstacles, taken));
    expect(all).toHaveLength(8);
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) {
      expect(Math.hypot(all[i]!.x - all[j]!.x, all[i]!.y - all[j]!.y)).toBeGreaterThanOrEqual(16);
    }
  });

  it('more messages than the link has room for are all still placed', () => {
    expect(heldSpots(pos.get(2)!, pos.get(1)!, 12, obstacles)).toHaveLength(12);
  });
});
