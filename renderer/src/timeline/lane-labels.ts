/**
 * Where the space-time diagram writes its lane labels ("pre-candidate t1", "leader t2",
 * "crashed"). An election is a few milliseconds, so its role changes fall within a pixel or two
 * of each other on one lane: drawn at their own heights they sat on top of each other. Here each
 * lane's labels are stacked downwards, one line apart, in time order, and a label that would run
 * past the right edge is written to the left of its lane. Pure: the caller measures text.
 */

export interface LabelMark {
  readonly node: number;
  /** Content y of the event (where its dot is drawn). */
  readonly y: number;
  readonly label: string;
}

export interface PlacedLabel<M extends LabelMark> {
  readonly mark: M;
  /** Baseline-centre y of the text; >= mark.y (moved down when the line above is taken). */
  readonly textY: number;
  /** Left edge of the text. */
  readonly textX: number;
  readonly width: number;
}

export const LABEL_LINE_PX = 12;
const GAP_PX = 5;

/**
 * Invariant: on one lane, labels keep the order of their marks and no two are closer than
 * LABEL_LINE_PX; every label lies within [0, widthPx) horizontally when it fits at all.
 */
export function placeLaneLabels<M extends LabelMark>(
  marks: readonly M[], laneX: ReadonlyMap<number, number>, widthPx: number, measure: (text: string) => number,
): PlacedLabel<M>[] {
  const byLane = new Map<number, M[]>();
  for (const m of marks) {
    if (!laneX.has(m.node)) continue;
    let list = byLane.get(m.node);
    if (!list) byLane.set(m.node, (list = []));
    list.push(m);
  }
  const out: PlacedLabel<M>[] = [];
  for (const [node, list] of byLane) {
    const x = laneX.get(node) as number;
    list.sort((a, b) => a.y - b.y);
    let lastY = -Infinity;
    for (const mark of list) {
      const textY = Math.max(mark.y, lastY + LABEL_LINE_PX);
      lastY = textY;
      const width = measure(mark.label);
      const right = x + GAP_PX + width <= widthPx;
      out.push({ mark, textY, width, textX: right ? x + GAP_PX : Math.max(0, x - GAP_PX - width) });
    }
  }
  return out;
}
