/**
 * Controls chosen while a new cluster's nodes start (the ~1-3 s between createCluster and the
 * nodes running) apply as soon as the nodes run: a pause holds, a speed is in force, a step
 * waits for the nodes. With `startPaused`, nothing ticks before the first step, so the first
 * election can be stepped from its timeout on. Also: advancing N ticks in step mode.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LabController } from '../../electron/lab/controller';
import type { ClusterSnapshot } from '../../shared/protocol/lab';
import { FAST, openLab, waitFor, type Lab } from './helpers';

let current: Lab | null = null;
afterEach(async () => {
  await current?.dispose();
  current = null;
});

/** Resolves once createCluster has made the cluster (its nodes are starting), before they run. */
async function whileStarting(lab: LabController): Promise<void> {
  await waitFor('the cluster to exist', () => {
    try {
      const snap = lab.snapshotNow();
      return snap.nodes.length > 0 && snap.nodes.every((n) => n.life === 'starting') ? true : null;
    } catch {
      return null;
    }
  }, 10_000, 1);
}

function roles(snap: ClusterSnapshot): string[] {
  return snap.nodes.map((n) => `${n.id}:${n.status?.role ?? '-'}:t${n.status?.term ?? '-'}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('controls chosen during start-up', () => {
  it('a pause pressed while the nodes start holds: no node ticks, no election happens', async () => {
    current = await openLab({ traceMessages: true });
    const { lab, dir, events } = current;
    // Fast ticks: unpaused, a leader would be elected within ~300 ms.
    const created = lab.createCluster({ ...FAST, nodes: 5, dataDir: dir });
    await whileStarting(lab);
    await lab.setPaused(true);
    await created;
    const after = await lab.snapshot();
    expect(after.paused).toBe(true);
    expect(after.nodes.every((n) => n.life === 'paused')).toBe(true);
    // Many election timeouts later: still every node a follower of term 0 with a fresh timer.
    await sleep(800);
    const later = await lab.snapshot();
    expect(roles(later)).toEqual(roles(after));
    expect(later.nodes.every((n) => n.status?.role === 'follower' && n.status.electionElapsed === 0)).toBe(true);
    expect(events.filter((e) => e.type === 'message-sent')).toEqual([]);
    expect(later.pending).toEqual([]);
  });

  it('a speed chosen while the nodes start is the speed the nodes run at', async () => {
    current = await openLab();
    const { lab, dir } = current;
    const created = lab.createCluster({ ...FAST, tickMs: 10, electionTicks: 15, nodes: 3, dataDir: dir });
    await whileStarting(lab);
    await lab.setSpeed(0.02); // a tick every 500 ms: the first election timeout is >= 7.5 s away
    await created;
    const t0 = Date.now();
    await sleep(1200);
    const snap = await lab.snapshot();
    const seconds = (Date.now() - t0) / 1000;
    expect(snap.speed).toBe(0.02);
    expect(snap.nodes.every((n) => n.status?.role === 'follower')).toBe(true);
    // At 0.02x each node has ticked at most ~2.5 times in 1.2 s (at 1x it would have been ~120).
    const elapsed = snap.nodes.map((n) => n.status?.electionElapsed ?? -1);
    expect(Math.max(...elapsed)).toBeLessThanOrEqual(Math.ceil(seconds * 2) + 1);
  });

  it('a step asked for while the nodes start waits for them and then steps', async () => {
    current = await openLab();
    const { lab, dir } = current;
    const created = lab.createCluster({ ...FAST, nodes: 3, dataDir: dir, startPaused: true });
    await whileStarting(lab);
    const fired = lab.fireTimeout(1);
    await created;
    await fired;
    const snap = await lab.snapshot();
    const preVotes = snap.pending.flatMap((p) => (p.kind === 'message' && p.message.type === 'RequestVote' && p.message.preVote ? [`${p.message.from}>${p.message.to}`] : []));
    expect(preVotes.sort()).toEqual(['1>2', '1>3']);
  });
});

describe('start paused', () => {
  it('creates a paused cluster in which nothing has happened: the first election is the first step', async () => {
    current = await openLab({ traceMessages: true });
    const { lab, dir, events } = current;
    const snap = await lab.createCluster({ ...FAST, nodes: 5, dataDir: dir, startPaused: true });
    expect(snap.paused).toBe(true);
    expect(snap.nodes.every((n) => n.life === 'paused')).toBe(true);
    await sleep(600);
    const later = await lab.snapshot();
    expect(later.nodes.every((n) => n.status?.role === 'follower' && n.status.term === 0 && n.status.electionElapsed === 0)).toBe(true);
    expect(events.some((e) => e.type === 'run-state' && e.paused)).toBe(true);
    expect(events.filter((e) => e.type === 'message-sent')).toEqual([]);
  });
});

describe('advance N ticks', () => {
  it('tickOnce(n) advances every node n ticks, and the due timeout fires on its tick', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 3, electionTicks: 20, dataDir: dir, startPaused: true });
    await lab.tickOnce(7);
    let snap = await lab.snapshot();
    expect(snap.nodes.map((n) => n.status?.electionElapsed)).toEqual([7, 7, 7]);
    // Up to the first node's timeout: its election timeout becomes a pending item, and one more tick fires it.
    const first = Math.min(...snap.nodes.map((n) => (n.status?.randomizedElectionTicks ?? 0) - 7));
    await lab.tickOnce(first - 1);
    snap = await lab.snapshot();
    expect(snap.pending.filter((p) => p.kind === 'timeout').length).toBeGreaterThan(0);
    expect(snap.nodes.every((n) => n.status?.role === 'follower')).toBe(true);
    await lab.tickOnce(1);
    snap = await lab.snapshot();
    expect(snap.nodes.some((n) => n.status?.role === 'pre-candidate')).toBe(true);
    await expect(lab.tickOnce(0)).rejects.toThrow(/ticks must be a whole number/);
  });
});
