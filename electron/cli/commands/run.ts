/**
 * `raft-lab run`: a real cluster, headless. Each node runs the node runtime in its own worker
 * thread (own event loop, MessagePorts to its peers, its own SQLite file), driven by the lab
 * controller exactly as the app drives it, under client load and seeded faults. The run is
 * recorded; at the end the recording is written, replayed through the core and checked.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WorkerHost } from '../../host/worker-host';
import { LabController } from '../../lab/controller';
import { describeViolation } from '../../../shared/check/invariants';
import { DEFAULT_CLUSTER_OPTIONS, type KvOp } from '../../../shared/protocol/lab';
import { RawNode } from '../../../shared/raft/raw-node';
import type { NodeId } from '../../../shared/raft/types';
import { checkRecording } from '../../../shared/record/check';
import { encodeRecording } from '../../../shared/record/write';
import { createRng, type Rng } from '../../../shared/util/rng';
import { UsageError, intFlag, listFlag, parseArgs } from '../args';
import type { CliIo, Subcommand } from '../subcommand';
import { EXIT_CANNOT_WRITE, FileProblem, withFiles, writeNew } from './recording-io';

export const RUN_FAULTS = ['crash', 'partition', 'loss', 'delay', 'duplicate', 'reorder'] as const;
type RunFault = (typeof RUN_FAULTS)[number];

const HELP = `Usage: raft-lab run --nodes N [options]

Runs a real Raft cluster headless: every node is the node runtime in its own worker thread with
its own SQLite file, peers talk over MessagePorts. Clients write and read while seeded faults
hit the cluster; the run is recorded, written to --out, replayed through the core (every state
hash compared) and checked (safety invariants, linearizability).

Options:
  --nodes N          cluster size, 1 to 9 [3]
  --duration D       how long clients and faults run: 10s, 1500ms or seconds [10s]
  --faults LIST      comma-separated: ${RUN_FAULTS.join(', ')} [none]
  --clients N        concurrent clients [2]
  --seed N           seeds election timeouts, the workload and the faults [1]
  --tick-ms N        milliseconds per tick [20]
  --out FILE         where to write the recording [raft-lab-run-<seed>.jsonl]; never replaced
                     unless --force
  --data-dir DIR     keep the nodes' SQLite files here (default: a temporary folder, removed)
  --force            replace an existing --out
  --json             machine-readable summary
Exit codes: 0 passed, 1 a safety violation, 2 a replay divergence or a non-linearizable history,
64 bad arguments, 73 output not writable.
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
    const { flags, positionals } = parseArgs(argv, ['nodes', 'duration', 'faults', 'clients', 'seed', 'tick-ms', 'out', 'data-dir'], ['force', 'json', 'help']);
    if (flags.has('help')) {
      io.out(HELP);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const nodes = flags.has('nodes') ? intFlag('nodes', flags.get('nodes')!) : 3;
    if (nodes < 1 || nodes > 9) throw new UsageError(`--nodes must be 1 to 9, got ${nodes}`);
    const durationMs = parseDuration(flags.get('duration') ?? '10s');
    const faults = listFlag(flags.get('faults') ?? '');
    for (const f of faults) if (!(RUN_FAULTS as readonly string[]).includes(f)) throw new UsageError(`unknown fault "${f}"; choose from ${RUN_FAULTS.join(', ')}`);
    const clients = flags.has('clients') ? intFlag('clients', flags.get('clients')!) : 2;
    if (clients < 0 || clients > 64) throw new UsageError(`--clients must be 0 to 64, got ${clients}`);
    const seed = flags.has('seed') ? intFlag('seed', flags.get('seed')!) : 1;
    const tickMs = flags.has('tick-ms') ? intFlag('tick-ms', flags.get('tick-ms')!) : 20;
    if (tickMs < 1 || tickMs > 10_000) throw new UsageError(`--tick-ms must be 1 to 10000, got ${tickMs}`);
    const out = resolve(flags.get('out') ?? `raft-lab-run-${seed}.jsonl`);
    const json = flags.has('json');
    const say = (line: string) => (json ? undefined : io.err(`${line}\n`));

    return withFiles(io.err, 'run', async () => {
      // Refuse before running, not after: the run cannot be repeated exactly.
      if (!flags.has('force') && (await stat(out).then(() => true, () => false))) {
        throw new FileProblem(`${out} already exists; choose another --out or pass --force to replace it`, EXIT_CANNOT_WRITE);
      }
      const keepData = flags.get('data-dir');
      const dataDir = keepData !== undefined ? resolve(keepData) : await mkdtemp(join(tmpdir(), 'raft-lab-run-'));
      const lab = new LabController({ host: new WorkerHost(), traceMessages: false, checkInvariants: true, batchMs: 50 });
      const rng = createRng(seed);
      const stats = { ok: 0, failed: 0, faults: [] as string[] };
      let recordingText: string;
      try {
        await lab.createCluster({ ...DEFAULT_CLUSTER_OPTIONS, nodes, tickMs, seed, heartbeatTicks: 2, electionTicks: 15, snapshotEvery: 0, dataDir });
        say(`cluster of ${nodes} up; running ${durationMs} ms with ${clients} client(s), faults: ${faults.join(', ') || 'none'}`);
        const until = Date.now() + durationMs;
        const work = Array.from({ length: clients }, (_, c) => clientLoop(lab, `c${c + 1}`, rng.fork(), until, stats));
        const nemesis = faults.length > 0 ? faultLoop(lab, nodes, faults as RunFault[], rng.fork(), until, stats, say) : sleep(durationMs);
        await Promise.all([...work, nemesis]);
        await heal(lab, nodes);
        await sleep(Math.max(500, tickMs * 30));
        await lab.destroyCluster();
        const recording = await lab.recording();
        if (recording === null) throw new Error('the controller recorded nothing');
        recordingText = encodeRecording(recording);
        await writeNew(out, recordingText, flags.has('force'));
        say(`wrote ${out} (${recording.records.length} records)${lab.recordingProblem ? `; WARNING: ${lab.recordingProblem}` : ''}`);
        const result = checkRecording(recording, RawNode);
        const summary = {
          out, nodes, durationMs, faults, seed, opsOk: stats.ok, opsFailed: stats.failed, injected: stats.faults,
          records: recording.records.length, recordingProblem: lab.recordingProblem,
          replay: { ok: result.replay.ok, events: result.replay.events, firstDivergence: result.replay.firstDivergence },
          violations: result.violations, linearizability: result.linearizability?.kind ?? null, passed: result.ok,
        };
        if (json) io.out(`${JSON.stringify(summary, null, 2)}\n`);
        else {
          const d = result.replay.firstDivergence;
          io.out([
            `run: ${nodes} nodes, ${durationMs} ms, seed ${seed}; client ops ${stats.ok} ok, ${stats.failed} failed; ${stats.faults.length} fault action(s)`,
            `recording: ${out}, ${recording.records.length} records`,
            d === null ? `replay: ${result.replay.events} events, zero divergences` : `replay: DIVERGED at line ${d.line} (node ${d.node}, ${d.event}): ${d.what}`,
            result.violations.length === 0 ? 'invariants: no violation' : `invariants: ${result.violations.map(describeViolation).join('\n  ')}`,
            `linearizability: ${result.linearizability?.kind ?? 'no operations'}`,
            result.ok ? 'PASS' : 'FAIL',
          ].join('\n') + '\n');
        }
        if (result.violations.length > 0) return 1;
        return result.ok && lab.recordingProblem === null ? 0 : 2;
      } finally {
        await lab.destroyCluster().catch(() => undefined);
        if (keepData === undefined) await rm(dataDir, { recursive: true, force: true });
      }
    });
  },
};

async function clientLoop(lab: LabController, client: string, rng: Rng, until: number, stats: { ok: number; failed: number }): Promise<void> {
  const keys = ['a', 'b', 'c'];
  while (Date.now() < until) {
    const key = keys[rng.int(keys.length)]!;
    const pick = rng.int(3);
    const op: KvOp = pick === 0 ? { type: 'get', key } : pick === 1 ? { type: 'put', key, value: `${client}.${stats.ok + stats.failed}` } : { type: 'cas', key, expected: null, value: client };
    const r = await lab.submit(op, { client, timeoutMs: 2000 }).catch(() => null);
    if (r !== null && (r.ok || r.error === 'cas-mismatch')) stats.ok++;
    else stats.failed++;
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
