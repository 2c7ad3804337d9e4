/** Order statistics for bench figures. */

/** The p-th percentile (0-100) of `values` (nearest rank below; NaN when empty). Does not reorder `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}
