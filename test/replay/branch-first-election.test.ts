/**
 * The first-election controls on the simulator's lab face (a branch of a recording), as on the
 * live lab: advance N ticks in step mode, a client request aimed at a node that does not lead
 * answered "not-leader" with its leader hint, and the pace (speed and the network's time per
 * message) set together.
 */
import { describe, expect, it } from 'vitest';
import { RawNode } from '../../shared/raft/raw-node';
import { BranchLab } from '../../shared/replay/branch-lab';
import { clusterOptionsOf } from '../../shared/replay/lab-projection';
import { ReplayIndex } from '../../shared/replay/replay-index';
import { factory, recordedRun } from '../record/fixtures';
import { TestClock } from './test-clock';

const { recording } = recordedRun({}, true);
const index = new ReplayIndex(recording, factory);

function branchAtEnd(): BranchLab {
  const k = index.events;
  return new BranchLab({ position: k, states: index.branchStateAt(k), options: clusterOptionsOf(recording), atMs: 0, seed: 1 }, RawNode, new TestClock());
}

describe('BranchLab: first-election controls', () => {
  it('tickOnce(n) advances every running node n ticks', async () => {
    const b = branchAtEnd();
    const before = await b.snapshot();
    expect(before.paused).toBe(true);
    const followers = before.nodes.filter((n) => n.status !== null && n.status.role === 'follower' && n.status.randomizedElectionTicks - n.status.electionElapsed > 3);
    expect(followers.length).toBeGreaterThan(0);
    await b.tickOnce(3);
    const after = await b.snapshot();
    for (const f of followers) {
      const s = after.nodes.find((n) => n.id === f.id)?.status;
      // Paused, a leader's heartbeats wait as pending items, so nothing resets the timer meanwhile.
      expect(s?.electionElapsed).toBe((f.status?.electionElapsed ?? 0) + 3);
    }
    await expect(b.tickOnce(0)).rejects.toThrow(/ticks must be a whole number/);
  });

  it('tickOnce while playing is refused, as on the live lab (time already runs)', async () => {
    const b = branchAtEnd();
    await b.setPaused(false);
    const before = b.elapsedMs;
    await expect(b.tickOnce(2)).rejects.toThrow('tickOnce: pause the cluster first');
    expect(b.elapsedMs).toBe(before);
  });

  it('a request aimed at a follower is answered not-leader with its leader hint', async () => {
    const b = branchAtEnd();
    const snap = await b.snapshot();
    const follower = snap.nodes.find((n) => n.status?.role === 'follower' && n.status.leader !== 0);
    if (!follower?.status) throw new Error('no follower that knows a leader at the end of the recording');
    const r = await b.submit({ type: 'put', key: 'k', value: 'v' }, { node: follower.id });
    expect(r).toMatchObject({ ok: false, error: 'not-leader', leaderHint: follower.status.leader });
  });

  it('setPace sets the speed and the network time per message together', async () => {
    const b = branchAtEnd();
    await b.setPace({ speed: 0.2, networkMs: 100 });
    const snap = await b.snapshot();
    expect([snap.speed, snap.networkMs]).toEqual([0.2, 100]);
    await expect(b.setPace({ speed: 0.2, networkMs: -5 })).rejects.toThrow('setPace: networkMs must be between 0 and');
  });
});
