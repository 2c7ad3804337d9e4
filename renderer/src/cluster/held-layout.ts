/**
 * Where held messages wait in the cluster view. Several held on one link used to sit on one spot
 * by their receiver, drawn as one dot, over the receiver's labels. Here each gets its own spot on
 * its directed lane (to the right of the sender→receiver direction, so the two directions stay
 * apart), nearest the receiver first, spaced apart, and never inside a node's label boxes (its
 * circle and timer ring, the role tag above, vote pips or badges below).
 */
import { NODE_R, along, type Point } from './layout';
import type { NodeId } from '../../../shared/raft/types';

export interface Box { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number }
/** A node's circle with its timer ring. */
export interface Disc { readonly x: number; readonly y: number; readonly r: number }
export interface Obstacles { readonly boxes: readonly Box[]; readonly discs: readonly Disc[] }

/** Room a held dot needs around its centre (its radius plus a little air). */
const DOT_CLEAR = 9;
/** Distance between the centres of two held dots on one link. */
const SPACING = 17;
const STEP = 2;
const LANE_OFFSET = 5;

/** What held dots keep clear of: every node's circle and ring, role tag above, and pips or badges below when shown. */
export function labelBoxes(pos: ReadonlyMap<NodeId, Point>, hasBelow: (id: NodeId) => boolean): Obstacles {
  const boxes: Box[] = [];
  const discs: Disc[] = [];
  for (const [id, p] of pos) {
    discs.push({ x: p.x, y: p.y, r: NODE_R + 9 });
    boxes.push({ x0: p.x - 40, y0: p.y - NODE_R - 24, x1: p.x + 40, y1: p.y - NODE_R - 8 });
    if (hasBelow(id)) boxes.push({ x0: p.x - 46, y0: p.y + NODE_R, x1: p.x + 46, y1: p.y + NODE_R + 50 });
  }
  return { boxes, discs };
}

function hits(p: Point, o: Obstacles): boolean {
  return o.boxes.some((b) => p.x + DOT_CLEAR > b.x0 && p.x - DOT_CLEAR < b.x1 && p.y + DOT_CLEAR > b.y0 && p.y - DOT_CLEAR < b.y1)
    || o.discs.some((d) => Math.hypot(p.x - d.x, p.y - d.y) < d.r + DOT_CLEAR);
}

/**
 * `count` spots for messages held on the link from `a` to `b`, the first nearest `b`. A spot is
 * on the right of the a→b direction (the other direction's messages use the other side), as
 * close to the receiver as it can be while clear of the obstacles and at least SPACING from every
 * spot in `taken` (other links' held messages); spots fan out sideways when the link is short.
 * Chosen spots are added to `taken`. When there is no clear room left, the rest share the link's
 * free stretch evenly (overlapping, but each still drawn).
 */
export function heldSpots(a: Point, b: Point, count: number, obstacles: Obstacles, taken: Point[] = []): Point[] {
  const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  const out: Point[] = [];
  const far = (p: Point) => taken.every((q) => Math.hypot(p.x - q.x, p.y - q.y) >= SPACING);
  // d: distance back from the receiver's centre along the link; side: offset to the right.
  for (let d = NODE_R; d <= len / 2 + NODE_R && out.length < count; d += STEP) {
    for (let side = LANE_OFFSET; side <= LANE_OFFSET + 3 * SPACING && out.length < count; side += SPACING) {
      const p = along(a, b, 1 - d / len, side);
      if (hits(p, obstacles) || !far(p)) continue;
      out.push(p);
      taken.push(p);
    }
  }
  if (out.length < count) {
    const missing = count - out.length;
    const from = NODE_R + DOT_CLEAR;
    const to = len - NODE_R - DOT_CLEAR;
    for (let i = 0; i < missing; i++) out.push(along(a, b, 1 - (from + ((to - from) * (i + 0.5)) / missing) / len, LANE_OFFSET));
  }
  return out;
}
