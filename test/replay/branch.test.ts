/**
 * Branching from a recording: every node rebuilt through the real core as it was at an event,
 * then continued by hand. The branch must start where the recording was (terms, logs, commit,
 * the key-value state), elect a leader when a timeout fires and its messages are delivered, be
 * deterministic, and refuse to start where it cannot (a node down) with a message naming why.
 */
import { describe, expect, it } from 'vitest';
import { RawNode } from '../../shared/raft/raw-node';
import { BranchLab } from '../../shared/replay/branch-lab';
import { clusterOptionsOf } from '../../shared/replay/lab-projection';
import { ReplayIndex } from '../../shared/replay/replay-index';
import type { LabEvent } from '../../shared/protocol/lab';
import { factory, recordedRun } from '../record/fixtures';

const { sim, recording } = recordedRun({}, true);
const index = new ReplayIndex(recording, factory);
const end = index.events;

/** The node with the most up-to-date log at the end (last term, then last index): it can win a vote. */
const best = [...index.nodesAt(end)].sort((a, b) => (b.status?.lastTerm ?? 0) - (a.status?.lastTerm ?? 0) || (b.status?.lastIndex ?? 0) - (a.status?.lastIndex ?? 0))[0]!.id;

function branchAt(k: number, seed = 1): BranchLab {
  return new BranchLab(index.branchStateAt(k), RawNode, clusterOptionsOf(recording), k, 0, seed);
}

/** Fire node `who`'s timeout and deliver every message until none is pending (bounded). */
async function electByHand(b: BranchLab, who: number): Promise<void> {
  await b.fireTimeout(who);
  for (let i = 0; i < 500; i++) {
    const snap = await b.snapshot();
    const next = snap.pending[0];
    if (!next) return;
    await b.deliver(next.id);
  }
  throw new Error('messages kept coming for 500 deliveries');
}

describe('BranchLab', () => {
  it('starts where the recording was: each node\'s term, vote, commit and log end', async () => {
    const snap = await branchAt(end).snapshot();
    for (const n of index.nodesAt(end)) {
      const s = snap.nodes.find((x) => x.id === n.id)?.status;
      expect(s?.term).toBe(n.status?.term);
      expect(s?.vote).toBe(n.status?.vote);
      expect(s?.commit).toBe(n.status?.commit);
      expect(s?.lastIndex).toBe(n.status?.lastIndex);
      expect(s?.lastTerm).toBe(n.status?.lastTerm);
    }
  });

  it('holds the recorded run\'s key-value state on every node that had applied all it committed', async () => {
    const b = branchAt(end);
    let compared = 0;
    for (const n of index.nodesAt(end)) {
      const live = sim.stateMachine(n.id);
      if (!live || n.status?.applied !== n.status?.commit) continue;
      for (const [key, value] of live.entries()) expect(b.kvGet(n.id, key)).toBe(value);
      compared += live.entries().length;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('a fired timeout and delivered messages elect that node in a newer term, with no violation', async () => {
    const b = branchAt(end);
    const events: LabEvent[] = [];
    b.onEvents((es) => events.push(...es));
    const before = Math.max(...index.nodesAt(end).map((n) => n.status?.term ?? 0));
    await electByHand(b, best);
    const snap = await b.snapshot();
    const leaders = snap.nodes.filter((n) => n.status?.role === 'leader');
    expect(leaders.map((n) => n.id)).toEqual([best]);
    expect(leaders[0]?.status?.term).toBeGreaterThan(before);
    expect(snap.violations).toEqual([]);
    expect(events.some((e) => e.type === 'role-change' && e.node === best && e.role === 'leader')).toBe(true);
  });

  it('the same branch and the same actions give the same run; dropping a message changes it', async () => {
    const a = branchAt(end, 5);
    const b = branchAt(end, 5);
    for (const x of [a, b]) {
      for (let t = 0; t < 30; t++) await x.tickOnce();
    }
    expect(await a.snapshot()).toEqual(await b.snapshot());
    const c = branchAt(end, 5);
    await c.fireTimeout(3);
    for (const p of (await c.snapshot()).pending) await c.drop(p.id);
    const s = await c.snapshot();
    expect(s.pending).toEqual([]);
    expect(s.nodes.find((n) => n.id === 3)?.status?.role).not.toBe('leader');
  });

  it('a crashed node restarts from what it persisted in the branch', async () => {
    const b = branchAt(end);
    await electByHand(b, 1);
    const last = (await b.snapshot()).nodes.find((n) => n.id === 1)?.status?.lastIndex;
    await b.crashNode(1);
    expect((await b.snapshot()).nodes.find((n) => n.id === 1)?.life).toBe('crashed');
    await b.restartNode(1);
    const s = (await b.snapshot()).nodes.find((n) => n.id === 1)?.status;
    expect(s?.lastIndex).toBe(last);
    expect(s?.role).toBe('follower');
  });

  it('refuses what a branch does not do, saying so', async () => {
    const b = branchAt(end);
    await expect(b.submit()).rejects.toThrow('client requests is not available in a branch');
    await expect(b.setPaused(false)).rejects.toThrow('play is not available in a branch');
    await expect(b.deliver('nope')).rejects.toThrow('no pending message nope');
  });

  it('cannot branch where a node is down, and names it', () => {
    const crash = recording.records.findIndex((l) => l.record.kind === 'crash') + 1;
    const r = index.record(crash);
    if (r.kind !== 'crash') throw new Error('the run has no crash');
    expect(() => index.branchStateAt(crash)).toThrow(`node ${r.node} is down at event ${crash}`);
  });

  it('answers readLog from each branch node\'s log (as the recording had it) and refuses a crashed node', async () => {
    const b = branchAt(end);
    let read = 0;
    for (const n of index.nodesAt(end)) {
      const want = index.logAt(n.id, end);
      const got = await b.readLog(n.id, want.firstIndex, want.lastIndex + 1);
      expect(got.lastIndex).toBe(want.lastIndex);
      expect(got.entries.length).toBe(want.lastIndex - want.firstIndex + 1);
      expect(got.entries).toEqual(want.entries.slice(want.firstIndex));
      read += got.entries.length;
    }
    expect(read).toBeGreaterThan(0);
    await expect(b.readLog(1, 5, 2)).rejects.toThrow(/ends before it starts/);
    await expect(b.readLog(99, 1, 2)).rejects.toThrow(/no node 99 in this branch/);
    await b.crashNode(1);
    await expect(b.readLog(1, 1, 2)).rejects.toThrow(/node 1 is crashed in this branch/);
  });
});
