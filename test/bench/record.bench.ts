/**
 * Recording cost and replay speed.
 * - record.overheadPct.commits: extra wall time per committed client operation when every node is
 *   recorded (inputs, outputs, a state digest after every input), records kept in memory
 *   (`.encoded`: also encoded to JSON Lines as a file writer would). The simulator with 3 nodes
 *   under a steady load of 8 clients is the workload; plain and recorded runs alternate and the
 *   fastest of each is compared (on a shared machine the minimum is the least disturbed sample).
 * - record.costPerRecordUs: the same difference per record taken (what recording costs a host
 *   per node event, whatever the host's own cost per event).
 * - record.replayEventsPerSec: node records re-executed and verified per second by replay.
 * - record.bytesPerEvent: average encoded size of one record.
 * - record.lab.overheadPct.commits: the overhead on the real runtime (3 node worker threads with
 *   their SQLite files, 4 clients writing as fast as they can), recording on vs off.
 */
import { performance } from 'node:perf_hooks';
import { replayRecording } from '../../shared/record/replay';
import { RecordingFactory } from '../../shared/record/recording-factory';
import { recordSimulation } from '../../shared/record/record-sim';
import { RunRecorder } from '../../shared/record/write';
import { resolveSimOptions, type SimOptions } from '../../shared/sim/options';
import { Simulator } from '../../shared/sim/simulator';
import { RawNode } from '../../shared/raft/raw-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerHost } from '../../electron/host/worker-host';
import { LabController } from '../../electron/lab/controller';
import { DEFAULT_CLUSTER_OPTIONS } from '../../shared/protocol/lab';
import type { BenchModule, Figure } from './registry';

type Mode = 'plain' | 'recorded' | 'encoded';

function steady(virtualMs: number): SimOptions {
  return resolveSimOptions({ nodes: 3, seed: 5, ops: 10_000_000, clients: 8, maxTimeMs: virtualMs, check: false });
}

/** Wall ms per completed client operation, and what the recording held. */
function msPerCommit(mode: Mode, virtualMs: number): { perOp: number; records: number; ops: number; bytes: number } {
  const options = steady(virtualMs);
  let bytes = 0;
  let run: RunRecorder | null = null;
  let sim: Simulator | null = null;
  const t0 = performance.now();
  if (mode === 'plain') {
    sim = new Simulator(options, RawNode);
  } else {
    run = new RunRecorder({
      source: 'sim', createdAtMs: 0, nodes: [1, 2, 3], seed: options.seed, keep: false,
      ...(mode === 'encoded' ? { onLine: (line: string) => void (bytes += line.length + 1) } : {}),
    });
    sim = new Simulator(options, new RecordingFactory(RawNode, run, () => sim?.now ?? 0));
  }
  sim.run();
  const wallMs = performance.now() - t0;
  if (sim.opsCompleted === 0) throw new Error('bench run completed no operations');
  return { perOp: wallMs / sim.opsCompleted, records: run?.size ?? 0, ops: sim.opsCompleted, bytes };
}

/** Wall ms per committed write on the real runtime, with recording on or off. */
async function labMsPerCommit(record: boolean, runMs: number): Promise<{ perOp: number; ops: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'raft-lab-bench-'));
  const lab = new LabController({ host: new WorkerHost(), traceMessages: false, checkInvariants: false, record });
  try {
    await lab.createCluster({ ...DEFAULT_CLUSTER_OPTIONS, nodes: 3, tickMs: 20, heartbeatTicks: 2, electionTicks: 15, snapshotEvery: 0, dataDir: dir });
    // Wait for a leader: the first write succeeds.
    for (let i = 0; i < 100; i++) if ((await lab.submit({ type: 'put', key: 'warm', value: `${i}` }, { timeoutMs: 2000 })).ok) break;
    let ops = 0;
    const t0 = performance.now();
    const until = t0 + runMs;
    await Promise.all(Array.from({ length: 4 }, async (_, c) => {
      for (let i = 0; performance.now() < until; i++) {
        if ((await lab.submit({ type: 'put', key: `k${c}`, value: `${i}` }, { client: `c${c}`, timeoutMs: 2000 })).ok) ops++;
      }
    }));
    const wallMs = performance.now() - t0;
    if (ops === 0) throw new Error('lab bench committed no writes');
    return { perOp: wallMs / ops, ops };
  } finally {
    await lab.destroyCluster();
    await rm(dir, { recursive: true, force: true });
  }
}

export const bench: BenchModule = {
  area: 'record',
  async run(ctx) {
    const virtualMs = ctx.quick ? 5_000 : 20_000;
    const rounds = ctx.quick ? 4 : 9;
    msPerCommit('plain', 1_000);
    msPerCommit('recorded', 1_000);
    const samples: Record<Mode, number[]> = { plain: [], recorded: [], encoded: [] };
    let perRecordBytes = 0;
    let recordsPerOp = 0;
    for (let i = 0; i < rounds; i++) {
      for (const mode of ['plain', 'recorded', 'encoded'] as const) {
        const r = msPerCommit(mode, virtualMs);
        samples[mode].push(r.perOp);
        if (mode === 'encoded') perRecordBytes = r.bytes / Math.max(1, r.records);
        if (mode === 'recorded') recordsPerOp = r.records / r.ops;
      }
      ctx.log(`round ${i + 1}: ms/op plain ${samples.plain.at(-1)!.toFixed(4)}, recorded ${samples.recorded.at(-1)!.toFixed(4)}, encoded ${samples.encoded.at(-1)!.toFixed(4)}`);
    }
    const plain = Math.min(...samples.plain);
    const figures: Figure[] = [
      { key: 'record.costPerRecordUs', value: ((Math.min(...samples.recorded) - plain) * 1000) / recordsPerOp, unit: 'µs', label: `added wall time per record (${recordsPerOp.toFixed(1)} records per committed op)`, lowerIsBetter: true },
      { key: 'record.overheadPct.commits', value: ((Math.min(...samples.recorded) - plain) / plain) * 100, unit: '%', label: 'extra wall time per committed op with recording on (3 nodes, 8 clients, records in memory)', lowerIsBetter: true },
      { key: 'record.overheadPct.commits.encoded', value: ((Math.min(...samples.encoded) - plain) / plain) * 100, unit: '%', label: 'the same, every record also encoded to JSON Lines', lowerIsBetter: true },
    ];

    const { recording } = recordSimulation({ nodes: 3, seed: 5, ops: ctx.quick ? 200 : 2_000, clients: 8, maxTimeMs: 600_000, faults: ['crash', 'partition'], faultWindowMs: 5_000 }, RawNode);
    const t0 = performance.now();
    const report = replayRecording(recording, RawNode);
    const wallMs = performance.now() - t0;
    if (!report.ok) throw new Error(`replay diverged: ${JSON.stringify(report.firstDivergence)}`);
    ctx.log(`replayed ${report.events} events in ${wallMs.toFixed(0)} ms`);
    figures.push({ key: 'record.replayEventsPerSec', value: (report.events / wallMs) * 1000, unit: 'events/s', label: 'node records re-executed through the core with digest verification' });
    figures.push({ key: 'record.bytesPerEvent', value: perRecordBytes, unit: 'bytes', label: 'average JSON Lines size of one record (steady load)', lowerIsBetter: true });

    const labRounds = ctx.quick ? 1 : 3;
    const labMs = ctx.quick ? 2_000 : 5_000;
    const lab: Record<'off' | 'on', number[]> = { off: [], on: [] };
    for (let i = 0; i < labRounds; i++) {
      for (const mode of ['off', 'on'] as const) {
        const r = await labMsPerCommit(mode === 'on', labMs);
        lab[mode].push(r.perOp);
        ctx.log(`lab round ${i + 1}, recording ${mode}: ${r.ops} writes, ${r.perOp.toFixed(3)} ms/write`);
      }
    }
    const off = Math.min(...lab.off);
    figures.push({ key: 'record.lab.overheadPct.commits', value: ((Math.min(...lab.on) - off) / off) * 100, unit: '%', label: 'extra wall time per committed write with recording on, real runtime (3 worker-thread nodes, SQLite, 4 clients)', lowerIsBetter: true });
    return figures;
  },
};
