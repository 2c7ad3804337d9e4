/**
 * Property tests over thousands of seeded random schedules with faults (fast-check draws the
 * cluster size, seed, fault kinds and Raft settings; the seed then draws everything else).
 *
 * Safety: no invariant violation, ever. Liveness: after the fault window closes (every link
 * healed, every node restarted, delays bounded) a leader commits in its own term within a bounded
 * number of election timeouts, and every client operation completes. The client histories of
 * the liveness runs are also checked for linearizability.
 *
 * A failing schedule fails with the one-line `npx raft-lab sim ...` command that replays it.
 * fast-check's own seed is fixed so CI runs are repeatable; set SIM_PROPERTY_SEED to explore.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../shared/sim/run';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import { FAULT_KINDS, type SimOptions } from '../../shared/sim/options';
import { SIM_FLAGS } from '../../shared/sim/repro';
import { simOptionsFromFlags } from '../../electron/cli/sim';
import { parseArgs } from '../../electron/cli/args';

const FC_SEED = process.env['SIM_PROPERTY_SEED'] !== undefined ? Number(process.env['SIM_PROPERTY_SEED']) : 20261125;
/** Election timeouts (of electionTicks * tickMs) a healed cluster may take to commit again. */
const ELECTION_BOUND = 10;

const schedule = fc.record({
  seed: fc.integer({ min: 0, max: 0xffffffff }),
  nodes: fc.oneof(fc.constantFrom(3, 5), fc.integer({ min: 1, max: 9 })),
  faults: fc.subarray([...FAULT_KINDS]),
  preVote: fc.boolean(),
  checkQuorum: fc.boolean(),
  snapshotEvery: fc.constantFrom(0, 0, 8, 30),
  maxEntriesPerMsg: fc.constantFrom(1, 4, 64),
  clients: fc.integer({ min: 1, max: 5 }),
});

type Schedule = typeof schedule extends fc.Arbitrary<infer T> ? T : never;

function options(s: Schedule, ops: number, faultWindowMs: number): Partial<SimOptions> {
  return { ...s, faults: [...s.faults], ops, faultWindowMs, maxTimeMs: faultWindowMs + 30_000 };
}

describe('random schedules', () => {
  it('never violate a safety invariant (1,200 schedules with faults)', () => {
    fc.assert(
      fc.property(schedule, (s) => {
        const r = runSimulation(options(s, 25, 1_500), rawNodeFactory);
        if (r.violations.length > 0) throw new Error(`${r.failures[0]}\n  reproduce: ${r.repro}`);
      }),
      { numRuns: 1_200, seed: FC_SEED },
    );
  });

  it('elect a leader in bounded time, commit every proposal once faults heal, stay linearizable (300 schedules)', () => {
    let healedWhileBusy = 0;
    fc.assert(
      fc.property(schedule, (s) => {
        // Enough operations that the workload is still running when the faults stop.
        const r = runSimulation(options(s, 150, 1_000), rawNodeFactory, { checkLinearizability: true });
        const electionMs = r.options.electionTicks * r.options.tickMs;
        const { healedAtMs, leaderAfterHealMs, firstLeaderCommitMs } = r.liveness;
        const problems: string[] = [...r.failures];
        if (firstLeaderCommitMs === null) problems.push('no leader ever committed');
        if (healedAtMs !== null && r.stop !== 'ops-done') problems.push(`stopped with ${r.stop}`);
        if (healedAtMs !== null && r.options.faults.length > 0) {
          healedWhileBusy++;
          if (leaderAfterHealMs === null) problems.push(`no leader committed after the faults healed at ${healedAtMs} ms`);
          else if (leaderAfterHealMs - healedAtMs > ELECTION_BOUND * electionMs) {
            problems.push(`a leader committed only ${leaderAfterHealMs - healedAtMs} ms after the faults healed (bound ${ELECTION_BOUND * electionMs} ms)`);
          }
        }
        if (problems.length > 0) throw new Error(`${problems.join('; ')}\n  reproduce: ${r.repro}`);
      }),
      { numRuns: 300, seed: FC_SEED },
    );
    // Not vacuous: most schedules still had work in flight when their faults healed.
    expect(healedWhileBusy).toBeGreaterThan(150);
  });

  it('elect the first leader within a bounded number of election timeouts without faults (300 clusters)', () => {
    fc.assert(
      fc.property(schedule, (s) => {
        const r = runSimulation({ ...options(s, 1, 0), faults: [] }, rawNodeFactory);
        const electionMs = r.options.electionTicks * r.options.tickMs;
        const first = r.liveness.firstLeaderCommitMs;
        if (first === null || first > ELECTION_BOUND * electionMs || r.failures.length > 0) {
          throw new Error(`first leader commit at ${String(first)} ms (bound ${ELECTION_BOUND * electionMs} ms) ${r.failures.join('; ')}\n  reproduce: ${r.repro}`);
        }
      }),
      { numRuns: 300, seed: FC_SEED },
    );
  });

  it('report a failing schedule as a command that replays it exactly', () => {
    // A failing schedule (the first seed where a deliberate bug shows) fails with its command; the
    // options parsed back from that command (by the CLI's own parser) give the very same run.
    const profile: Partial<SimOptions> = { nodes: 5, faults: ['crash', 'partition'], ops: 200, unsafe: ['double-vote'] };
    let r = runSimulation({ ...profile, seed: 1 }, rawNodeFactory);
    for (let seed = 2; seed <= 40 && r.violations.length === 0; seed++) r = runSimulation({ ...profile, seed }, rawNodeFactory);
    expect(r.violations.length).toBeGreaterThan(0);
    expect(r.repro).toBe(`npx raft-lab sim --nodes 5 --seed ${r.options.seed} --faults crash,partition --unsafe double-vote --ops 200`);
    const argv = r.repro.replace('npx raft-lab sim ', '').split(' ');
    const parsed = simOptionsFromFlags(parseArgs(argv, Object.values(SIM_FLAGS), []).flags);
    const replay = runSimulation(parsed, rawNodeFactory);
    expect(replay.traceHash).toBe(r.traceHash);
    expect(replay.violations).toEqual(r.violations);
  });
});
