import { SPEED_MAX, SPEED_MIN } from '../../../shared/limits';

/** The speed steps the toolbar and the +/- keys move between: from the slowest to the fastest the lab accepts. */
export const SPEEDS = [SPEED_MIN, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, SPEED_MAX] as const;

export function nextSpeed(current: number, direction: 1 | -1): number {
  let i = SPEEDS.findIndex((s) => s >= current - 1e-9);
  if (i < 0) i = SPEEDS.length - 1;
  const j = Math.min(SPEEDS.length - 1, Math.max(0, i + direction));
  return SPEEDS[j] ?? 1;
}
