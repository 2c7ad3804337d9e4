/**
 * Simulation options: everything that, together with the seed, determines a run. The same
 * options give the same run event for event. `resolveSimOptions` fills defaults and rejects bad
 * values with an error naming the option.
 */
import type { UnsafeOptions } from '../raft/types';
import type { SafetyProperty } from '../protocol/lab';
import {
  ELECTION_TICKS_MAX, ELECTION_TICKS_MIN, HEARTBEAT_TICKS_MAX, HEARTBEAT_TICKS_MIN, LINK_DELAY_MS_MAX, MAX_NODES, TICK_MS_MAX, TICK_MS_MIN,
} from '../limits';

/** Every property the invariant checker knows (for validating `ignore`). */
export const SAFETY_PROPERTIES: readonly SafetyProperty[] = [
  'election-safety', 'leader-append-only', 'log-matching', 'leader-completeness',
  'state-machine-safety', 'monotonic-term', 'monotonic-commit', 'persisted-before-sent',
];

/**
 * Fault kinds a run may inject. Their parameters (rates, intervals, durations) are drawn from the
 * seed, so one seed explores one fault setting.
 * - crash: nodes crash (losing what was not durable) and restart from disk later;
 * - partition: symmetric partitions (a random split, or one node isolated), healed later;
 * - oneway: one-way cuts of single directed links;
 * - loss / duplicate / reorder: message loss, duplication, overtaking on every link;
 * - delay: slow links (long, jittery delays on a few links).
 */
export const FAULT_KINDS = ['crash', 'partition', 'oneway', 'loss', 'duplicate', 'reorder', 'delay'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Command-line names of the deliberate bugs (RaftConfig.unsafe). */
export const UNSAFE_NAMES = {
  'commit-previous-term': 'commitPreviousTermByCount',
  'skip-vote-check': 'skipVoteLogCheck',
  'double-vote': 'allowDoubleVote',
  'reply-before-persist': 'replyBeforePersist',
  // The names the product's issues use for two of them.
  figure8: 'commitPreviousTermByCount',
  'no-vote-restriction': 'skipVoteLogCheck',
} as const satisfies Record<string, keyof UnsafeOptions>;
export type UnsafeName = keyof typeof UNSAFE_NAMES;

export interface SimOptions {
  /** 1 to MAX_NODES (9) nodes. */
  readonly nodes: number;
  readonly seed: number;
  /** Client operations to issue (the run ends when all complete, or at maxTimeMs). */
  readonly ops: number;
  /** Concurrent workload clients (each has at most one operation outstanding); 0 only with ops 0. */
  readonly clients: number;
  readonly faults: readonly FaultKind[];
  readonly unsafe: readonly UnsafeName[];
  /** Virtual milliseconds per node tick. */
  readonly tickMs: number;
  readonly heartbeatTicks: number;
  readonly electionTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** Max entries per AppendEntries (small values make partial replication, and Figure 8, likely). */
  readonly maxEntriesPerMsg: number;
  /** Applied entries between a node's automatic snapshots (0: never compact). */
  readonly snapshotEvery: number;
  /** Faults are injected during [0, faultWindowMs); then everything heals and restarts. */
  readonly faultWindowMs: number;
  /** Hard stop of virtual time. */
  readonly maxTimeMs: number;
  /** Base one-way message delay and jitter on healthy links. */
  readonly delayMs: number;
  readonly jitterMs: number;
  /** A client retries an operation that has not completed after this long. */
  readonly clientTimeoutMs: number;
  /** Run the invariant checker on every step. */
  readonly check: boolean;
  /** Properties the checker skips (to show a bug also breaks another property). */
  readonly ignore: readonly SafetyProperty[];
  /** Stop at the first violation. */
  readonly stopOnViolation: boolean;
}

export const DEFAULT_SIM_OPTIONS: SimOptions = {
  nodes: 3,
  seed: 1,
  ops: 100,
  clients: 3,
  faults: [],
  unsafe: [],
  tickMs: 10,
  heartbeatTicks: 1,
  electionTicks: 10,
  preVote: true,
  checkQuorum: true,
  maxEntriesPerMsg: 64,
  snapshotEvery: 0,
  faultWindowMs: 5_000,
  maxTimeMs: 60_000,
  delayMs: 1,
  jitterMs: 4,
  clientTimeoutMs: 500,
  check: true,
  ignore: [],
  stopOnViolation: true,
};

export class SimOptionsError extends Error {
  override readonly name = 'SimOptionsError';
}

/** Defaults filled in and every field validated; throws SimOptionsError naming the bad one. */
export function resolveSimOptions(partial: Partial<SimOptions>): SimOptions {
  const o: SimOptions = { ...DEFAULT_SIM_OPTIONS, ...partial };
  int('nodes', o.nodes, 1, MAX_NODES);
  int('seed', o.seed, 0, 0xffffffff);
  int('ops', o.ops, 0, 10_000_000);
  int('clients', o.clients, 0, 64);
  // No clients is for hosts that submit their own requests (a branch of a recording).
  if (o.clients === 0 && o.ops > 0) throw new SimOptionsError(`clients must be at least 1 to issue ${o.ops} ops`);
  int('tickMs', o.tickMs, TICK_MS_MIN, TICK_MS_MAX);
  int('heartbeatTicks', o.heartbeatTicks, HEARTBEAT_TICKS_MIN, HEARTBEAT_TICKS_MAX);
  int('electionTicks', o.electionTicks, ELECTION_TICKS_MIN, ELECTION_TICKS_MAX);
  if (o.heartbeatTicks >= o.electionTicks) throw new SimOptionsError(`heartbeatTicks (${o.heartbeatTicks}) must be below electionTicks (${o.electionTicks})`);
  int('maxEntriesPerMsg', o.maxEntriesPerMsg, 1, 10_000);
  int('snapshotEvery', o.snapshotEvery, 0, 10_000_000);
  int('faultWindowMs', o.faultWindowMs, 0, 1e9);
  int('maxTimeMs', o.maxTimeMs, 1, 1e10);
  int('delayMs', o.delayMs, 0, LINK_DELAY_MS_MAX);
  int('jitterMs', o.jitterMs, 0, LINK_DELAY_MS_MAX);
  int('clientTimeoutMs', o.clientTimeoutMs, 1, 1e9);
  for (const f of o.faults) {
    if (!(FAULT_KINDS as readonly string[]).includes(f)) throw new SimOptionsError(`faults: unknown fault "${f}" (known: ${FAULT_KINDS.join(', ')})`);
  }
  for (const u of o.unsafe) {
    if (!(u in UNSAFE_NAMES)) throw new SimOptionsError(`unsafe: unknown bug "${u}" (known: ${Object.keys(UNSAFE_NAMES).join(', ')})`);
  }
  for (const p of o.ignore) {
    if (!SAFETY_PROPERTIES.includes(p)) throw new SimOptionsError(`ignore: unknown property "${p}" (known: ${SAFETY_PROPERTIES.join(', ')})`);
  }
  for (const b of ['preVote', 'checkQuorum', 'check', 'stopOnViolation'] as const) {
    if (typeof o[b] !== 'boolean') throw new SimOptionsError(`${b} must be true or false, got ${String(o[b])}`);
  }
  return { ...o, faults: [...new Set(o.faults)].sort(), unsafe: [...new Set(o.unsafe)].sort(), ignore: [...new Set(o.ignore)].sort() };
}

/** The RaftConfig.unsafe object for a list of bug names. */
export function unsafeOptions(names: readonly UnsafeName[]): UnsafeOptions {
  const out: { -readonly [K in keyof UnsafeOptions]: boolean } = {};
  for (const n of names) out[UNSAFE_NAMES[n]] = true;
  return out;
}

function int(name: string, v: unknown, lo: number, hi: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new SimOptionsError(`${name} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
  }
}
