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
 * LABEL_LINE_PX; no two labels anywhere overlap (a label wider than the gap between lanes, or
 * one written to the left of the last lane, moves below its neighbour's); every label lies
 * within [0, widthPx) horizontally when it fits at all.
 */
export function placeLaneLabels<M extends LabelMark>(
  marks: readonly M[], laneX: ReadonlyMap<number, number>, widthPx: number, measure: (text: string) => number,
): PlacedLabel<M>[] {
  const sorted = marks.filter((m) => laneX.has(m.node)).sort((a, b) => a.y - b.y);
  const lastOnLane = new Map<number, number>();
  const out: PlacedLabel<M>[] = [];
  for (const mark of sorted) {
    const x = laneX.get(mark.node) as number;
    const width = measure(mark.label);
    const textX = x + GAP_PX + width <= widthPx ? x + GAP_PX : Math.max(0, x - GAP_PX - width);
    let textY = Math.max(mark.y, (lastOnLane.get(mark.node) ?? -Infinity) + LABEL_LINE_PX);
    // Move down past any label already placed that this one would cover (bounded: each pass
    // moves below a different, earlier label).
    for (let pass = 0; pass <= out.length; pass++) {
      const hit = out.find((o) => Math.abs(o.textY - textY) < LABEL_LINE_PX && o.textX < textX + width + 2 && textX < o.textX + o.width + 2);
      if (!hit) break;
      textY = hit.textY + LABEL_LINE_PX;
    }
    lastOnLane.set(mark.node, textY);
    out.push({ mark, textY, width, textX });
  }
  return out;
}
