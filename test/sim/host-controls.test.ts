/**
 * The simulator's lab face (the lab's cluster engine over simulated nodes) as a host that runs it
 * live uses it: client requests submitted from outside get answered once, time out with
 * `timeout` when no majority can commit them, and wait their turn per client; a new node joins
 * through a membership change; and the host hears every send, delivery, Ready and answer.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedLab } from '../../shared/sim/sim-lab';
import { SimOptionsError, resolveSimOptions } from '../../shared/sim/options';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import type { KvResult, LabEvent } from '../../shared/protocol/lab';
import { TestClock, played, settled } from '../replay/test-clock';
import { simLabOptions } from './lab-options';

function cluster(clock: TestClock | null = null): SimulatedLab {
  return new SimulatedLab({ options: simLabOptions({ seed: 21 }), factory: rawNodeFactory, frames: clock });
}

function untilLeader(lab: SimulatedLab): number {
  for (let i = 0; i < 200 && lab.sim.leader() === null; i++) lab.sim.advance(10);
  const l = lab.sim.leader();
  if (l === null) throw new Error('no leader after 2 s');
  return l;
}

describe('host controls', () => {
  it('a submitted write is answered once with its index; the host heard it invoked, sent, delivered, applied and answered', async () => {
    const lab = cluster();
    const events: LabEvent[] = [];
    lab.onEvents((batch) => events.push(...batch));
    const leader = untilLeader(lab);
    const answers: KvResult[] = [];
    void lab.engine.submit({ type: 'put', key: 'x', value: '1' }, { client: 'me', timeoutMs: 1000 }).then((r) => answers.push(r));
    lab.sim.advance(200);
    await lab.engine.settle();
    await settled();
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ ok: true, value: '1', leader });
    for (const id of lab.sim.nodeIds()) expect(lab.sim.stateMachine(id)?.get('x')).toBe('1');
    const kinds = new Set(events.map((e) => e.type));
    for (const kind of ['client-invoke', 'message-sent', 'message-delivered', 'entries-applied', 'client-complete'] as const) expect(kinds).toContain(kind);
    expect(lab.history().map((h) => [h.client, h.seq, h.result?.ok])).toEqual([['me', 1, true]]);
  });

  it('without a majority a request times out after its simulated deadline; the next one waits its turn', async () => {
    const lab = cluster();
    const leader = untilLeader(lab);
    for (const id of lab.sim.nodeIds()) if (id !== leader) await lab.engine.crashNode(id);
    const answers: KvResult[] = [];
    void lab.engine.submit({ type: 'put', key: 'y', value: 'lost?' }, { client: 'me', timeoutMs: 300 }).then((r) => answers.push(r));
    void lab.engine.submit({ type: 'get', key: 'y' }, { client: 'me', timeoutMs: 300 }).then((r) => answers.push(r));
    await settled();
    lab.sim.advance(299);
    await settled();
    expect(answers).toEqual([]);
    lab.sim.advance(50);
    await settled();
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ ok: false, error: 'timeout' });
    lab.sim.advance(400);
    await settled();
    expect(answers).toHaveLength(2);
    expect(lab.history()[0]!.completeMs).toBeNull();
  });

  it('no workload clients only without workload ops (a host brings its own requests)', () => {
    expect(() => resolveSimOptions({ clients: 0, ops: 10 })).toThrow(SimOptionsError);
    expect(() => resolveSimOptions({ clients: 0, ops: 10 })).toThrow('clients must be at least 1 to issue 10 ops');
    expect(resolveSimOptions({ clients: 0, ops: 0 }).clients).toBe(0);
  });

  it('a new node joins as a learner through a membership change and receives the log', async () => {
    const clock = new TestClock();
    const lab = cluster(clock);
    await lab.engine.setPaused(true);
    await lab.engine.setPaused(false);
    untilLeader(lab);
    expect(await played(clock, lab.engine.submit({ type: 'put', key: 'k', value: 'v' }, { client: 'me', timeoutMs: 1000 }))).toMatchObject({ ok: true });
    const id = await played(clock, lab.engine.addNode({ learner: true }));
    expect(id).toBe(4);
    clock.run(500);
    expect(lab.sim.node(id)?.status().conf.learners).toEqual([4]);
    expect(lab.sim.stateMachine(id)?.get('k')).toBe('v');
  });
});
