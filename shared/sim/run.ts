/**
 * A whole headless run: build a simulator from options, run it to the end, and judge it (safety
 * violations, liveness, optionally linearizability of the client history). Used by the CLI,
 * the property tests and the bench.
 */
import type { Violation } from '../protocol/lab';
import { checkLinearizability, type LinearizabilityResult } from '../check/linearizability';
import { observedFromResult, type HistoryOp } from '../check/linearizability-history';
import { describeViolation } from '../check/invariants';
import { resolveSimOptions, type SimOptions } from './options';
import { reproCommand } from './repro';
import { Simulator, type ClientRecord, type NodeFactory, type SimStats, type StopReason } from './simulator';

export interface SimResult {
  readonly options: SimOptions;
  /** The one-line command that replays this run. */
  readonly repro: string;
  /** FNV-1a of the canonical trace: equal for equal seed and options. */
  readonly traceHash: string;
  readonly stop: StopReason;
  readonly endMs: number;
  readonly stats: SimStats;
  readonly violations: readonly Violation[];
  readonly opsInvoked: number;
  readonly opsCompleted: number;
  readonly liveness: Simulator['liveness'];
  /** Null unless asked for (it can be slow on long histories). */
  readonly linearizability: LinearizabilityResult | null;
  /** Why the run failed, one line each; empty when it passed. */
  readonly failures: readonly string[];
}

export interface RunOptions {
  readonly checkLinearizability?: boolean;
  readonly keepTrace?: boolean;
}

export function runSimulation(partial: Partial<SimOptions>, factory: NodeFactory, run: RunOptions = {}): SimResult & { readonly trace: readonly string[] } {
  const options = resolveSimOptions(partial);
  const sim = new Simulator(options, factory, { keepTrace: run.keepTrace === true });
  return judgeSimulation(sim, options, sim.run(), run);
}

/** Judge a simulator that has run to `stop` (for hosts that build and drive it themselves). */
export function judgeSimulation(sim: Simulator, options: SimOptions, stop: StopReason, run: RunOptions = {}): SimResult & { readonly trace: readonly string[] } {
  const failures: string[] = sim.violations.map((v) => `violation: ${describeViolation(v)}`);
  if (stop === 'step-limit') failures.push('the run hit the event limit (a livelock?)');
  if (stop !== 'violation' && options.ops > 0 && sim.opsCompleted < options.ops) {
    failures.push(`liveness: only ${sim.opsCompleted} of ${options.ops} client operations completed by ${options.maxTimeMs} ms (faults ended at ${options.faultWindowMs} ms)`);
  }
  let lin: LinearizabilityResult | null = null;
  if (run.checkLinearizability === true && stop !== 'violation') {
    lin = checkLinearizability(toHistory(sim.history));
    if (lin.kind === 'violation') failures.push(`linearizability: key ${lin.key}: ${lin.explanation}`);
    if (lin.kind === 'unknown') failures.push(`linearizability: undecided on key ${lin.key}: ${lin.reason}`);
  }
  return {
    options,
    repro: reproCommand(options),
    traceHash: sim.traceHash,
    stop,
    endMs: sim.now,
    stats: { ...sim.stats },
    violations: sim.violations,
    opsInvoked: sim.opsInvoked,
    opsCompleted: sim.opsCompleted,
    liveness: sim.liveness,
    linearizability: lin,
    failures,
    trace: sim.traceText(),
  };
}

/** The simulator's client records as the linearizability checker reads them. */
export function toHistory(records: readonly ClientRecord[]): HistoryOp[] {
  return records.map((r, i) => {
    const observed = r.result === null ? null : observedFromResult(r.result);
    const base = { id: `${r.client}#${r.seq}.${i}`, client: r.client, op: r.op, invokeMs: r.invokeMs };
    return observed === null || r.completeMs === null ? { ...base, completeMs: null, result: null } : { ...base, completeMs: r.completeMs, result: observed };
  });
}
