/**
 * The one-line command that reproduces a run: `npx raft-lab sim` with every option that differs
 * from the defaults. The CLI parses exactly these flags (see electron/cli/sim.ts).
 */
import { DEFAULT_SIM_OPTIONS, type SimOptions } from './options';

/** Flag name of every option, in the order the command line prints them. */
export const SIM_FLAGS = {
  nodes: 'nodes',
  seed: 'seed',
  faults: 'faults',
  unsafe: 'unsafe',
  ops: 'ops',
  clients: 'clients',
  tickMs: 'tick-ms',
  heartbeatTicks: 'heartbeat-ticks',
  electionTicks: 'election-ticks',
  preVote: 'pre-vote',
  checkQuorum: 'check-quorum',
  maxEntriesPerMsg: 'max-entries-per-msg',
  snapshotEvery: 'snapshot-every',
  faultWindowMs: 'fault-window-ms',
  maxTimeMs: 'max-time-ms',
  delayMs: 'delay-ms',
  jitterMs: 'jitter-ms',
  clientTimeoutMs: 'client-timeout-ms',
  check: 'check',
  ignore: 'ignore',
  stopOnViolation: 'stop-on-violation',
} as const satisfies { readonly [K in keyof SimOptions]: string };

/** `npx raft-lab sim --nodes 5 --seed 12345 --faults crash,partition --ops 200` (and so on). */
export function reproCommand(o: SimOptions): string {
  const parts = ['npx raft-lab sim'];
  for (const key of Object.keys(SIM_FLAGS) as (keyof SimOptions)[]) {
    const v = o[key];
    const always = key === 'nodes' || key === 'seed' || key === 'ops';
    if (!always && sameValue(v, DEFAULT_SIM_OPTIONS[key])) continue;
    parts.push(`--${SIM_FLAGS[key]} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  }
  return parts.join(' ');
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}
