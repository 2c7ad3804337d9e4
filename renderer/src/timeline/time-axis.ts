/**
 * The space-time diagram's vertical axis: lab time to pixels, with idle stretches squeezed.
 * While the cluster is paused the lab clock keeps running with the wall clock, so a person who
 * steps one message every few seconds got a diagram that was mostly empty screens: the vote
 * request and its reply a whole screen apart, the last step scrolled out of view by the next.
 * Every stretch with no event longer than IDLE_MS (a pause between steps, node start-up) is
 * drawn GAP_PX high and labelled with its length; the rest keeps the zoom's px per ms.
 * Pure; invariant: y() is strictly increasing, and at(y(t)) = t.
 */

export interface Gap {
  /** [fromMs, toMs): lab clock, no event strictly inside. */
  readonly fromMs: number;
  readonly toMs: number;
}

export const IDLE_MS = 400;
export const GAP_PX = 26;
/** Gaps closer than this (px of ordinary scale) are drawn as one band. */
export const MERGE_PX = 12;

/** Consecutive squeezed gaps drawn as one band: `idleMs` of silence in `pauses` stretches. */
export interface Band extends Gap {
  readonly idleMs: number;
  readonly pauses: number;
}

interface Squeezed extends Gap {
  /** Axis position (ms on the squeezed scale) where the gap starts. */
  readonly atAxis: number;
  /** Milliseconds removed by all earlier gaps and this one. */
  readonly removedThrough: number;
}

export class TimeAxis {
  private readonly gaps: Squeezed[] = [];
  /** The height of a squeezed gap, in ms of the ordinary scale. */
  private readonly gapMs: number;

  constructor(readonly originMs: number, readonly pxPerMs: number, gaps: readonly Gap[], gapPx = GAP_PX) {
    this.gapMs = gapPx / pxPerMs;
    let removed = 0;
    let lastTo = -Infinity;
    for (const g of gaps) {
      // Only gaps that squeezing makes shorter, in order and not overlapping.
      if (g.toMs - g.fromMs <= this.gapMs || g.fromMs < lastTo || g.fromMs < originMs) continue;
      const atAxis = g.fromMs - removed;
      removed += g.toMs - g.fromMs - this.gapMs;
      this.gaps.push({ ...g, atAxis, removedThrough: removed });
      lastTo = g.toMs;
    }
  }

  /** Gaps drawn between the two lab times (for their "idle" labels). */
  gapsBetween(fromMs: number, toMs: number): Gap[] {
    return this.gaps.filter((g) => g.toMs >= fromMs && g.fromMs <= toMs).map((g) => ({ fromMs: g.fromMs, toMs: g.toMs }));
  }

  /**
   * The grey bands to draw between two lab times: gaps that follow each other with less than
   * MERGE_PX of ordinary scale between them (a step's events at one instant, a node start-up
   * mark) form one band with one label, instead of a stack of bands each saying "no events" over
   * the time ruler.
   */
  bandsBetween(fromMs: number, toMs: number): Band[] {
    const out: Band[] = [];
    for (const g of this.gapsBetween(fromMs, toMs)) {
      const last = out[out.length - 1];
      if (last && (g.fromMs - last.toMs) * this.pxPerMs < MERGE_PX) {
        out[out.length - 1] = { fromMs: last.fromMs, toMs: g.toMs, idleMs: last.idleMs + (g.toMs - g.fromMs), pauses: last.pauses + 1 };
      } else {
        out.push({ fromMs: g.fromMs, toMs: g.toMs, idleMs: g.toMs - g.fromMs, pauses: 1 });
      }
    }
    return out;
  }

  /** Pixels below the top of the diagram (without padding) for a lab time. */
  y(atMs: number): number {
    const i = this.lastGapStartingBy(atMs);
    if (i < 0) return (atMs - this.originMs) * this.pxPerMs;
    const g = this.gaps[i] as Squeezed;
    const axis = atMs >= g.toMs
      ? atMs - g.removedThrough
      : g.atAxis + ((atMs - g.fromMs) / (g.toMs - g.fromMs)) * this.gapMs;
    return (axis - this.originMs) * this.pxPerMs;
  }

  /** The lab time drawn at a pixel offset (inverse of y). */
  at(px: number): number {
    const axis = px / this.pxPerMs + this.originMs;
    let lo = 0;
    let hi = this.gaps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.gaps[mid] as Squeezed).atAxis <= axis) lo = mid + 1; else hi = mid;
    }
    const g = this.gaps[lo - 1];
    if (!g) return axis;
    if (axis < g.atAxis + this.gapMs) return g.fromMs + ((axis - g.atAxis) / this.gapMs) * (g.toMs - g.fromMs);
    return axis + g.removedThrough;
  }

  /** The gap containing a lab time, if any (ruler ticks skip them). */
  gapAt(atMs: number): Gap | null {
    const i = this.lastGapStartingBy(atMs);
    const g = i >= 0 ? this.gaps[i] : undefined;
    return g && atMs < g.toMs ? { fromMs: g.fromMs, toMs: g.toMs } : null;
  }

  private lastGapStartingBy(atMs: number): number {
    let lo = 0;
    let hi = this.gaps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.gaps[mid] as Squeezed).fromMs <= atMs) lo = mid + 1; else hi = mid;
    }
    return lo - 1;
  }
}
