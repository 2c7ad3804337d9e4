/**
 * Membership changes in a branch answer as the live lab does (shared/cluster/membership.ts):
 * while the branch plays, a change returns once it is applied (and a removed node is stopped);
 * while it is paused, it returns as soon as it is proposed, saying it applies as the person steps.
 */
import { describe, expect, it } from 'vitest';
import type { BranchLab } from '../../shared/replay/branch-lab';
import { ReplayIndex } from '../../shared/replay/replay-index';
import { factory, recordedRun } from '../record/fixtures';
import { played, playUntil, TestClock } from './test-clock';
import { branchOf, leaderOf } from './branch-helpers';

const { recording } = recordedRun({}, true);
const index = new ReplayIndex(recording, factory);

const branch = (clock: TestClock): BranchLab => branchOf(index, recording, index.events, 5, clock);

/** A playing branch with a leader, and a follower that is up to remove. */
async function playingWithVictim(clock: TestClock): Promise<{ b: BranchLab; leader: number; victim: number }> {
  const b = branch(clock);
  await b.setPaused(false);
  await playUntil(clock, async () => (await leaderOf(b)) !== null);
  const leader = (await leaderOf(b))!;
  const victim = (await b.snapshot()).nodes.find((n) => n.id !== leader && n.status !== null)!.id;
  return { b, leader, victim };
}

describe('BranchLab membership changes, as the live lab makes them', () => {
  it('while playing, removing a node returns once the change is applied, and the removed node is stopped', async () => {
    const clock = new TestClock();
    const { b, leader, victim } = await playingWithVictim(clock);
    const r = await played(clock, b.changeMembership({ type: 'remove', node: victim }));
    expect(r.ok, r.detail).toBe(true);
    expect(r.detail).toMatch(new RegExp(`^remove ${victim} applied at index \\d+$`));
    const snap = await b.snapshot();
    const now = snap.nodes.find((n) => n.id === (snap.nodes.find((x) => x.status?.role === 'leader')?.id ?? leader))!;
    expect(now.status?.conf.voters).not.toContain(victim);
    expect(snap.nodes.find((n) => n.id === victim)?.life).toBe('stopped');
  });

  it('while playing, removing a node that is down succeeds and leaves it crashed (there is nothing to stop)', async () => {
    const clock = new TestClock();
    const { b, victim } = await playingWithVictim(clock);
    await b.crashNode(victim);
    const r = await played(clock, b.changeMembership({ type: 'remove', node: victim }));
    expect(r.ok, r.detail).toBe(true);
    expect(r.detail).toMatch(new RegExp(`^remove ${victim} applied at index \\d+$`));
    expect((await b.snapshot()).nodes.find((n) => n.id === victim)?.life).toBe('crashed');
  });

  it('while playing, adding a node returns once it is a member', async () => {
    const clock = new TestClock();
    const b = branch(clock);
    await b.setPaused(false);
    await playUntil(clock, async () => (await leaderOf(b)) !== null);
    const added = await played(clock, b.addNode({ learner: true }));
    const leader = (await b.snapshot()).nodes.find((n) => n.status?.role === 'leader')!;
    expect(leader.status?.conf.learners).toContain(added);
  });

  it('while paused, a change is proposed and applies as the branch is stepped', async () => {
    const clock = new TestClock();
    const b = branch(clock);
    await b.setPaused(false);
    await playUntil(clock, async () => (await leaderOf(b)) !== null);
    await b.setPaused(true);
    const leader = await leaderOf(b);
    const victim = (await b.snapshot()).nodes.find((n) => n.id !== leader && n.status !== null)!.id;
    const r = await b.changeMembership({ type: 'remove', node: victim });
    expect(r).toEqual({ ok: true, detail: expect.stringMatching(new RegExp(`^remove ${victim} proposed at index \\d+ \\(term \\d+\\); it applies as the cluster is stepped$`)) as unknown as string });
  });

  it('a node the branch has never had is refused with the live lab\'s words', async () => {
    const b = branch(new TestClock());
    expect(await b.changeMembership({ type: 'add-voter', node: 9 })).toEqual({ ok: false, detail: 'node 9 is not in the lab (add it with addNode)' });
  });
});
