/**
 * The lab's one membership procedure (shared/cluster/membership.ts), driven over a real
 * simulated cluster: the port proposes at the simulator's nodes and lets virtual time pass when
 * the procedure sleeps or waits, so a refusal, a hint, a pending change or a lost quorum is
 * the real core's. What is checked is what the person reads and what the cluster ends up with.
 */
import { describe, expect, it } from 'vitest';
import { addNode, changeMembership, RETRY_MS, type MembershipPort } from '../../shared/cluster/membership';
import type { ConfChange, NodeId } from '../../shared/raft/types';
import { Simulator } from '../../shared/sim/simulator';
import { resolveSimOptions } from '../../shared/sim/options';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';

const DEADLINE_MS = 5000;

/** A three-node simulated cluster and the procedure's port over it; time passes only when the procedure waits. */
function lab(): { sim: Simulator; port: MembershipPort; asked: NodeId[]; stopped: NodeId[]; state: { paused: boolean; hint: NodeId | null | undefined } } {
  const applied = new Set<string>();
  const sim = new Simulator(resolveSimOptions({ nodes: 3, ops: 0, clients: 0, seed: 21, maxTimeMs: 1e9 }), rawNodeFactory, {
    onNotice: (n) => {
      if (n.kind === 'ready') for (const e of n.ready.committedEntries) if (e.kind === 'conf') applied.add(`${e.index}:${e.term}`);
    },
  });
  const asked: NodeId[] = [];
  const stopped: NodeId[] = [];
  // `hint` overrides the simulator's leader (undefined: none), as a live lab's reports can lag.
  const state: { paused: boolean; hint: NodeId | null | undefined } = { paused: false, hint: undefined };
  const port: MembershipPort = {
    hasNode: (node) => sim.nodeIds().includes(node),
    leaderHint: () => (state.hint !== undefined ? state.hint : sim.leader()),
    proposeAt: (node, change) => {
      asked.push(node);
      try {
        return Promise.resolve(sim.proposeConfChange(change, node));
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
    paused: () => state.paused,
    now: () => sim.now,
    waitApplied: (index, term, ms) => {
      const end = sim.now + ms;
      while (!applied.has(`${index}:${term}`) && sim.now < end) sim.advance(Math.min(10, end - sim.now));
      return Promise.resolve(applied.has(`${index}:${term}`));
    },
    sleep: (ms) => {
      if (!state.paused) sim.advance(ms);
      return Promise.resolve();
    },
    stopRemoved: (node) => {
      stopped.push(node);
      sim.crash(node);
      return Promise.resolve();
    },
  };
  return { sim, port, asked, stopped, state };
}

/** Runs until a leader has committed an entry of its term (it then takes membership changes). */
function settledLeader(sim: Simulator): NodeId {
  for (let i = 0; i < 200 && sim.leader() === null; i++) sim.advance(10);
  sim.advance(200);
  const l = sim.leader();
  if (l === null) throw new Error('no leader after 2 s');
  return l;
}

const followerOf = (sim: Simulator, leader: NodeId): NodeId => sim.nodeIds().find((id) => id !== leader)!;
const conf = (sim: Simulator, node: NodeId) => sim.node(node)!.status().conf;

describe('changeMembership: one procedure for every engine', () => {
  it('running, it answers once the change is applied, and stops the node it removed', async () => {
    const { sim, port, stopped } = lab();
    const leader = settledLeader(sim);
    const victim = followerOf(sim, leader);
    const r = await changeMembership(port, { type: 'remove', node: victim }, DEADLINE_MS);
    expect(r).toEqual({ ok: true, detail: expect.stringMatching(new RegExp(`^remove ${victim} applied at index \\d+$`)) as unknown as string });
    expect(conf(sim, leader).voters).not.toContain(victim);
    expect(stopped).toEqual([victim]);
    expect(sim.node(victim)).toBeNull();
  });

  it('a refusal at a stale leader is asked again at the leader it names, at once', async () => {
    const { sim, port, asked, state } = lab();
    const old = settledLeader(sim);
    const next = followerOf(sim, old);
    sim.transferLeadership(next);
    expect(settledLeader(sim)).toBe(next);
    state.hint = old;
    const before = sim.now;
    const r = await changeMembership(port, { type: 'add-learner', node: sim.addNode() }, DEADLINE_MS);
    expect(r.ok, r.detail).toBe(true);
    expect(asked).toEqual([old, next]);
    expect(conf(sim, next).learners).toEqual([4]);
    expect(sim.now - before).toBeLessThan(RETRY_MS * 10);
  });

  it('a change still pending makes the next one wait its turn, then it is made', async () => {
    const { sim, port, asked } = lab();
    const leader = settledLeader(sim);
    const first = sim.addNode();
    expect(sim.proposeConfChange({ type: 'add-learner', node: first }).ok).toBe(true);
    const r = await changeMembership(port, { type: 'add-voter', node: first }, DEADLINE_MS);
    expect(r.ok, r.detail).toBe(true);
    expect(asked.length).toBeGreaterThan(1);
    expect(asked.every((n) => n === leader)).toBe(true);
    expect(conf(sim, leader).voters).toContain(first);
  });

  it('an invalid change is refused at once with the core\'s reason; an unknown node is refused before asking', async () => {
    const { sim, port, asked } = lab();
    const leader = settledLeader(sim);
    expect(await changeMembership(port, { type: 'add-voter', node: leader }, DEADLINE_MS))
      .toEqual({ ok: false, detail: `node ${leader}: invalid-conf-change: node ${leader} is already a voter` });
    expect(asked).toEqual([leader]);
    expect(await changeMembership(port, { type: 'add-voter', node: 9 }, DEADLINE_MS)).toEqual({ ok: false, detail: 'node 9 is not in the lab (add it with addNode)' });
    expect(asked).toEqual([leader]);
  });

  it('paused, an accepted change is proposed and applies as the cluster is stepped; nothing waits', async () => {
    const { sim, port, state, stopped } = lab();
    const leader = settledLeader(sim);
    sim.pause();
    state.paused = true;
    const victim = followerOf(sim, leader);
    const before = sim.now;
    const r = await changeMembership(port, { type: 'remove', node: victim }, DEADLINE_MS);
    expect(r).toEqual({ ok: true, detail: expect.stringMatching(new RegExp(`^remove ${victim} proposed at index \\d+ \\(term \\d+\\); it applies as the cluster is stepped$`)) as unknown as string });
    expect(sim.now).toBe(before);
    expect(stopped).toEqual([]);
  });

  it('paused, what would need time to pass is refused at once, saying what to step for', async () => {
    const { sim, port, state, asked } = lab();
    sim.pause();
    state.paused = true;
    const change: ConfChange = { type: 'add-learner', node: 3 };
    expect(await changeMembership(port, change, DEADLINE_MS))
      .toEqual({ ok: false, detail: 'no leader known; the cluster is paused: step it (until a leader is elected and no change is pending), then try again' });
    expect(asked).toEqual([]);
    await expect(addNode(port, true, () => Promise.reject(new Error('no node may start')), DEADLINE_MS))
      .rejects.toThrow('addNode: no leader is known and the cluster is paused: step it until a leader is elected, then add the node');
    expect(sim.nodeIds()).toEqual([1, 2, 3]);
  });

  it('without a quorum the entry is never applied: the answer comes at the deadline and says so', async () => {
    const { sim, port } = lab();
    const leader = settledLeader(sim);
    for (const id of sim.nodeIds()) if (id !== leader) sim.crash(id);
    const before = sim.now;
    const r = await changeMembership(port, { type: 'add-learner', node: sim.addNode() }, DEADLINE_MS);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^not applied within the deadline: /);
    expect(sim.now - before).toBeGreaterThanOrEqual(DEADLINE_MS);
  });

  it('addNode starts a node, makes it a member, and names it; a refusal says the node started', async () => {
    const { sim, port } = lab();
    const leader = settledLeader(sim);
    const id = await addNode(port, false, () => Promise.resolve(sim.addNode()), DEADLINE_MS);
    expect(id).toBe(4);
    expect(conf(sim, leader).voters).toContain(4);
    await expect(addNode(port, true, () => Promise.resolve(4), DEADLINE_MS))
      .rejects.toThrow(`addNode: node 4 started but was not added: node ${leader}: invalid-conf-change: node 4 is a voter; demoting a voter to learner is not supported`);
  });
});
