/**
 * The lab's pace as the toolbar names it: "watch" while messages have a network time to travel
 * (WATCH_PACE or a speed chosen from it), "real" without one. And how long a message's dot takes
 * to cross the cluster view: its network time on screen when it has one, else a short glide.
 */
import { WATCH_PACE, REAL_PACE, type Pace } from '../../../shared/protocol/lab';
import { SPEED_MIN } from '../../../shared/limits';

export type PaceName = 'watch' | 'real';

export function paceName(networkMs: number): PaceName {
  return networkMs > 0 ? 'watch' : 'real';
}

export const PACES: Readonly<Record<PaceName, Pace>> = { watch: WATCH_PACE, real: REAL_PACE };

/** "each message 100 ms of lab time = 0.5 s on screen" (a speed shown without trailing zeros). */
export function paceDetail(speed: number, networkMs: number): string {
  if (networkMs <= 0) return `${speed}×, messages as fast as the machine passes them`;
  return `${speed}×, each message ${networkMs} ms on its link = ${formatSeconds(networkMs / speed)} on screen`;
}

/** Real ms a message's dot takes along its link: its network time at this speed, or a glide. */
export function flightMs(speed: number, networkMs: number): number {
  const s = Math.max(speed, SPEED_MIN);
  if (networkMs > 0) return networkMs / s;
  return Math.min(2_000, Math.max(250, 450 / Math.max(s, 0.05)));
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}
