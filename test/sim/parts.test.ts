/**
 * The simulator's small parts on their own: the event queue's order, the simulated disk (what a
 * restarted node is rebuilt from), the network model's faults; and the snapshot path end to end.
 */
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../shared/sim/event-queue';
import { SimDisk } from '../../shared/sim/disk';
import { CUT, LOST, Network } from '../../shared/sim/network';
import { runSimulation } from '../../shared/sim/run';
import { rawNodeFactory } from '../../shared/sim/raw-node-factory';
import { createRng } from '../../shared/util/rng';
import { HEALTHY_LINK } from '../../shared/protocol/lab';
import type { Entry, Ready } from '../../shared/raft/types';

const conf = { voters: [1, 2, 3], learners: [] };
const noop = (index: number, term: number): Entry => ({ kind: 'noop', index, term });
function ready(p: Partial<Ready>): Ready {
  return { softState: { role: 'follower', leader: 0 }, hardState: null, entries: [], snapshot: null, messages: [], committedEntries: [], readStates: [], messagesBeforePersist: false, ...p };
}

describe('event queue', () => {
  it('pops by time, and same-time events in the order they were pushed', () => {
    const q = new EventQueue<{ atMs: number; seq: number; name: string }>();
    const rng = createRng(3);
    const pushed: { atMs: number; seq: number; name: string }[] = [];
    for (let i = 0; i < 500; i++) {
      const e = { atMs: rng.int(20), seq: q.takeSeq(), name: `e${i}` };
      pushed.push(e);
      q.push(e);
    }
    const popped: string[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) popped.push(e.name);
    const expected = [...pushed].sort((a, b) => a.atMs - b.atMs || a.seq - b.seq).map((e) => e.name);
    expect(popped).toEqual(expected);
  });
});

describe('simulated disk', () => {
  it('overwrites a conflicting suffix, keeps hard state, and compacts into a snapshot', () => {
    const d = new SimDisk();
    d.persist(ready({ hardState: { term: 1, vote: 1, commit: 0 }, entries: [noop(1, 1), noop(2, 1), noop(3, 1)] }));
    d.persist(ready({ hardState: { term: 2, vote: 2, commit: 1 }, entries: [noop(2, 2)] }));
    expect(d.load()).toEqual({ hardState: { term: 2, vote: 2, commit: 1 }, snapshot: null, entries: [noop(1, 1), noop(2, 2)] });
    d.persist(ready({ entries: [noop(3, 2), noop(4, 2)] }));
    d.compact(3, 2, conf, 'state@3');
    const p = d.load();
    expect(p.snapshot?.meta).toEqual({ index: 3, term: 2, conf });
    expect(p.entries).toEqual([noop(4, 2)]);
    expect(d.lastIndex).toBe(4);
  });

  it('refuses a write that would leave a gap in the log', () => {
    const d = new SimDisk();
    d.persist(ready({ entries: [noop(1, 1)] }));
    expect(() => d.persist(ready({ entries: [noop(3, 1)] }))).toThrow(/entries start at 3 but the stored log ends at 1/);
  });

  it('replaces the whole log when a snapshot from the leader is installed', () => {
    const d = new SimDisk();
    d.persist(ready({ entries: [noop(1, 1), noop(2, 1)] }));
    d.persist(ready({ snapshot: { meta: { index: 10, term: 3, conf }, data: 'x' } }));
    expect(d.load().entries).toEqual([]);
    expect(d.lastIndex).toBe(10);
  });
});

describe('network model', () => {
  it('drops on cut links (one way only when one direction is cut) and heals', () => {
    const net = new Network(createRng(1), HEALTHY_LINK);
    net.setLink(1, 2, { cut: true });
    expect(net.route(1, 2)).toBe(CUT);
    expect(net.route(2, 1)).toBeGreaterThanOrEqual(1);
    net.cutBetween([3], [1, 2], true);
    expect([net.route(3, 1), net.route(1, 3), net.route(2, 3)]).toEqual([CUT, CUT, CUT]);
    net.healAll();
    expect(net.route(1, 2)).toBeGreaterThanOrEqual(1);
  });

  it('loses, duplicates and delays at the configured rates', () => {
    const net = new Network(createRng(2), { ...HEALTHY_LINK, loss: 0.2, duplicate: 0.1, delayMs: 5, jitterMs: 10 });
    let lost = 0;
    let dup = 0;
    const delays: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const d = net.route(1, 2);
      if (d === LOST) {
        lost++;
        continue;
      }
      delays.push(d);
      if (net.duplicate(1, 2) >= 0) dup++;
    }
    expect(lost / 20_000).toBeGreaterThan(0.18);
    expect(lost / 20_000).toBeLessThan(0.22);
    expect(dup / delays.length).toBeGreaterThan(0.08);
    expect(dup / delays.length).toBeLessThan(0.12);
    expect(Math.min(...delays)).toBe(5);
    expect(Math.max(...delays)).toBe(15);
  });

  it('holds some messages back so later ones overtake them when reordering is on', () => {
    const net = new Network(createRng(4), { ...HEALTHY_LINK, delayMs: 2, jitterMs: 0, reorder: 0.3 });
    const delays = Array.from({ length: 1_000 }, () => net.route(1, 2));
    const held = delays.filter((d) => d > 2).length;
    expect(held).toBeGreaterThan(250);
    expect(held).toBeLessThan(350);
  });
});

describe('snapshots in simulated runs', () => {
  it('lagging and restarted nodes catch up by InstallSnapshot and the run stays correct', () => {
    const r = runSimulation({ seed: 5, nodes: 5, ops: 150, snapshotEvery: 8, faults: ['crash', 'partition'] }, rawNodeFactory, { keepTrace: true, checkLinearizability: true });
    expect(r.trace.some((l) => l.includes(' InstallSnapshot '))).toBe(true);
    expect(r.trace.some((l) => / compact \d+ \d+/.test(l))).toBe(true);
    expect(r.failures).toEqual([]);
  });
});
