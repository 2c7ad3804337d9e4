/**
 * The real-time clock a playing branch runs on (shared/ may not use timers): every animation
 * frame, or every 100 ms while the tab is hidden, it reports the real ms since the last report.
 */
import type { FrameClock } from '../../../shared/replay/branch-lab';

export const browserFrameClock: FrameClock = {
  start(onFrame) {
    let last = performance.now();
    let raf = 0;
    let stopped = false;
    const frame = () => {
      if (stopped) return;
      const now = performance.now();
      onFrame(now - last);
      last = now;
      raf = requestAnimationFrame(frame);
    };
    raf = requestAnimationFrame(frame);
    // requestAnimationFrame stops in a hidden tab: keep the branch moving there too.
    const timer = setInterval(() => {
      if (document.hidden) frame();
    }, 100);
    return () => {
      stopped = true;
      cancelAnimationFrame(raf);
      clearInterval(timer);
    };
  },
};
