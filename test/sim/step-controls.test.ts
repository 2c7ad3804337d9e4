/**
 * The app's step controls on the simulator: a paused cluster does nothing by itself; messages
 * wait as pending items with ids; one chosen message can be delivered or dropped; one chosen
 * node's timeout can be fired; time can be advanced while paused without delivering anything.
 */
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../shared/sim/simulator';
import { resolveSimOptions } from '../../shared/sim/options';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import { deliverAll, roleOf } from './helpers';

function pausedCluster(nodes = 3): Simulator {
  const sim = new Simulator(resolveSimOptions({ nodes, ops: 0, clients: 1, seed: 5 }), rawNodeFactory, { keepTrace: true });
  sim.pause();
  return sim;
}

describe('step controls', () => {
  it('a paused cluster stays still until told: no ticks, no deliveries', () => {
    const sim = pausedCluster();
    const before = sim.traceText().length;
    expect(sim.pending()).toEqual([]);
    expect(sim.traceText().length).toBe(before);
    for (const id of sim.nodeIds()) expect(roleOf(sim, id)).toBe('follower@0');
  });

  it('fires one timeout, then an election happens message by message', () => {
    const sim = pausedCluster();
    sim.fireTimeout(2);
    // PreVote first: node 2 asks both peers, nothing is delivered yet.
    const pre = sim.pending();
    expect(pre.map((p) => (p.kind === 'message' ? `${p.message.from}->${p.message.to} ${p.message.type}` : p.kind))).toEqual(['2->1 RequestVote', '2->3 RequestVote']);
    expect(roleOf(sim, 2)).toBe('pre-candidate@0');
    // Drop the probe to 3, deliver the one to 1: its grant comes back as a new pending item.
    sim.drop(pre[1]!.id);
    sim.deliver(pre[0]!.id);
    const grant = sim.pending();
    expect(grant).toHaveLength(1);
    expect(grant[0]).toMatchObject({ kind: 'message', message: { type: 'RequestVoteResponse', from: 1, to: 2, granted: true, preVote: true } });
    sim.deliver(grant[0]!.id);
    expect(roleOf(sim, 2)).toBe('candidate@1');
    deliverAll(sim);
    expect(roleOf(sim, 2)).toBe('leader@1');
    expect(roleOf(sim, 1)).toBe('follower@1');
    expect(roleOf(sim, 3)).toBe('follower@1');
    expect(sim.violations).toEqual([]);
  });

  it('rejects an unknown pending id with the list of real ones', () => {
    const sim = pausedCluster();
    sim.fireTimeout(1);
    expect(() => sim.deliver('m999')).toThrow(/no pending message "m999" \(pending: \d+\.0\.\d+>\d+, \d+\.0\.\d+>\d+\)/);
  });

  it('advancing a paused cluster ticks nodes but holds their messages; resume delivers them', () => {
    const sim = pausedCluster();
    // Two full election timeouts: some node times out and sends pre-votes, which are held.
    sim.advance(2 * 2 * 10 * 10);
    expect(sim.now).toBe(400);
    expect(sim.pending().length).toBeGreaterThan(0);
    expect(sim.nodeIds().some((id) => roleOf(sim, id) === 'leader@1')).toBe(false);
    sim.resume();
    sim.advance(1_000);
    expect(sim.nodeIds().filter((id) => roleOf(sim, id).startsWith('leader')).length).toBe(1);
  });

  it('pausing a running cluster turns in-flight messages into pending items', () => {
    const sim = new Simulator(resolveSimOptions({ nodes: 3, ops: 0, clients: 1, seed: 8 }), rawNodeFactory);
    sim.advance(1_000);
    const leader = sim.nodeIds().find((id) => roleOf(sim, id).startsWith('leader'));
    expect(leader).toBeDefined();
    // Stop right after a heartbeat round went out: those messages are now pending.
    let held = 0;
    for (let i = 0; i < 20 && held === 0; i++) {
      sim.advance(1);
      sim.pause();
      held = sim.pending().length;
      if (held === 0) sim.resume();
    }
    expect(held).toBeGreaterThan(0);
    const t = sim.now;
    deliverAll(sim);
    expect(sim.now).toBe(t);
  });

  it('a crash loses nothing durable: the node restarts with its term, vote and log', () => {
    const sim = new Simulator(resolveSimOptions({ nodes: 3, ops: 20, clients: 2, seed: 3 }), rawNodeFactory);
    sim.advance(2_000);
    const before = sim.node(3)!.status();
    sim.crash(3);
    expect(sim.node(3)).toBeNull();
    sim.restart(3);
    const after = sim.node(3)!.status();
    expect(after.term).toBe(before.term);
    expect(after.vote).toBe(before.vote);
    expect(after.lastIndex).toBe(before.lastIndex);
    expect(sim.node(3)!.termAt(before.lastIndex)).toBe(before.lastTerm);
  });
});
