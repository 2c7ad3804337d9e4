/**
 * What a `raft-lab run` costs while it runs: the recording file's size and this process's memory
 * (the node workers live in it too), sampled once a second during the client load. The summary
 * says how fast the recording grew and whether memory stayed flat (the figures `npm run bench`
 * reports, and what a long run is judged by).
 */
import { stat } from 'node:fs/promises';

export interface LoadSample {
  readonly ms: number;
  readonly recordingBytes: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

export interface LoadSummary {
  readonly seconds: number;
  readonly recordingBytes: number;
  readonly recordingMBPerSec: number;
  /** Median of the samples in the second tenth of the run (after start-up) and of the last tenth. */
  readonly rssMB: { readonly early: number; readonly late: number; readonly max: number };
  readonly heapUsedMB: { readonly early: number; readonly late: number; readonly max: number };
  /** Resident memory at the end of each tenth of the load, to see a trend rather than two points. */
  readonly rssMBByTenth: readonly number[];
}

const MB = 1024 * 1024;

export class LoadMonitor {
  private readonly samples: LoadSample[] = [];
  private readonly started = Date.now();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly recordingPath: () => string | null, everyMs = 1000) {
    this.timer = setInterval(() => void this.sample(), everyMs);
    // Never what keeps the process alive (a run that fails midway exits without stop()).
    this.timer.unref();
  }

  private async sample(): Promise<void> {
    const path = this.recordingPath();
    const size = path === null ? 0 : await stat(path).then((s) => s.size, () => 0);
    const mem = process.memoryUsage();
    this.samples.push({ ms: Date.now() - this.started, recordingBytes: size, rssBytes: mem.rss, heapUsedBytes: mem.heapUsed });
  }

  async stop(): Promise<LoadSummary> {
    clearInterval(this.timer);
    await this.sample();
    const s = this.samples;
    const last = s[s.length - 1]!;
    const tenth = Math.max(1, Math.floor(s.length / 10));
    const early = s.slice(tenth, 2 * tenth);
    const late = s.slice(-tenth);
    const mb = (pick: (x: LoadSample) => number, xs: readonly LoadSample[]) => round(median(xs.map(pick)) / MB);
    const summary = (pick: (x: LoadSample) => number) => ({ early: mb(pick, early.length > 0 ? early : s), late: mb(pick, late), max: round(Math.max(...s.map(pick)) / MB) });
    return {
      seconds: round(last.ms / 1000),
      recordingBytes: last.recordingBytes,
      recordingMBPerSec: round(last.recordingBytes / MB / Math.max(0.001, last.ms / 1000)),
      rssMB: summary((x) => x.rssBytes),
      heapUsedMB: summary((x) => x.heapUsedBytes),
      rssMBByTenth: Array.from({ length: 10 }, (_, i) => round((s[Math.min(s.length - 1, Math.floor(((i + 1) * s.length) / 10) - 1)] ?? last).rssBytes / MB)),
    };
  }
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
