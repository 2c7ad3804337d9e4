/**
 * A long real run stays bounded: `raft-lab run` with 5 node workers, crashes and partitions,
 * run as the real command (a child process), reporting what it measured during the client load
 * (electron/cli/commands/run-monitor.ts).
 * - longrun.recordingMBPerSec: how fast the streamed recording (gzip) grew (target at most ~1 MB/s).
 * - longrun.rssGrowthMB: the process's resident memory (main thread and node workers) late in
 *   the load minus early in it (medians of the second and last tenth of one-second samples).
 * - longrun.heapGrowthMB: the same for the main thread's JavaScript heap.
 * - longrun.opsPerSec: client operations answered per second, so a quiet run is not mistaken
 *   for a bounded one.
 * 60 s of load (15 s with --quick, 10 minutes with --long), then the run replays and checks its
 * recording as it reads it; it must pass.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { BenchModule, Figure } from './registry';

const BIN = fileURLToPath(new URL('../../electron/cli/raft-lab.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const mbRange = z.object({ early: z.number(), late: z.number(), max: z.number() });
const summarySchema = z.object({
  passed: z.boolean(),
  durationMs: z.number(),
  opsOk: z.number(),
  problems: z.array(z.string()),
  load: z.object({ seconds: z.number(), recordingBytes: z.number(), recordingMBPerSec: z.number(), rssMB: mbRange, heapUsedMB: mbRange }),
});

async function runCli(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, out, err };
}

export const bench: BenchModule = {
  area: 'longrun',
  async run(ctx): Promise<readonly Figure[]> {
    const seconds = ctx.long ? 600 : ctx.quick ? 15 : 60;
    const dir = await mkdtemp(join(tmpdir(), 'raft-lab-bench-longrun-'));
    try {
      ctx.log(`raft-lab run: 5 nodes, ${seconds} s, crashes and partitions`);
      const r = await runCli(['run', '--nodes', '5', '--duration', `${seconds}s`, '--faults', 'crash,partition', '--seed', '11', '--data-dir', join(dir, 'data'), '--out', join(dir, 'run.jsonl.gz'), '--json']);
      if (r.code !== 0) throw new Error(`raft-lab run exited ${r.code}: ${r.err.slice(-2000)}`);
      const s = summarySchema.parse(JSON.parse(r.out));
      if (!s.passed) throw new Error(`raft-lab run did not pass: ${s.problems.join('; ')}`);
      const what = `5 nodes, ${seconds} s of load with crashes and partitions`;
      return [
        { key: 'longrun.recordingMBPerSec', value: s.load.recordingMBPerSec, unit: 'MB/s', label: `recording growth, ${what}`, floor: 1, lowerIsBetter: true },
        { key: 'longrun.rssGrowthMB', value: s.load.rssMB.late - s.load.rssMB.early, unit: 'MB', label: `resident memory late minus early in the load (${s.load.rssMB.early} -> ${s.load.rssMB.late} MB), ${what}` },
        { key: 'longrun.heapGrowthMB', value: s.load.heapUsedMB.late - s.load.heapUsedMB.early, unit: 'MB', label: `main-thread heap late minus early (${s.load.heapUsedMB.early} -> ${s.load.heapUsedMB.late} MB), ${what}` },
        { key: 'longrun.opsPerSec', value: s.opsOk / (s.durationMs / 1000), unit: 'ops/s', label: `client operations answered per second, ${what}` },
      ];
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
