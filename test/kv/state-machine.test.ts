import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Entry } from '../../shared/raft/types';
import type { KvOp } from '../../shared/protocol/lab';
import {
  KvClientSession,
  KvSnapshotError,
  KvStateMachine,
  encodeCommand,
  fnv1a64,
  toKvResult,
  type ApplyOutcome,
} from '../../shared/kv';

/** A tiny log: appends commands and noops with increasing indexes. */
class Log {
  readonly entries: Entry[] = [];
  command(client: string, seq: number, op: KvOp): Entry {
    const e: Entry = { kind: 'command', term: 1, index: this.entries.length + 1, data: encodeCommand({ client, seq, op }) };
    this.entries.push(e);
    return e;
  }
  noop(): Entry {
    const e: Entry = { kind: 'noop', term: 1, index: this.entries.length + 1 };
    this.entries.push(e);
    return e;
  }
}

function applyAll(sm: KvStateMachine, entries: readonly Entry[]): Array<ApplyOutcome | null> {
  return entries.map((e) => sm.apply(e));
}

describe('KvStateMachine', () => {
  it('puts, gets, deletes', () => {
    const log = new Log();
    const sm = new KvStateMachine();
    const out = applyAll(sm, [
      log.command('a', 1, { type: 'put', key: 'x', value: '1' }),
      log.command('a', 2, { type: 'get', key: 'x' }),
      log.command('a', 3, { type: 'delete', key: 'x' }),
      log.command('a', 4, { type: 'get', key: 'x' }),
    ]);
    expect(out.map((o) => (o?.kind === 'applied' && o.result.kind === 'ok' ? o.result.value : 'other'))).toEqual(['1', '1', null, null]);
    expect(sm.get('x')).toBeNull();
    expect(sm.appliedIndex).toBe(4);
  });

  it('applies a retried request exactly once and answers the retry with the cached result', () => {
    const log = new Log();
    const sm = new KvStateMachine();
    // The client's cas reached the log twice (retried after a leader change): it must not apply twice.
    sm.apply(log.command('a', 1, { type: 'put', key: 'n', value: '0' }));
    const first = sm.apply(log.command('b', 1, { type: 'cas', key: 'n', expected: '0', value: '1' }));
    sm.apply(log.command('a', 2, { type: 'put', key: 'n', value: '0' }));
    const retry = sm.apply(log.command('b', 1, { type: 'cas', key: 'n', expected: '0', value: '1' }));
    expect(first).toMatchObject({ kind: 'applied', result: { kind: 'ok', value: '1', index: 2 } });
    expect(retry).toMatchObject({ kind: 'duplicate', index: 4, result: { kind: 'ok', value: '1', index: 2 } });
    // Had the retry been applied, n would be '1'.
    expect(sm.get('n')).toBe('0');
    expect(toKvResult(retry as Exclude<ApplyOutcome, { kind: 'invalid' }>, 3)).toEqual({ ok: true, value: '1', index: 2, leader: 3 });
  });

  it('does not apply a request older than the client\'s latest one', () => {
    const log = new Log();
    const sm = new KvStateMachine();
    sm.apply(log.command('a', 2, { type: 'put', key: 'x', value: 'new' }));
    const late = sm.apply(log.command('a', 1, { type: 'put', key: 'x', value: 'old' }));
    expect(late).toEqual({ kind: 'stale', index: 2, client: 'a', seq: 1, lastSeq: 2 });
    expect(sm.get('x')).toBe('new');
    expect(toKvResult(late as Exclude<ApplyOutcome, { kind: 'invalid' }>, 1)).toMatchObject({ ok: false, error: 'timeout' });
  });

  it('compare-and-set succeeds only on the expected value, including absence', () => {
    const log = new Log();
    const sm = new KvStateMachine();
    const create = sm.apply(log.command('a', 1, { type: 'cas', key: 'k', expected: null, value: 'v1' }));
    const createAgain = sm.apply(log.command('b', 1, { type: 'cas', key: 'k', expected: null, value: 'v2' }));
    const swap = sm.apply(log.command('b', 2, { type: 'cas', key: 'k', expected: 'v1', value: 'v3' }));
    const wrong = sm.apply(log.command('a', 2, { type: 'cas', key: 'k', expected: 'v1', value: 'v4' }));
    expect(create).toMatchObject({ kind: 'applied', result: { kind: 'ok', value: 'v1' } });
    expect(createAgain).toMatchObject({ kind: 'applied', result: { kind: 'cas-mismatch', actual: 'v1' } });
    expect(swap).toMatchObject({ kind: 'applied', result: { kind: 'ok', value: 'v3' } });
    expect(wrong).toMatchObject({ kind: 'applied', result: { kind: 'cas-mismatch', actual: 'v3' } });
    expect(sm.get('k')).toBe('v3');
    expect(toKvResult(wrong as Exclude<ApplyOutcome, { kind: 'invalid' }>, 1)).toMatchObject({ ok: false, error: 'cas-mismatch', value: 'v3' });
  });

  it('skips noop and conf entries but counts them as applied', () => {
    const log = new Log();
    const sm = new KvStateMachine();
    expect(sm.apply(log.noop())).toBeNull();
    const conf: Entry = { kind: 'conf', term: 1, index: 2, change: { type: 'add-voter', node: 4 } };
    expect(sm.apply(conf)).toBeNull();
    expect(sm.appliedIndex).toBe(2);
  });

  it('rejects a malformed command the same way on every replica without changing state', () => {
    const a = new KvStateMachine();
    const b = new KvStateMachine();
    const bad: Entry = { kind: 'command', term: 1, index: 1, data: '{"v":1,"client":"c","seq":1,"op":{"type":"zap","key":"k"}}' };
    const outA = a.apply(bad);
    expect(outA).toMatchObject({ kind: 'invalid', index: 1 });
    expect(outA?.kind === 'invalid' ? outA.detail : '').toMatch(/op.type must be one of/);
    expect(b.apply(bad)).toEqual(outA);
    expect(a.digest()).toBe(b.digest());
    expect(a.size).toBe(0);
  });

  it('refuses entries out of order, since a gap means the replica diverged', () => {
    const sm = new KvStateMachine();
    const log = new Log();
    log.noop();
    expect(() => sm.apply(log.noop())).toThrow(/expected entry 1, got 2/);
    sm.apply(log.entries[0] as Entry);
    expect(() => sm.apply(log.entries[0] as Entry)).toThrow(/expected entry 2, got 1/);
  });

  it('evicts the least recently used session once there are more than maxSessions', () => {
    const log = new Log();
    const sm = new KvStateMachine({ maxSessions: 2 });
    sm.apply(log.command('a', 1, { type: 'put', key: 'x', value: 'a' }));
    sm.apply(log.command('b', 1, { type: 'put', key: 'x', value: 'b' }));
    sm.apply(log.command('a', 2, { type: 'get', key: 'x' })); // a is now more recent than b
    sm.apply(log.command('c', 1, { type: 'put', key: 'x', value: 'c' }));
    expect(sm.sessionClients()).toEqual(['a', 'c']);
    expect(sm.session('b')).toBeNull();
  });

  it('round-trips through a snapshot: same state, same digest, same behaviour afterwards', () => {
    const log = new Log();
    const sm = new KvStateMachine({ maxSessions: 3 });
    sm.apply(log.command('a', 1, { type: 'put', key: 'z', value: 'last' }));
    sm.apply(log.command('b', 1, { type: 'put', key: 'a', value: 'first' }));
    sm.apply(log.command('c', 1, { type: 'cas', key: 'a', expected: 'nope', value: 'x' }));
    sm.apply(log.noop());
    const restored = KvStateMachine.restore(sm.snapshot());
    expect(restored.snapshot()).toBe(sm.snapshot());
    expect(restored.digest()).toBe(sm.digest());
    expect(restored.appliedIndex).toBe(4);
    expect(restored.entries()).toEqual([['a', 'first'], ['z', 'last']]);
    expect(restored.sessionClients()).toEqual(['a', 'b', 'c']);
    // Sessions survive the snapshot: a retry after restore is still recognised as a duplicate.
    const retry = log.command('c', 1, { type: 'cas', key: 'a', expected: 'nope', value: 'x' });
    const afterRestore = restored.apply(retry);
    expect(afterRestore).toEqual({ kind: 'duplicate', index: 5, client: 'c', seq: 1, result: { kind: 'cas-mismatch', actual: 'first', index: 3 } });
    expect(sm.apply(retry)).toEqual(afterRestore);
    expect(restored.digest()).toBe(sm.digest());
  });

  it('produces snapshots with sorted keys whatever the insertion order', () => {
    const a = new KvStateMachine();
    const b = new KvStateMachine();
    const la = new Log();
    const lb = new Log();
    a.apply(la.command('c', 1, { type: 'put', key: 'x', value: '1' }));
    a.apply(la.command('c', 2, { type: 'put', key: 'y', value: '2' }));
    b.apply(lb.command('c', 1, { type: 'put', key: 'y', value: '2' }));
    b.apply(lb.command('c', 2, { type: 'put', key: 'x', value: '1' }));
    const dataA = (JSON.parse(a.snapshot()) as { data: object }).data;
    expect(Object.keys(dataA)).toEqual(['x', 'y']);
    // Same data; the sessions' cached results differ (different values written last), so digests differ too.
    expect(JSON.stringify(dataA)).toBe(JSON.stringify((JSON.parse(b.snapshot()) as { data: object }).data));
    expect(a.digest()).not.toBe(b.digest());
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['a wrong version', '{"v":9}', /unsupported version number 9/],
    ['a non-string value', '{"v":1,"appliedIndex":1,"maxSessions":5,"data":{"k":3},"sessions":[]}', /data\["k"\] must be a string, got number 3/],
    ['a negative applied index', '{"v":1,"appliedIndex":-1,"maxSessions":5,"data":{},"sessions":[]}', /appliedIndex must be a non-negative integer/],
    ['a duplicated session', '{"v":1,"appliedIndex":2,"maxSessions":5,"data":{},"sessions":[{"client":"a","lastSeq":1,"result":{"kind":"ok","value":null,"index":1}},{"client":"a","lastSeq":2,"result":{"kind":"ok","value":null,"index":2}}]}', /sessions\[1\]: client "a" appears twice/],
    ['a result from the future', '{"v":1,"appliedIndex":2,"maxSessions":5,"data":{},"sessions":[{"client":"a","lastSeq":1,"result":{"kind":"ok","value":null,"index":7}}]}', /sessions\[0\].result.index 7 is outside \[1, appliedIndex 2\]/],
    ['a bad seq', '{"v":1,"appliedIndex":2,"maxSessions":5,"data":{},"sessions":[{"client":"a","lastSeq":0,"result":{"kind":"ok","value":null,"index":1}}]}', /sessions\[0\].lastSeq must be a positive integer/],
  ])('refuses to restore a snapshot with %s, naming the problem', (_name, data, message) => {
    expect(() => KvStateMachine.restore(data)).toThrow(KvSnapshotError);
    expect(() => KvStateMachine.restore(data)).toThrow(message);
  });

  it('replicas applying the same random log agree at every index, also after restoring midway', () => {
    const opArb: fc.Arbitrary<KvOp> = fc.oneof(
      fc.record({ type: fc.constant('put' as const), key: fc.constantFrom('a', 'b'), value: fc.constantFrom('1', '2', 'é') }),
      fc.record({ type: fc.constant('get' as const), key: fc.constantFrom('a', 'b') }),
      fc.record({ type: fc.constant('delete' as const), key: fc.constantFrom('a', 'b') }),
      fc.record({ type: fc.constant('cas' as const), key: fc.constantFrom('a', 'b'), expected: fc.constantFrom(null, '1', '2'), value: fc.constantFrom('1', '2') }),
    );
    const stepArb = fc.record({ client: fc.constantFrom('c1', 'c2', 'c3'), retry: fc.boolean(), op: opArb });
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), fc.nat(60), (steps, cut) => {
        const log = new Log();
        const seqs = new Map<string, number>();
        for (const s of steps) {
          const last = seqs.get(s.client) ?? 0;
          const seq = s.retry && last > 0 ? last : last + 1;
          seqs.set(s.client, seq);
          log.command(s.client, seq, s.op);
        }
        const a = new KvStateMachine({ maxSessions: 2 });
        let b = new KvStateMachine({ maxSessions: 2 });
        log.entries.forEach((e, i) => {
          a.apply(e);
          b.apply(e);
          if (i === cut) b = KvStateMachine.restore(b.snapshot());
          expect(b.digest()).toBe(a.digest());
        });
      }),
      { numRuns: 100 },
    );
  });

  it('with retries mixed in, ends in the same state as applying each request once to a plain map', () => {
    const opArb: fc.Arbitrary<KvOp> = fc.oneof(
      fc.record({ type: fc.constant('put' as const), key: fc.constantFrom('a', 'b'), value: fc.constantFrom('1', '2') }),
      fc.record({ type: fc.constant('delete' as const), key: fc.constantFrom('a', 'b') }),
      fc.record({ type: fc.constant('cas' as const), key: fc.constantFrom('a', 'b'), expected: fc.constantFrom(null, '1', '2'), value: fc.constantFrom('1', '2') }),
    );
    // Each request may be retried: its copies land anywhere later in the log, after other clients'
    // requests and even after the same client's later ones (then they are stale).
    const stepArb = fc.record({ client: fc.constantFrom('c1', 'c2', 'c3'), retryOffsets: fc.array(fc.nat(8), { maxLength: 2 }), op: opArb });
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => {
        const log = new Log();
        const reference = new Map<string, string>();
        const seqs = new Map<string, number>();
        const cmds: Array<{ client: string; seq: number; op: KvOp }> = [];
        for (const s of steps) {
          const seq = (seqs.get(s.client) ?? 0) + 1;
          seqs.set(s.client, seq);
          cmds.push({ client: s.client, seq, op: s.op });
          if (s.op.type === 'put') reference.set(s.op.key, s.op.value);
          else if (s.op.type === 'delete') reference.delete(s.op.key);
          else if (s.op.type === 'cas' && (reference.get(s.op.key) ?? null) === s.op.expected) reference.set(s.op.key, s.op.value);
        }
        const originals = [...cmds];
        steps.forEach((s, i) => {
          const original = originals[i];
          if (original === undefined) throw new Error('lost command');
          for (const offset of s.retryOffsets) {
            const at = Math.min(cmds.indexOf(original) + 1 + offset, cmds.length);
            cmds.splice(at, 0, { ...original });
          }
        });
        for (const c of cmds) log.command(c.client, c.seq, c.op);
        const sm = new KvStateMachine();
        const outcomes = applyAll(sm, log.entries);
        expect(sm.entries()).toEqual([...reference.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1)));
        expect(outcomes.filter((o) => o?.kind === 'applied')).toHaveLength(steps.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('KvClientSession', () => {
  it('numbers requests, keeps the number on retry and recognises its answer', () => {
    const session = new KvClientSession('c1');
    const first = session.begin({ type: 'put', key: 'k', value: 'v' });
    expect(first.seq).toBe(1);
    expect(session.pending).toBe(first);
    expect(() => session.begin({ type: 'get', key: 'k' })).toThrow(/#1 is still in flight/);
    const sm = new KvStateMachine();
    const entry: Entry = { kind: 'command', term: 1, index: 1, data: encodeCommand(first) };
    const other: Entry = { kind: 'command', term: 1, index: 2, data: encodeCommand({ client: 'c2', seq: 1, op: { type: 'get', key: 'k' } }) };
    expect(session.answers(sm.apply(entry))).toBe(true);
    expect(session.answers(sm.apply(other))).toBe(false);
    session.finish();
    expect(session.begin({ type: 'get', key: 'k' }).seq).toBe(2);
  });
});

describe('fnv1a64', () => {
  it('matches the published FNV-1a 64-bit test vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('hashes the UTF-8 bytes of non-ASCII text (vectors from an independent implementation)', () => {
    expect(fnv1a64('\u00e9')).toBe('0ac21707b7181e01'); // two UTF-8 bytes
    expect(fnv1a64('\u{1f600}')).toBe('feff073875020288'); // a surrogate pair, four UTF-8 bytes
    expect(fnv1a64('\ud83d')).toBe('6f6d661b9658624a'); // a lone surrogate hashes as U+FFFD
  });
});
