/**
 * `raft-lab run`: a real cluster, headless. Each node runs the node runtime in its own worker
 * thread (own event loop, MessagePorts to its peers, its own SQLite file), driven by the lab
 * controller exactly as the app drives it, under client load and seeded faults. The run is
 * recorded; at the end the recording is written, replayed through the core and checked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WorkerHost } from '../../host/worker-host';
import { LabController } from '../../lab/controller';
import { describeViolation } from '../../../shared/check/invariants';
import { DEFAULT_CLUSTER_OPTIONS, type KvOp } from '../../../shared/protocol/lab';
import { RawNode } from '../../../shared/raft/raw-node';
import type { NodeId } from '../../../shared/raft/types';
import { MAX_NODES } from '../../../shared/limits';
import type { RecordingCheck } from '../../../shared/record/check';
import { createRng, type Rng } from '../../../shared/util/rng';
import { UsageError, intFlag, intFlagIn, listFlag, parseArgs } from '../args';
import type { CliIo, Subcommand } from '../subcommand';
import { prepareDataDir } from './data-dir';
import { copyRecordingAs } from './recording-copy';
import { LoadMonitor } from './run-monitor';
import { checkRecordingFile, EXIT_BAD_FILE, EXIT_CANNOT_WRITE, FileProblem, reserveOutput, withFiles } from './recording-io';

export const RUN_FAULTS = ['crash', 'partition', 'loss', 'delay', 'duplicate', 'reorder'] as const;
type RunFault = (typeof RUN_FAULTS)[number];

const HELP = `Usage: raft-lab run --nodes N [options]

Runs a real Raft cluster headless: every node is the node runtime in its own worker thread with
its own SQLite file, peers talk over MessagePorts. Clients write and read while seeded faults
hit the cluster; the run is recorded, written to --out, replayed through the core (every state
hash compared) and checked (safety invariants, linearizability).

Options:
  --nodes N          cluster size, 1 to ${MAX_NODES} [3]
  --duration D       how long clients and faults run: 10s, 1500ms or seconds [10s]
  --faults LIST      comma-separated: ${RUN_FAULTS.join(', ')} [none]
  --clients N        concurrent clients [2]
  --seed N           seeds election timeouts, the workload and the faults, 0 to 4294967295 [1]
  --tick-ms N        milliseconds per tick [20]
  --snapshot-every N each node compacts its log every N applied entries; 0 never [${DEFAULT_CLUSTER_OPTIONS.snapshotEvery}]
  --out FILE         where to write the recording [raft-lab-run-<seed>.jsonl.gz]: gzip when FILE
                     ends in .gz, plain JSON Lines otherwise; never replaced unless --force;
                     checked before the run starts
  --data-dir DIR     keep the nodes' SQLite files and the recording here (default: a temporary
                     folder, removed). Created if missing; a folder that already holds a cluster
                     (node-N.sqlite, recording-*.jsonl.gz) is refused: delete it or choose another
  --force            replace an existing --out
  --json             machine-readable summary
Every argument is checked before anything starts.
Exit codes: 0 passed, 1 a safety violation, 2 a replay divergence, a non-linearizable history or
client requests answered "superseded", 64 bad arguments, 73 output not writable.
`;

export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!m) throw new UsageError(`--duration must look like 10s, 1500ms or 2m, got "${raw}"`);
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  if (ms < 100 || ms > 3_600_000) throw new UsageError(`--duration must be between 100ms and 1h, got "${raw}"`);
  return Math.round(ms);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const runCommand: Subcommand = {
  summary: 'run a real multi-process cluster headless, record it, replay and check it',
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, ['nodes', 'duration', 'faults', 'clients', 'seed', 'tick-ms', 'snapshot-every', 'out', 'data-dir'], ['force', 'json', 'help']);
    if (flags.has('help')) {
      io.out(HELP);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const nodes = flags.has('nodes') ? intFlag('nodes', flags.get('nodes')!) : 3;
    if (nodes < 1 || nodes > MAX_NODES) throw new UsageError(`--nodes must be 1 to ${MAX_NODES}, got ${nodes}`);
    const durationMs = parseDuration(flags.get('duration') ?? '10s');
    const faults = listFlag(flags.get('faults') ?? '');
    for (const f of faults) if (!(RUN_FAULTS as readonly string[]).includes(f)) throw new UsageError(`unknown fault "${f}"; choose from ${RUN_FAULTS.join(', ')}`);
    const clients = flags.has('clients') ? intFlag('clients', flags.get('clients')!) : 2;
    if (clients < 0 || clients > 64) throw new UsageError(`--clients must be 0 to 64, got ${clients}`);
    const seed = flags.has('seed') ? intFlagIn('seed', flags.get('seed')!, 0, 0xffff_ffff) : 1;
    const tickMs = flags.has('tick-ms') ? intFlag('tick-ms', flags.get('tick-ms')!) : 20;
    if (tickMs < 1 || tickMs > 10_000) throw new UsageError(`--tick-ms must be 1 to 10000, got ${tickMs}`);
    const snapshotEvery = flags.has('snapshot-every') ? intFlagIn('snapshot-every', flags.get('snapshot-every')!, 0, 1_000_000) : DEFAULT_CLUSTER_OPTIONS.snapshotEvery;
    if (flags.get('out') === '') throw new UsageError('--out needs a file name');
    if (flags.get('data-dir') === '') throw new UsageError('--data-dir needs a folder name');
    const out = resolve(flags.get('out') ?? `raft-lab-run-${seed}.jsonl.gz`);
    const json = flags.has('json');
    const force = flags.has('force');
    const say = (line: string) => (json ? undefined : io.err(`${line}\n`));

    return withFiles(io.err, 'run', async () => {
      // Refuse before running, not after: the run cannot be repeated exactly.
      const release = await reserveOutput(out, force);
      const keepData = flags.get('data-dir');
      let dataDir: string;
      try {
        if (keepData !== undefined) {
          dataDir = resolve(keepData);
          await prepareDataDir(dataDir);
        } else dataDir = await mkdtemp(join(tmpdir(), 'raft-lab-run-'));
      } catch (e) {
        await release();
        throw e;
      }
      const lab = new LabController({ host: new WorkerHost(), traceMessages: false, checkInvariants: true, batchMs: 50 });
      const rng = createRng(seed);
      const stats: ClientStats & { faults: string[] } = { ok: 0, failed: 0, superseded: 0, faults: [] };
      let written = false;
      try {
        await lab.createCluster({ ...DEFAULT_CLUSTER_OPTIONS, nodes, tickMs, seed, heartbeatTicks: 2, electionTicks: 15, snapshotEvery, dataDir });
        say(`cluster of ${nodes} up; running ${durationMs} ms with ${clients} client(s), faults: ${faults.join(', ') || 'none'}`);
        const monitor = new LoadMonitor(() => lab.recordingPath);
        const until = Date.now() + durationMs;
        const work = Array.from({ length: clients }, (_, c) => clientLoop(lab, `c${c + 1}`, rng.fork(), until, stats));
        const nemesis = faults.length > 0 ? faultLoop(lab, nodes, faults as RunFault[], rng.fork(), until, stats, say) : sleep(durationMs);
        await Promise.all([...work, nemesis]);
        const load = await monitor.stop();
        await heal(lab, nodes);
        await sleep(Math.max(500, tickMs * 30));
        await lab.destroyCluster();
        // The controller streamed the recording (gzip) to the data folder as the run went: copy
        // that file, or its text when --out does not end in .gz (the run never holds the
        // recording as one string).
        const streamed = lab.recordingPath;
        if (streamed === null) throw new Error('the controller recorded nothing');
        try {
          await copyRecordingAs(streamed, out, true);
        } catch (e) {
          throw new FileProblem(`${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`, EXIT_CANNOT_WRITE);
        }
        written = true;
        const { check: result, records } = await checkRecordingFile(out, RawNode).catch((e: unknown) => {
          if (e instanceof FileProblem && e.code === EXIT_BAD_FILE) throw new FileProblem(`${out}: the run's own recording does not read back: ${e.message.slice(`${out}: `.length)}`, EXIT_BAD_FILE);
          throw e;
        });
        say(`wrote ${out} (${records} records)${lab.recordingProblem ? `; WARNING: ${lab.recordingProblem}` : ''}`);
        const verdict = runVerdict(result, stats, lab.recordingProblem);
        const summary = {
          out, nodes, durationMs, faults, seed, snapshotEvery, opsOk: stats.ok, opsFailed: stats.failed, opsSuperseded: stats.superseded, injected: stats.faults,
          records, recordingProblem: lab.recordingProblem, load,
          replay: { ok: result.replay.ok, events: result.replay.events, firstDivergence: result.replay.firstDivergence },
          violations: result.violations, linearizability: result.linearizability?.kind ?? null, passed: verdict.code === 0, problems: verdict.problems,
        };
        if (json) io.out(`${JSON.stringify(summary, null, 2)}\n`);
        else {
          const d = result.replay.firstDivergence;
          io.out([
            `run: ${nodes} nodes, ${durationMs} ms, seed ${seed}; client ops ${stats.ok} ok, ${stats.failed} failed (${stats.superseded} answered "superseded"); ${stats.faults.length} fault action(s)`,
            `recording: ${out}, ${records} records; during the load it grew ${load.recordingMBPerSec} MB/s; memory (rss) ${load.rssMB.early} MB early, ${load.rssMB.late} MB late, heap ${load.heapUsedMB.early} -> ${load.heapUsedMB.late} MB`,
            d === null ? `replay: ${result.replay.events} events, zero divergences` : `replay: DIVERGED at line ${d.line} (node ${d.node}, ${d.event}): ${d.what}`,
            result.violations.length === 0 ? 'invariants: no violation' : `invariants: ${result.violations.map(describeViolation).join('\n  ')}`,
            `linearizability: ${result.linearizability?.kind ?? 'no operations'}`,
            ...verdict.problems.map((p) => `problem: ${p}`),
            verdict.code === 0 ? 'PASS' : 'FAIL',
          ].join('\n') + '\n');
        }
        return verdict.code;
      } finally {
        await lab.destroyCluster().catch(() => undefined);
        if (!written) await release();
        if (keepData === undefined) await rm(dataDir, { recursive: true, force: true });
      }
    });
  },
};

interface ClientStats {
  ok: number;
  failed: number;
  /** Answers saying the request was superseded by a later one of its client. */
  superseded: number;
}

/**
 * The run's exit code and what made it fail. A fresh cluster never answers "superseded" (each
 * client has one request in flight and numbers them upwards), so such answers mean the nodes
 * knew these client sessions from elsewhere: the run did not test what it claims.
 */
export function runVerdict(result: Pick<RecordingCheck, 'ok' | 'violations'>, stats: ClientStats, recordingProblem: string | null): { code: number; problems: string[] } {
  const problems: string[] = [];
  if (stats.superseded > 0) {
    const total = stats.ok + stats.failed;
    problems.push(`${stats.superseded} of ${total} client request(s) were answered "superseded": the cluster's state machine already knew these client sessions, so the run's history cannot be trusted`);
  }
  if (recordingProblem !== null) problems.push(`the recording is incomplete: ${recordingProblem}`);
  if (result.violations.length > 0) return { code: 1, problems };
  return { code: result.ok && problems.length === 0 ? 0 : 2, problems };
}

async function clientLoop(lab: LabController, client: string, rng: Rng, until: number, stats: ClientStats): Promise<void> {
  const keys = ['a', 'b', 'c'];
  while (Date.now() < until) {
    const key = keys[rng.int(keys.length)]!;
    const pick = rng.int(3);
    const op: KvOp = pick === 0 ? { type: 'get', key } : pick === 1 ? { type: 'put', key, value: `${client}.${stats.ok + stats.failed}` } : { type: 'cas', key, expected: null, value: client };
    const r = await lab.submit(op, { client, timeoutMs: 2000 }).catch(() => null);
    if (r !== null && (r.ok || r.error === 'cas-mismatch')) stats.ok++;
    else stats.failed++;
    if (r !== null && !r.ok && r.error === 'timeout' && r.detail.includes('superseded')) stats.superseded++;
  }
}

async function faultLoop(lab: LabController, nodes: number, faults: readonly RunFault[], rng: Rng, until: number, stats: { faults: string[] }, say: (line: string) => void): Promise<void> {
  const ids = Array.from({ length: nodes }, (_, i) => i + 1);
  while (Date.now() + 400 < until) {
    await sleep(300 + rng.int(700));
    const fault = faults[rng.int(faults.length)]!;
    const node = ids[rng.int(ids.length)]! as NodeId;
    const other = ids.filter((n) => n !== node)[rng.int(Math.max(1, nodes - 1))] ?? node;
    let action = '';
    try {
      if (fault === 'crash') {
        await lab.crashNode(node);
        await sleep(200 + rng.int(400));
        await lab.restartNode(node);
        action = `crash and restart node ${node}`;
      } else if (fault === 'partition') {
        await lab.partition({ kind: 'isolate', node });
        await sleep(300 + rng.int(500));
        await lab.partition({ kind: 'heal' });
        action = `isolate node ${node}, then heal`;
      } else if (other !== node) {
        const fault2 = fault === 'loss' ? { loss: 0.3 } : fault === 'delay' ? { delayMs: 20 + rng.int(80), jitterMs: 20 } : fault === 'duplicate' ? { duplicate: 0.3 } : { reorder: 0.3 };
        await lab.setLinkFault({ from: node, to: other }, fault2);
        action = `${fault} on link ${node}->${other}`;
      }
    } catch (e) {
      action = `${fault} failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (action !== '') {
      stats.faults.push(action);
      say(`  fault: ${action}`);
    }
  }
}

/** Undo every fault: heal partitions and links, restart whatever is down. */
async function heal(lab: LabController, nodes: number): Promise<void> {
  await lab.partition({ kind: 'heal' }).catch(() => undefined);
  const ids = Array.from({ length: nodes }, (_, i) => i + 1);
  for (const from of ids) for (const to of ids) if (from !== to) await lab.setLinkFault({ from, to }, { cut: false, loss: 0, delayMs: 0, jitterMs: 0, duplicate: 0, reorder: 0 }).catch(() => undefined);
  const snap = await lab.snapshot();
  for (const n of snap.nodes) if (n.life === 'crashed' || n.life === 'stopped') await lab.restartNode(n.id).catch(() => undefined);
}
