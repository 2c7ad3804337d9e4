/**
 * `raft-lab sim`: one deterministic simulated run (or a range of seeds), printed for people or
 * as JSON. A failing run prints the one-line command that reproduces it.
 */
import { gzipSync } from 'node:zlib';
import { DEFAULT_SIM_OPTIONS, FAULT_KINDS, SimOptionsError, UNSAFE_NAMES, type SimOptions } from '../../shared/sim/options';
import { SIM_FLAGS } from '../../shared/sim/repro';
import { MAX_NODES } from '../../shared/limits';
import { judgeSimulation, runSimulation, type SimResult } from '../../shared/sim/run';
import { recordSimulation } from '../../shared/record/record-sim';
import { encodeRecording } from '../../shared/record/write';
import { resolveSimOptions } from '../../shared/sim/options';
import { FileProblem, writeNew } from './commands/recording-io';
import { gzipByName } from './commands/recording-copy';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import type { StopReason } from '../../shared/sim/simulator';
import { UsageError, boolFlag, intFlag, listFlag, parseArgs } from './args';
import type { CliIo, Subcommand } from './subcommand';

const LIST_KEYS = new Set<keyof SimOptions>(['faults', 'unsafe', 'ignore']);
const BOOL_KEYS = new Set<keyof SimOptions>(['preVote', 'checkQuorum', 'check', 'stopOnViolation']);
const EXTRA_VALUED = ['seeds', 'out'];
const SWITCHES = ['json', 'trace', 'linearizability', 'force', 'help'];

const HELP = `Usage: raft-lab sim [options]

Runs a deterministic simulated Raft cluster: the same options give the same run, event for event.
Exits 0 when the run passed, 1 on a safety violation, 2 when operations did not complete
(liveness) or the history is not linearizable, 64 on bad arguments.

Options (defaults in brackets):
  --nodes N              cluster size, 1 to ${MAX_NODES} [${DEFAULT_SIM_OPTIONS.nodes}]
  --seed N               the seed [${DEFAULT_SIM_OPTIONS.seed}]
  --seeds A..B           run seeds A to B (inclusive) and stop at the first failure;
                         --seeds K runs seeds seed .. seed+K-1
  --ops N                client operations to complete [${DEFAULT_SIM_OPTIONS.ops}]
  --clients N            concurrent clients [${DEFAULT_SIM_OPTIONS.clients}]
  --faults LIST          comma-separated: ${FAULT_KINDS.join(', ')} [none]
  --unsafe LIST          deliberate bugs: ${Object.keys(UNSAFE_NAMES).join(', ')} [none]
  --tick-ms N            virtual ms per tick [${DEFAULT_SIM_OPTIONS.tickMs}]
  --heartbeat-ticks N    [${DEFAULT_SIM_OPTIONS.heartbeatTicks}]
  --election-ticks N     [${DEFAULT_SIM_OPTIONS.electionTicks}]
  --pre-vote BOOL        [${DEFAULT_SIM_OPTIONS.preVote}]
  --check-quorum BOOL    [${DEFAULT_SIM_OPTIONS.checkQuorum}]
  --max-entries-per-msg N  entries per AppendEntries [${DEFAULT_SIM_OPTIONS.maxEntriesPerMsg}]
  --snapshot-every N     applied entries between snapshots, 0 = never [${DEFAULT_SIM_OPTIONS.snapshotEvery}]
  --fault-window-ms N    faults happen before this time, then all heal [${DEFAULT_SIM_OPTIONS.faultWindowMs}]
  --max-time-ms N        virtual time limit [${DEFAULT_SIM_OPTIONS.maxTimeMs}]
  --delay-ms N           base message delay [${DEFAULT_SIM_OPTIONS.delayMs}]
  --jitter-ms N          extra random delay, uniform [${DEFAULT_SIM_OPTIONS.jitterMs}]
  --client-timeout-ms N  client retry timeout [${DEFAULT_SIM_OPTIONS.clientTimeoutMs}]
  --check BOOL           run the invariant checker [${DEFAULT_SIM_OPTIONS.check}]
  --ignore LIST          properties the checker skips [none]
  --stop-on-violation BOOL [${DEFAULT_SIM_OPTIONS.stopOnViolation}]
  --linearizability      also check the client history for linearizability
  --out FILE             also write the run's recording (JSON Lines replay log) to FILE,
                         gzip when FILE ends in .gz; an existing FILE is kept unless --force
                         (one seed only)
  --trace                print the canonical trace of the run
  --json                 print the result as JSON
  --help                 this text

Example:
  npx raft-lab sim --nodes 5 --seed 12345 --faults crash,partition --ops 200
`;

/** Turns parsed flags into simulation options (validated by resolveSimOptions later). */
export function simOptionsFromFlags(flags: ReadonlyMap<string, string>): Partial<SimOptions> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SIM_FLAGS) as (keyof SimOptions)[]) {
    const name = SIM_FLAGS[key];
    const raw = flags.get(name);
    if (raw === undefined) continue;
    if (LIST_KEYS.has(key)) out[key] = listFlag(raw);
    else if (BOOL_KEYS.has(key)) out[key] = boolFlag(name, raw);
    else out[key] = intFlag(name, raw);
  }
  return out as Partial<SimOptions>;
}

/** `--seeds A..B` (a range) or `--seeds K` (K seeds from --seed on). */
function seedRange(value: string | undefined, seed: number): { first: number; seeds: number } {
  if (value === undefined) return { first: seed, seeds: 1 };
  const range = /^(-?\d+)\.\.(-?\d+)$/.exec(value);
  if (range !== null) {
    const a = Number(range[1]);
    const b = Number(range[2]);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new UsageError(`--seeds ${value}: the ends must be integers`);
    if (b < a) throw new UsageError(`--seeds ${value}: the range is empty (${b} < ${a})`);
    return { first: a, seeds: b - a + 1 };
  }
  const seeds = intFlag('seeds', value);
  if (seeds < 1) throw new UsageError(`--seeds must be at least 1 or a range A..B, got ${value}`);
  return { first: seed, seeds };
}

export const simCommand: Subcommand = {
  summary: 'run the deterministic simulator (seeded faults, invariant checks)',
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, [...Object.values(SIM_FLAGS), ...EXTRA_VALUED], SWITCHES);
    if (flags.has('help')) {
      io.out(HELP);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const partial = simOptionsFromFlags(flags);
    const { first, seeds } = seedRange(flags.get('seeds'), partial.seed ?? DEFAULT_SIM_OPTIONS.seed);
    const json = flags.has('json');
    const out = flags.get('out');
    if (out !== undefined && seeds !== 1) throw new UsageError('--out records one run: drop --seeds or record each seed separately');
    const results: SimResult[] = [];
    for (let s = first; s < first + seeds; s++) {
      let result: SimResult & { readonly trace: readonly string[] };
      try {
        const runOptions = { checkLinearizability: flags.has('linearizability'), keepTrace: flags.has('trace') };
        if (out === undefined) {
          result = runSimulation({ ...partial, seed: s }, rawNodeFactory, runOptions);
        } else {
          // Same run, through the recording factory (it changes nothing the simulator sees).
          let stop: StopReason | null = null;
          const recorded = recordSimulation({ ...partial, seed: s }, rawNodeFactory, (sim) => { stop = sim.run(); }, runOptions);
          if (stop === null) throw new Error('sim: the recorded run did not run');
          result = judgeSimulation(recorded.sim, resolveSimOptions({ ...partial, seed: s }), stop, runOptions);
          try {
            const text = encodeRecording(recorded.recording);
            await writeNew(out, gzipByName(out) ? gzipSync(text) : text, flags.has('force'));
          } catch (e) {
            if (!(e instanceof FileProblem)) throw e;
            io.err(`raft-lab sim: ${e.message}\n`);
            return e.code;
          }
          if (!json) io.out(`recording: ${out}\n`);
        }
      } catch (e) {
        if (e instanceof SimOptionsError) throw new UsageError(e.message);
        throw e;
      }
      results.push(result);
      if (flags.has('trace') && !json) io.out(`${result.trace.join('\n')}\n`);
      if (!json) io.out(describeResult(result));
      if (result.failures.length > 0) break;
    }
    if (json) io.out(`${JSON.stringify(seeds === 1 ? toJson(results[0]!) : results.map(toJson), null, 2)}\n`);
    const failed = results.find((r) => r.failures.length > 0);
    if (failed === undefined) return 0;
    return failed.violations.length > 0 ? 1 : 2;
  },
};

function toJson(r: SimResult): unknown {
  return {
    options: r.options,
    passed: r.failures.length === 0,
    failures: r.failures,
    repro: r.repro,
    traceHash: r.traceHash,
    stop: r.stop,
    endMs: r.endMs,
    opsInvoked: r.opsInvoked,
    opsCompleted: r.opsCompleted,
    stats: r.stats,
    liveness: r.liveness,
    violations: r.violations,
    linearizability: r.linearizability === null ? null : { kind: r.linearizability.kind },
  };
}

function describeResult(r: SimResult): string {
  const o = r.options;
  const s = r.stats;
  const lines = [
    `seed ${o.seed}: ${o.nodes} nodes, faults ${o.faults.join(',') || 'none'}${o.unsafe.length > 0 ? `, UNSAFE ${o.unsafe.join(',')}` : ''}`,
    `  stopped: ${r.stop} at ${r.endMs} ms of virtual time; ops ${r.opsCompleted}/${o.ops} completed`,
    `  events ${s.events}, sent ${s.sent}, delivered ${s.delivered}, dropped ${s.dropped}, crashes ${s.crashes}, restarts ${s.restarts}, faults ${s.faults}, leader terms ${s.leaderTerms}`,
    `  trace hash ${r.traceHash}`,
  ];
  if (r.linearizability !== null) lines.push(`  linearizability: ${r.linearizability.kind}`);
  if (r.failures.length === 0) lines.push('  PASS');
  else {
    lines.push('  FAIL');
    for (const f of r.failures) lines.push(`    ${f}`);
    lines.push(`  reproduce: ${r.repro}`);
  }
  return `${lines.join('\n')}\n`;
}
