/**
 * A linearizable read whose leader stops leading before confirming it: the core forgets the
 * read, and the client asks again at once where the leader now is, instead of waiting out its
 * attempt timeout. A read asked of that node alone is answered not-leader. Played on the
 * simulator's lab face (the lab's cluster engine over simulated nodes), stepped by hand.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedLab } from '../../shared/sim/sim-lab';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import type { KvResult } from '../../shared/protocol/lab';
import type { NodeId } from '../../shared/raft/types';
import { TestClock, settled } from '../replay/test-clock';
import { deliverAll, dropAll, from, roleOf, to } from './helpers';
import { simLabOptions } from './lab-options';

/** The client's attempt timeout on this cluster: three election timeouts (10 ticks of 10 ms), but at least 300 ms. */
const ATTEMPT_MS = 300;

/** Node 1 leads; a read is taken at it; node 2 campaigns and node 1 steps down before the read is confirmed. */
async function readThenStepDown(pinned?: NodeId): Promise<{ lab: SimulatedLab; clock: TestClock; answers: KvResult[]; steppedDownAt: number }> {
  const clock = new TestClock();
  const lab = new SimulatedLab({ options: simLabOptions({ seed: 7, preVote: false, checkQuorum: false, startPaused: true }), factory: rawNodeFactory, frames: clock });
  const sim = lab.sim;
  await lab.engine.fireTimeout(1);
  deliverAll(sim);
  expect(roleOf(sim, 1)).toBe('leader@1');
  const answers: KvResult[] = [];
  void lab.engine.submit({ type: 'get', key: 'x' }, { client: 'reader', timeoutMs: 20_000, read: 'read-index', ...(pinned === undefined ? {} : { node: pinned }) }).then((r) => answers.push(r));
  await settled();
  // The read round's heartbeats are lost; node 2's vote request reaches node 1 first.
  expect(dropAll(sim, from(1))).toBe(2);
  await lab.engine.fireTimeout(2);
  deliverAll(sim, (m) => m.from === 2 && m.to === 1);
  expect(roleOf(sim, 1)).toBe('follower@2');
  await settled();
  return { lab, clock, answers, steppedDownAt: sim.now };
}

describe('a read whose leader steps down before confirming it', () => {
  it('is asked again at once and answered by the new leader, well before the attempt timeout', async () => {
    const { lab, clock, answers, steppedDownAt } = await readThenStepDown();
    deliverAll(lab.sim, to(3));
    deliverAll(lab.sim);
    await lab.engine.setPaused(false);
    clock.run(ATTEMPT_MS / 2);
    await settled();
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ ok: true, value: null, leader: 2 });
    const read = lab.history().find((h) => h.client === 'reader')!;
    expect(read.completeMs! - steppedDownAt).toBeLessThan(ATTEMPT_MS / 2);
    expect(lab.sim.violations).toEqual([]);
  });

  it('asked of that node alone, is answered not-leader', async () => {
    const { answers } = await readThenStepDown(1);
    expect(answers).toEqual([{ ok: false, error: 'not-leader', detail: 'node 1 stopped leading before it could answer' }]);
  });
});
