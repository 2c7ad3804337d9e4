import { describe, expect, it } from 'vitest';
import type { KvOp, KvResult, LabEvent } from '../../shared/protocol/lab';
import { checkLinearizability } from '../../shared/check/linearizability';
import { HistoryError, HistoryRecorder, historyFromEvents, type HistoryOp, type Observed } from '../../shared/check/linearizability-history';

// Small builders so each history reads like a timeline.
let nextId = 0;
function done(client: string, op: KvOp, invokeMs: number, completeMs: number, result: Observed): HistoryOp {
  return { id: `o${++nextId}`, client, op, invokeMs, completeMs, result };
}
function lost(client: string, op: KvOp, invokeMs: number): HistoryOp {
  return { id: `o${++nextId}`, client, op, invokeMs, completeMs: null, result: null };
}
const put = (key: string, value: string): KvOp => ({ type: 'put', key, value });
const get = (key: string): KvOp => ({ type: 'get', key });
const del = (key: string): KvOp => ({ type: 'delete', key });
const cas = (key: string, expected: string | null, value: string): KvOp => ({ type: 'cas', key, expected, value });
const ok: Observed = { kind: 'ok', value: null };
const read = (value: string | null): Observed => ({ kind: 'ok', value });
const mismatch: Observed = { kind: 'cas-mismatch' };

describe('linearizability checker: hand-made histories', () => {
  it('accepts a write followed by a read of it', () => {
    const h = [done('a', put('x', '1'), 0, 10, ok), done('b', get('x'), 20, 30, read('1'))];
    expect(checkLinearizability(h)).toMatchObject({ kind: 'ok', keys: 1, ops: 2 });
  });

  it('accepts a read of the initial (absent) value', () => {
    expect(checkLinearizability([done('a', get('x'), 0, 1, read(null))]).kind).toBe('ok');
  });

  it('rejects a stale read after a completed overwrite, and names the three operations involved', () => {
    const w1 = done('a', put('x', '1'), 0, 10, ok);
    const w2 = done('a', put('x', '2'), 20, 30, ok);
    const r = done('b', get('x'), 40, 50, read('1'));
    // Unrelated operations on the same key after the problem, and on another key, are not blamed.
    const later = done('c', get('x'), 60, 70, read('2'));
    const other = done('c', put('y', '1'), 0, 100, ok);
    const result = checkLinearizability([w1, w2, r, later, other]);
    expect(result.kind).toBe('violation');
    if (result.kind !== 'violation') return;
    expect(result.key).toBe('x');
    expect(result.minimal).toBe(true);
    expect(result.ops).toEqual([w1, w2, r]);
    expect(result.explanation).toContain('key "x"');
    expect(result.explanation).toContain(`${r.id} b get x [40, 50] → "1"`);
  });

  it('never blames a contradiction that only appears once an operation is left out', () => {
    // Leaving out the delete would make the read of null look wrong; the real problem is the
    // final read of "1" after "fresh" was written.
    const w = done('a', put('b', '1'), 100, 100, ok);
    const d = done('a', del('b'), 100, 120, ok);
    const r = done('a', get('b'), 140, 140, read(null));
    const fresh = done('w', put('b', 'fresh'), 161, 162, ok);
    const stale = done('r', get('b'), 163, 164, read('1'));
    const result = checkLinearizability([w, d, r, fresh, stale]);
    expect(result.kind).toBe('violation');
    if (result.kind !== 'violation') return;
    expect(result.ops).toContain(stale);
    // The read of null is only part of the witness together with the delete that explains it.
    if (result.ops.includes(r)) expect(result.ops).toContain(d);
    expect(checkLinearizability(result.ops).kind).toBe('violation');
  });

  it('leaves out later writes that nothing before them could have seen (a lost write)', () => {
    const w = done('a', put('x', '1'), 0, 10, ok);
    const r = done('b', get('x'), 20, 30, read(null));
    const laterDeletes = [done('a', del('x'), 40, 50, ok), done('b', del('x'), 60, 70, ok)];
    expect(checkLinearizability([w, r, ...laterDeletes])).toMatchObject({ kind: 'violation', ops: [w, r], minimal: true });
    // A delete concurrent with the read could explain it, so it is no violation at all.
    expect(checkLinearizability([w, r, done('c', del('x'), 15, 25, ok)]).kind).toBe('ok');
  });

  it('says so when the shrinking budget ran out', () => {
    const h = [done('a', put('x', '1'), 0, 10, ok), done('a', put('x', '2'), 20, 30, ok), done('b', get('x'), 40, 50, read('1')), done('c', get('x'), 60, 70, read('2'))];
    const result = checkLinearizability(h, { shrinkSteps: 0 });
    expect(result).toMatchObject({ kind: 'violation', minimal: false, ops: h });
    if (result.kind === 'violation') expect(result.explanation).toContain('the shrinking budget ran out');
  });

  it('leaves out writes certainly overwritten before the contradiction', () => {
    const old = [done('a', put('x', 'old'), 0, 10, ok), done('a', del('x'), 20, 30, ok)];
    const w = done('a', put('x', '1'), 40, 50, ok);
    const r = done('b', get('x'), 60, 70, read(null));
    expect(checkLinearizability([...old, w, r])).toMatchObject({ kind: 'violation', ops: [w, r], minimal: true });
  });

  it('accepts concurrent writes in either order', () => {
    const w1 = done('a', put('x', '1'), 0, 100, ok);
    const w2 = done('b', put('x', '2'), 10, 90, ok);
    expect(checkLinearizability([w1, w2, done('c', get('x'), 110, 120, read('1'))]).kind).toBe('ok');
    expect(checkLinearizability([w1, w2, done('c', get('x'), 110, 120, read('2'))]).kind).toBe('ok');
  });

  it('rejects two sequential reads that see concurrent writes in both orders', () => {
    const w1 = done('a', put('x', '1'), 0, 100, ok);
    const w2 = done('b', put('x', '2'), 10, 90, ok);
    const r2 = done('c', get('x'), 110, 120, read('2'));
    const r1 = done('c', get('x'), 130, 140, read('1'));
    const result = checkLinearizability([w1, w2, r2, r1]);
    expect(result).toMatchObject({ kind: 'violation', key: 'x', minimal: true });
    if (result.kind === 'violation') expect(result.ops).toHaveLength(4);
  });

  it('accepts reads during a write seeing old then new, rejects new then old', () => {
    const w = done('a', put('x', '1'), 0, 100, ok);
    const before = done('b', get('x'), 10, 20, read(null));
    const after = done('b', get('x'), 30, 40, read('1'));
    expect(checkLinearizability([w, before, after]).kind).toBe('ok');
    const newThenOld = [w, done('b', get('x'), 10, 20, read('1')), done('b', get('x'), 30, 40, read(null))];
    expect(checkLinearizability(newThenOld).kind).toBe('violation');
  });

  it('treats intervals as closed: operations that touch are concurrent', () => {
    const h = [done('a', put('x', '1'), 0, 10, ok), done('b', get('x'), 10, 20, read(null))];
    expect(checkLinearizability(h).kind).toBe('ok');
    const apart = [done('a', put('x', '1'), 0, 10, ok), done('b', get('x'), 11, 20, read(null))];
    expect(checkLinearizability(apart).kind).toBe('violation');
  });

  it('rejects a read of a value nobody wrote, with the read alone as witness', () => {
    const r = done('b', get('x'), 40, 50, read('ghost'));
    const result = checkLinearizability([done('a', put('x', '1'), 0, 10, ok), r]);
    expect(result).toMatchObject({ kind: 'violation', ops: [r], minimal: true });
  });

  it('rejects two concurrent creates that both succeed', () => {
    const c1 = done('a', cas('lock', null, 'a'), 0, 50, ok);
    const c2 = done('b', cas('lock', null, 'b'), 10, 40, ok);
    expect(checkLinearizability([c1, c2])).toMatchObject({ kind: 'violation', key: 'lock', ops: [c1, c2] });
  });

  it('accepts a cas race with one winner and one mismatch, whichever invoked first', () => {
    const c1 = done('a', cas('lock', null, 'a'), 0, 50, mismatch);
    const c2 = done('b', cas('lock', null, 'b'), 10, 40, ok);
    const r = done('c', get('lock'), 60, 70, read('b'));
    expect(checkLinearizability([c1, c2, r]).kind).toBe('ok');
  });

  it('rejects a cas mismatch when the expected value was certainly there', () => {
    const w = done('a', put('k', '1'), 0, 10, ok);
    const c = done('b', cas('k', '1', '2'), 20, 30, mismatch);
    expect(checkLinearizability([w, c]).kind).toBe('violation');
  });

  it('checks the value a cas mismatch reports, when it reports one', () => {
    const w = done('a', put('k', '1'), 0, 10, ok);
    expect(checkLinearizability([w, done('b', cas('k', '0', '2'), 20, 30, { kind: 'cas-mismatch', actual: '1' })]).kind).toBe('ok');
    expect(checkLinearizability([w, done('b', cas('k', '0', '2'), 20, 30, { kind: 'cas-mismatch', actual: '7' })]).kind).toBe('violation');
  });

  it('rejects a successful cas whose expected value was gone', () => {
    const h = [done('a', put('k', '1'), 0, 10, ok), done('a', del('k'), 20, 30, ok), done('b', cas('k', '1', '2'), 40, 50, ok)];
    expect(checkLinearizability(h).kind).toBe('violation');
  });

  it('rejects a read of a deleted value after the delete completed', () => {
    const h = [done('a', put('k', '1'), 0, 10, ok), done('a', del('k'), 20, 30, ok), done('b', get('k'), 40, 50, read('1'))];
    expect(checkLinearizability(h).kind).toBe('violation');
    const fine = [done('a', put('k', '1'), 0, 10, ok), done('a', del('k'), 20, 30, ok), done('b', get('k'), 40, 50, read(null))];
    expect(checkLinearizability(fine).kind).toBe('ok');
  });

  it('lets a timed-out write take effect, even long after it was invoked', () => {
    const w = lost('a', put('x', '1'), 0);
    expect(checkLinearizability([w, done('b', get('x'), 500, 510, read('1'))]).kind).toBe('ok');
    expect(checkLinearizability([w, done('b', get('x'), 500, 510, read(null))]).kind).toBe('ok');
    // Once seen, it cannot be undone.
    expect(checkLinearizability([w, done('b', get('x'), 500, 510, read('1')), done('b', get('x'), 520, 530, read(null))]).kind).toBe('violation');
  });

  it('does not let a timed-out write take effect before it was invoked', () => {
    const h = [done('b', get('x'), 0, 10, read('1')), lost('a', put('x', '1'), 20)];
    expect(checkLinearizability(h).kind).toBe('violation');
  });

  it('lets a timed-out cas either succeed or not', () => {
    const w = done('a', put('k', '0'), 0, 10, ok);
    const c = lost('b', cas('k', '0', '1'), 20);
    expect(checkLinearizability([w, c, done('c', get('k'), 100, 110, read('1'))]).kind).toBe('ok');
    expect(checkLinearizability([w, c, done('c', get('k'), 100, 110, read('0'))]).kind).toBe('ok');
  });

  it('lets an unseen timed-out write explain a cas mismatch that reports no value', () => {
    const w = done('a', put('k', '1'), 0, 10, ok);
    const c = done('b', cas('k', '1', '2'), 50, 60, mismatch);
    expect(checkLinearizability([w, c]).kind).toBe('violation');
    expect(checkLinearizability([w, lost('z', put('k', 'unseen'), 20), c]).kind).toBe('ok');
  });

  it('checks keys independently', () => {
    const h = [
      done('a', put('x', '1'), 0, 10, ok),
      done('b', put('y', '1'), 0, 10, ok),
      done('a', get('y'), 20, 30, read('1')),
      done('b', get('x'), 20, 30, read('1')),
    ];
    expect(checkLinearizability(h)).toMatchObject({ kind: 'ok', keys: 2 });
  });

  it('answers unknown instead of searching forever past its bound', () => {
    // 24 unanswered writes, each value read once in turn, then the first value read again: not
    // linearizable, but proving it means trying the writes in very many orders.
    const h: HistoryOp[] = [];
    for (let i = 0; i < 24; i++) h.push(lost(`c${i}`, put('x', String(i)), 0));
    for (let i = 0; i < 24; i++) h.push(done('r', get('x'), 10 + i * 10, 15 + i * 10, read(String(i))));
    h.push(done('r', get('x'), 1000, 1010, read('0')));
    const result = checkLinearizability(h, { maxSteps: 10_000 });
    expect(result).toMatchObject({ kind: 'unknown', key: 'x' });
    if (result.kind === 'unknown') expect(result.steps).toBeLessThanOrEqual(10_000);
  });

  it('answers unknown when remembered configurations outgrow the memory bound', () => {
    const h: HistoryOp[] = [];
    for (let i = 0; i < 24; i++) h.push(lost(`c${i}`, put('x', String(i)), 0));
    for (let i = 0; i < 24; i++) h.push(done('r', get('x'), 10 + i * 10, 15 + i * 10, read(String(i))));
    h.push(done('r', get('x'), 1000, 1010, read('0')));
    const result = checkLinearizability(h, { maxMemoryBytes: 100_000 });
    expect(result).toMatchObject({ kind: 'unknown', key: 'x' });
    if (result.kind === 'unknown') expect(result.reason).toMatch(/remembering 100000 bytes/);
  });

  it('stays fast with many timed-out writes whose values nobody saw', () => {
    const h: HistoryOp[] = [];
    for (let i = 0; i < 40; i++) h.push(lost(`c${i}`, put('x', `lost${i}`), i));
    for (let i = 0; i < 20; i++) h.push(done('w', put('x', String(i)), 100 + i * 20, 105 + i * 20, ok));
    for (let i = 0; i < 20; i++) h.push(done('r', get('x'), 110 + i * 20, 115 + i * 20, read(String(i))));
    expect(checkLinearizability(h, { maxSteps: 10_000 }).kind).toBe('ok');
    // And still finds a stale read among them.
    h.push(done('r', get('x'), 1000, 1010, read('3')));
    expect(checkLinearizability(h, { maxSteps: 10_000 })).toMatchObject({ kind: 'violation', key: 'x' });
  });

  it('refuses a malformed history, naming the operation', () => {
    expect(() => checkLinearizability([done('a', put('x', '1'), 10, 5, ok)])).toThrow(HistoryError);
    expect(() => checkLinearizability([{ id: 'bad', client: 'a', op: put('x', '1'), invokeMs: 0, completeMs: 1, result: mismatch }])).toThrow(/history\[0\] \(bad\): a put cannot end in cas-mismatch/);
  });
});

describe('building histories', () => {
  const okResult = (value: string | null): KvResult => ({ ok: true, value, index: 1, leader: 1 });

  it('records answers as definite and timeouts or lost leaders as unknown', () => {
    const rec = new HistoryRecorder();
    const w = rec.invoke('a', put('x', '1'), 0);
    const t = rec.invoke('b', put('x', '2'), 5);
    const n = rec.invoke('c', put('x', '3'), 6);
    const m = rec.invoke('d', cas('x', 'zz', '4'), 7);
    rec.invoke('e', get('x'), 8); // never answered
    rec.complete(w, okResult('1'), 10);
    rec.complete(t, { ok: false, error: 'timeout', detail: 'no answer in 1000 ms' }, 1005);
    rec.complete(n, { ok: false, error: 'no-leader', detail: 'no leader' }, 1006);
    rec.complete(m, { ok: false, error: 'cas-mismatch', detail: '', value: '2' }, 20);
    const h = rec.history();
    expect(h.map((o) => o.completeMs)).toEqual([10, null, null, 20, null]);
    expect(h[3]?.result).toEqual({ kind: 'cas-mismatch', actual: '2' });
    expect(() => rec.complete(w, okResult('1'), 11)).toThrow(/already completed/);
    expect(() => rec.complete('nope', okResult('1'), 11)).toThrow(/no operation "nope"/);
  });

  it('reads the lab event stream', () => {
    const events: LabEvent[] = [
      { type: 'client-invoke', seq: 1, atMs: 0, opId: 'p1', client: 'a', op: put('x', '1') },
      { type: 'client-invoke', seq: 2, atMs: 1, opId: 'p2', client: 'b', op: get('x') },
      { type: 'client-complete', seq: 3, atMs: 5, opId: 'p1', result: okResult('1') },
      { type: 'run-state', seq: 4, atMs: 6, paused: false, speed: 1 },
      { type: 'client-complete', seq: 5, atMs: 9, opId: 'p2', result: okResult('1') },
    ];
    const h = historyFromEvents(events);
    expect(h).toEqual([
      { id: 'p1', client: 'a', op: put('x', '1'), invokeMs: 0, completeMs: 5, result: { kind: 'ok', value: '1' } },
      { id: 'p2', client: 'b', op: get('x'), invokeMs: 1, completeMs: 9, result: { kind: 'ok', value: '1' } },
    ]);
    expect(checkLinearizability(h).kind).toBe('ok');
  });
});
