/**
 * Deliberate bugs prove the checker. For each unsafe option, a bounded search over seeds, with a
 * fault profile that makes the bug reachable, finds a violation of the property the bug breaks;
 * with every safety rule on, the same search over the same seeds finds none.
 *
 * Profiles: crashes and partitions for the vote bugs; crashes for reply-before-persist; for
 * Figure 8 (commit previous-term entries by counting), a stormy 3-node cluster whose election
 * timeout is close to the message delay, one entry per AppendEntries, and crashes with loss, so
 * leaders often fall before their own no-op spreads.
 */
import { describe, expect, it } from 'vitest';
import { runSimulation, type SimResult } from '../../shared/sim/run';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import type { SimOptions, UnsafeName } from '../../shared/sim/options';
import type { SafetyProperty } from '../../shared/protocol/lab';

/** Seeds tried per search. */
const MAX_SEEDS = 40;

const RAFT_PROPERTIES: readonly SafetyProperty[] = ['election-safety', 'leader-append-only', 'log-matching', 'leader-completeness', 'state-machine-safety'];

interface Case {
  readonly bug: UnsafeName;
  readonly profile: Partial<SimOptions>;
  /** What the bug is expected to break (any of these). */
  readonly breaks: readonly SafetyProperty[];
}

const CASES: readonly Case[] = [
  {
    bug: 'commit-previous-term',
    profile: { nodes: 3, electionTicks: 2, delayMs: 5, jitterMs: 25, maxEntriesPerMsg: 1, preVote: false, checkQuorum: false, faults: ['crash', 'loss'], ops: 100, maxTimeMs: 20_000 },
    breaks: ['leader-completeness', 'state-machine-safety'],
  },
  { bug: 'skip-vote-check', profile: { nodes: 5, faults: ['crash', 'partition'], ops: 200 }, breaks: ['leader-completeness', 'state-machine-safety', 'log-matching'] },
  { bug: 'double-vote', profile: { nodes: 5, faults: ['crash', 'partition'], ops: 200 }, breaks: ['election-safety'] },
  { bug: 'reply-before-persist', profile: { nodes: 5, faults: ['crash'], ops: 200 }, breaks: ['persisted-before-sent'] },
  // The same bug breaks Raft's own properties too once a crash lands in the window: hide the
  // two host-level checks and a Raft property must still fall.
  { bug: 'reply-before-persist', profile: { nodes: 5, faults: ['crash'], ops: 200, ignore: ['persisted-before-sent', 'monotonic-term'] }, breaks: RAFT_PROPERTIES },
];

function search(profile: Partial<SimOptions>, unsafe: readonly UnsafeName[]): { seed: number; result: SimResult } | null {
  for (let seed = 1; seed <= MAX_SEEDS; seed++) {
    const result = runSimulation({ ...profile, seed, unsafe }, rawNodeFactory);
    if (result.violations.length > 0) return { seed, result };
  }
  return null;
}

describe('seed search finds every deliberate bug', () => {
  for (const c of CASES) {
    const label = c.profile.ignore !== undefined ? `${c.bug} (ignoring ${c.profile.ignore.join(', ')})` : c.bug;
    it(`${label}: a violation of ${c.breaks === RAFT_PROPERTIES ? 'a Raft property' : c.breaks.join(' or ')} within ${MAX_SEEDS} seeds`, () => {
      const found = search(c.profile, [c.bug]);
      expect(found, `no violation in ${MAX_SEEDS} seeds`).not.toBeNull();
      const v = found!.result.violations[0]!;
      expect(c.breaks).toContain(v.property);
      expect(v.nodes.length).toBeGreaterThan(0);
      expect(v.eventSeq).toBeGreaterThan(0);
      // The printed command names the seed and the bug, so it replays this very run.
      expect(found!.result.repro).toContain(`--seed ${found!.seed}`);
      expect(found!.result.repro).toContain(`--unsafe ${c.bug}`);
    });
  }

  const profiles = [...new Map(CASES.filter((c) => c.profile.ignore === undefined).map((c) => [JSON.stringify(c.profile), c.profile])).values()];
  it(`with every safety rule on, the same searches (${profiles.length} profiles x ${MAX_SEEDS} seeds) find nothing`, () => {
    for (const profile of profiles) {
      const found = search(profile, []);
      expect(found === null ? null : `${found.result.failures[0]}\n  reproduce: ${found.result.repro}`).toBeNull();
    }
  });
});
