/** Where nodes sit in the cluster view: evenly on a circle, node 1 at the top, clockwise. */
import type { NodeId } from '../../../shared/raft/types';

export interface Point { readonly x: number; readonly y: number }

export const VIEW_W = 520;
export const VIEW_H = 360;
export const NODE_R = 30;

export function ringLayout(ids: readonly NodeId[]): Map<NodeId, Point> {
  const cx = VIEW_W / 2;
  const cy = VIEW_H / 2 + 4;
  const r = Math.min(VIEW_W, VIEW_H) / 2 - NODE_R - 24;
  const out = new Map<NodeId, Point>();
  ids.forEach((id, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(ids.length, 1);
    out.set(id, { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) });
  });
  return out;
}

/** A point `t` of the way from a to b, shifted `offset` px to the right of the a->b direction. */
export function along(a: Point, b: Point, t: number, offset = 0): Point {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  return { x: a.x + dx * t - (dy / len) * offset, y: a.y + dy * t + (dx / len) * offset };
}
