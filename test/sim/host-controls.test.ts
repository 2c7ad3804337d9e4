/**
 * The simulator's controls for a host that runs it live (a branch of a recording in the app):
 * client requests submitted from outside get answered once, time out with `timeout` when no
 * majority can commit them, and wait their turn per client; a new node joins through a
 * membership change; and the host hears every send, delivery and Ready.
 */
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../shared/sim/simulator';
import { SimOptionsError, resolveSimOptions } from '../../shared/sim/options';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import type { SimNotice } from '../../shared/sim/start';
import type { KvResult } from '../../shared/protocol/lab';

function cluster(onNotice?: (n: SimNotice) => void): Simulator {
  return new Simulator(resolveSimOptions({ nodes: 3, ops: 0, clients: 0, seed: 21, maxTimeMs: 1e9 }), rawNodeFactory, { onNotice });
}

function untilLeader(sim: Simulator): number {
  for (let i = 0; i < 200 && sim.leader() === null; i++) sim.advance(10);
  const l = sim.leader();
  if (l === null) throw new Error('no leader after 2 s');
  return l;
}

describe('host controls', () => {
  it('a submitted write is answered once with its index; the host heard it invoked, sent, delivered, applied and answered', () => {
    const notices: SimNotice[] = [];
    const sim = cluster((n) => notices.push(n));
    const leader = untilLeader(sim);
    const answers: KvResult[] = [];
    sim.submit({ type: 'put', key: 'x', value: '1' }, 'me', 1000, (r) => answers.push(r));
    sim.advance(200);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ ok: true, value: '1', leader });
    for (const id of sim.nodeIds()) expect(sim.stateMachine(id)?.get('x')).toBe('1');
    const kinds = new Set(notices.map((n) => n.kind));
    expect([...kinds].sort()).toEqual(['answered', 'client-complete', 'client-invoke', 'delivered', 'ready', 'sent']);
    expect(sim.history.map((h) => [h.client, h.seq, h.result?.ok])).toEqual([['me', 1, true]]);
  });

  it('without a majority a request times out after its simulated deadline; the next one waits its turn', () => {
    const sim = cluster();
    const leader = untilLeader(sim);
    for (const id of sim.nodeIds()) if (id !== leader) sim.crash(id);
    const answers: KvResult[] = [];
    sim.submit({ type: 'put', key: 'y', value: 'lost?' }, 'me', 300, (r) => answers.push(r));
    sim.submit({ type: 'get', key: 'y' }, 'me', 300, (r) => answers.push(r));
    sim.advance(299);
    expect(answers).toEqual([]);
    sim.advance(50);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ ok: false, error: 'timeout' });
    sim.advance(400);
    expect(answers).toHaveLength(2);
    expect(sim.history[0]!.completeMs).toBeNull();
  });

  it('no workload clients only without workload ops (a host brings its own requests)', () => {
    expect(() => resolveSimOptions({ clients: 0, ops: 10 })).toThrow(SimOptionsError);
    expect(() => resolveSimOptions({ clients: 0, ops: 10 })).toThrow('clients must be at least 1 to issue 10 ops');
    expect(resolveSimOptions({ clients: 0, ops: 0 }).clients).toBe(0);
  });

  it('a new node joins as a learner through a membership change and receives the log', () => {
    const sim = cluster();
    untilLeader(sim);
    const done: KvResult[] = [];
    sim.submit({ type: 'put', key: 'k', value: 'v' }, 'me', 1000, (r) => done.push(r));
    sim.advance(200);
    const id = sim.addNode();
    expect(id).toBe(4);
    const r = sim.proposeConfChange({ type: 'add-learner', node: id });
    expect(r.ok).toBe(true);
    sim.advance(500);
    expect(sim.node(id)?.status().conf.learners).toEqual([4]);
    expect(sim.stateMachine(id)?.get('k')).toBe('v');
  });
});
