/** The live lab's clock: wall-clock ms and real timers (shared/cluster/clock.ts). */
import type { LabClock } from '../../shared/cluster/clock';

export const wallClock: LabClock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
