/**
 * Frame times of the running page: requestAnimationFrame intervals over a window, plus the long
 * tasks (main thread busy > 50 ms) the browser reports. Used by the responsiveness spec (which
 * records the figures) and by `npm run bench` (renderer.bench.ts, which reports them).
 */
import type { Page } from 'playwright-core';

export interface FrameStats {
  readonly frames: number;
  readonly durationMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly longTasks: number;
  readonly longestTaskMs: number;
}

/**
 * The in-page measurement, as source text: a function passed to page.evaluate would be
 * serialised after transpilation, and tsx's helpers (e.g. `__name`) do not exist in the page.
 */
const MEASURE_SOURCE = `async (ms) => {
  const gaps = [];
  const tasks = [];
  let observer = null;
  try {
    observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push(e.duration); });
    observer.observe({ type: 'longtask', buffered: false });
  } catch { observer = null; }
  const start = performance.now();
  await new Promise((done) => {
    let last = start;
    const frame = (t) => {
      gaps.push(t - last);
      last = t;
      if (t - start < ms) requestAnimationFrame(frame); else done();
    };
    requestAnimationFrame(frame);
  });
  if (observer) observer.disconnect();
  const sorted = [...gaps].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  return {
    frames: gaps.length, durationMs: performance.now() - start,
    p50Ms: q(0.5), p95Ms: q(0.95), p99Ms: q(0.99), maxMs: sorted[sorted.length - 1] ?? 0,
    longTasks: tasks.length, longestTaskMs: Math.max(0, ...tasks),
  };
}`;

export async function measureFrames(page: Page, durationMs: number): Promise<FrameStats> {
  return (await page.evaluate(`(${MEASURE_SOURCE})(${Number(durationMs)})`)) as FrameStats;
}
