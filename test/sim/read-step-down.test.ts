/**
 * A linearizable read whose leader stops leading before confirming it: the core forgets the
 * read, and the client asks again at once where the leader now is (the live lab's client router
 * does the same), instead of waiting out its attempt timeout. A read asked of that node alone is
 * answered not-leader.
 */
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../shared/sim/simulator';
import { resolveSimOptions } from '../../shared/sim/options';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import type { KvResult } from '../../shared/protocol/lab';
import type { NodeId } from '../../shared/raft/types';
import { deliverAll, dropAll, from, roleOf, to } from './helpers';

const CLIENT_TIMEOUT_MS = 5_000;

/** Node 1 leads; a read is taken at it; node 2 campaigns and node 1 steps down before the read is confirmed. */
function readThenStepDown(pinned?: NodeId): { sim: Simulator; answers: KvResult[]; steppedDownAt: number } {
  const sim = new Simulator(
    resolveSimOptions({ nodes: 3, ops: 0, clients: 0, seed: 7, preVote: false, checkQuorum: false, clientTimeoutMs: CLIENT_TIMEOUT_MS }),
    rawNodeFactory,
    { keepTrace: true },
  );
  sim.pause();
  sim.fireTimeout(1);
  deliverAll(sim);
  expect(roleOf(sim, 1)).toBe('leader@1');
  const answers: KvResult[] = [];
  sim.submit({ type: 'get', key: 'x' }, 'reader', 20_000, (r) => answers.push(r), pinned, 'read-index');
  sim.advance(0);
  // The read round's heartbeats are lost; node 2's vote request reaches node 1 first.
  expect(dropAll(sim, from(1))).toBe(2);
  sim.fireTimeout(2);
  deliverAll(sim, (m) => m.from === 2 && m.to === 1);
  expect(roleOf(sim, 1)).toBe('follower@2');
  return { sim, answers, steppedDownAt: sim.now };
}

describe('a read whose leader steps down before confirming it', () => {
  it('is asked again at once and answered by the new leader, well before the attempt timeout', () => {
    const { sim, answers, steppedDownAt } = readThenStepDown();
    deliverAll(sim, to(3));
    deliverAll(sim);
    sim.resume();
    sim.runUntil(steppedDownAt + CLIENT_TIMEOUT_MS / 2);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ ok: true, value: null, leader: 2 });
    const read = sim.history.find((h) => h.client === 'reader')!;
    expect(read.completeMs! - steppedDownAt).toBeLessThan(CLIENT_TIMEOUT_MS / 2);
    expect(sim.violations).toEqual([]);
  });

  it('asked of that node alone, is answered not-leader', () => {
    const { answers } = readThenStepDown(1);
    expect(answers).toEqual([{ ok: false, error: 'not-leader', detail: 'node 1 stopped leading before it could answer' }]);
  });
});
