/**
 * Property tests: histories produced by a real sequential KV store (the replicated state machine
 * itself, applied one command at a time) with operation intervals drawn around each operation's
 * true moment are linearizable by construction; the checker must agree. Then one read is made to
 * return a value nobody wrote, and the checker must object to exactly that read.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { KvOp } from '../../shared/protocol/lab';
import { KvStateMachine, encodeCommand, toKvResult } from '../../shared/kv';
import { checkLinearizability } from '../../shared/check/linearizability';
import { observedFromResult, type HistoryOp, type Observed } from '../../shared/check/linearizability-history';

const opArb: fc.Arbitrary<KvOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('put' as const), key: fc.constantFrom('a', 'b'), value: fc.constantFrom('1', '2', '3') }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('get' as const), key: fc.constantFrom('a', 'b') }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('delete' as const), key: fc.constantFrom('a', 'b') }) },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant('cas' as const), key: fc.constantFrom('a', 'b'), expected: fc.constantFrom(null, '1', '2', '3'), value: fc.constantFrom('1', '2', '3') }),
  },
);

/** answered: the client got the reply; lost-*: no reply, and the op did or did not take effect. */
const stepArb = fc.record({
  client: fc.nat(4),
  op: opArb,
  fate: fc.constantFrom('answered', 'answered', 'answered', 'answered', 'lost-applied', 'lost-not-applied'),
  beforeMs: fc.nat(35),
  afterMs: fc.nat(35),
});

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

/** Runs the steps through a real KvStateMachine in order; step i takes effect at 100 + 20 i. */
function runHistory(steps: readonly Step[]): HistoryOp[] {
  const sm = new KvStateMachine();
  const seqs = new Map<string, number>();
  const history: HistoryOp[] = [];
  steps.forEach((s, i) => {
    const client = `c${s.client}`;
    const atMs = 100 + 20 * i;
    const invokeMs = atMs - s.beforeMs;
    const id = `op${i}`;
    if (s.fate === 'lost-not-applied') {
      history.push({ id, client, op: s.op, invokeMs, completeMs: null, result: null });
      return;
    }
    const seq = (seqs.get(client) ?? 0) + 1;
    seqs.set(client, seq);
    const outcome = sm.apply({ kind: 'command', term: 1, index: sm.appliedIndex + 1, data: encodeCommand({ client, seq, op: s.op }) });
    if (outcome === null || outcome.kind !== 'applied') throw new Error(`expected a fresh apply, got ${JSON.stringify(outcome)}`);
    const observed = observedFromResult(toKvResult(outcome, 1));
    if (s.fate === 'lost-applied' || observed === null) {
      history.push({ id, client, op: s.op, invokeMs, completeMs: null, result: null });
    } else {
      history.push({ id, client, op: s.op, invokeMs, completeMs: atMs + s.afterMs, result: observed });
    }
  });
  return history;
}

describe('linearizability checker: properties', () => {
  it('accepts every history of a real sequential store with intervals around the true order', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => {
        const result = checkLinearizability(runHistory(steps));
        expect(result.kind, result.kind === 'violation' ? result.explanation : '').toBe('ok');
      }),
      { numRuns: 300 },
    );
  });

  it('rejects such a history once a read returns a value nobody wrote, blaming that read', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), fc.nat(), (steps, pick) => {
        const history = runHistory(steps);
        const reads = history.filter((h) => h.op.type === 'get' && h.result !== null);
        fc.pre(reads.length > 0);
        const victim = reads[pick % reads.length];
        if (victim === undefined || victim.completeMs === null) throw new Error('unreachable: reads are answered');
        const tampered = history.map((h) => (h === victim ? { ...victim, result: { kind: 'ok' as const, value: 'never-written' } } : h));
        const result = checkLinearizability(tampered);
        expect(result.kind).toBe('violation');
        if (result.kind === 'violation') {
          expect(result.key).toBe(victim.op.key);
          expect(result.ops.map((h) => h.id)).toContain(victim.id);
          // The witness is part of the history and is itself a violation.
          for (const h of result.ops) expect(tampered).toContain(h);
          expect(checkLinearizability(result.ops).kind).toBe('violation');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects such a history once it ends with a stale read after a completed write', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), fc.nat(), (steps, pick) => {
        const history = runHistory(steps);
        const key = pick % 2 === 0 ? 'a' : 'b';
        // The stale value: absence or anything written, except what an unanswered op on the key
        // writes, since that op may legitimately take effect after the fresh put.
        const pending = history.filter((h) => h.completeMs === null && h.op.key === key);
        const late = new Set(pending.map((h) => (h.op.type === 'delete' ? null : h.op.type === 'get' ? 'fresh' : h.op.value)));
        const written = [null, ...history.flatMap((h) => (h.op.type === 'put' ? [h.op.value] : []))].filter((v) => !late.has(v));
        fc.pre(written.length > 0);
        const stale = written[pick % written.length] ?? null;
        const lastMs = Math.max(0, ...history.map((h) => h.completeMs ?? h.invokeMs));
        const fresh: HistoryOp = { id: 'fresh-put', client: 'w', op: { type: 'put', key, value: 'fresh' }, invokeMs: lastMs + 1, completeMs: lastMs + 2, result: { kind: 'ok', value: 'fresh' } };
        const staleRead: HistoryOp = { id: 'stale-read', client: 'r', op: { type: 'get', key }, invokeMs: lastMs + 3, completeMs: lastMs + 4, result: { kind: 'ok', value: stale } };
        expect(checkLinearizability([...history, fresh]).kind).toBe('ok');
        const result = checkLinearizability([...history, fresh, staleRead]);
        expect(result.kind).toBe('violation');
        if (result.kind === 'violation') {
          expect(result.ops.map((h) => h.id)).toContain('stale-read');
          expect(checkLinearizability(result.ops).kind).toBe('violation');
        }
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * A deliberately naive reference: tries every order of the operations that respects real time
 * (a before b when a completed strictly before b was invoked), applying each to a plain Map, with
 * each unanswered operation either placed somewhere after its invocation or left out.
 */
function bruteForceLinearizable(history: readonly HistoryOp[]): boolean {
  const precedes = (a: HistoryOp, b: HistoryOp): boolean => a.completeMs !== null && a.completeMs < b.invokeMs;
  const search = (remaining: readonly HistoryOp[], store: ReadonlyMap<string, string>): boolean => {
    if (remaining.every((h) => h.completeMs === null)) return true; // the rest can be left out
    for (const h of remaining) {
      if (remaining.some((o) => o !== h && precedes(o, h))) continue;
      const rest = remaining.filter((o) => o !== h);
      if (h.completeMs === null && search(rest, store)) return true; // left out
      const next = new Map(store);
      const current = store.get(h.op.key) ?? null;
      const op = h.op;
      let legal = true;
      if (op.type === 'get') legal = h.result === null || (h.result.kind === 'ok' && h.result.value === current);
      else if (op.type === 'put') next.set(op.key, op.value);
      else if (op.type === 'delete') next.delete(op.key);
      else if (h.result?.kind === 'cas-mismatch') legal = current !== op.expected && (h.result.actual === undefined || h.result.actual === current);
      else if (current === op.expected) next.set(op.key, op.value);
      else legal = h.result === null; // an unanswered cas that finds another value changes nothing
      if (legal && search(rest, next)) return true;
    }
    return false;
  };
  return search(history, new Map());
}

describe('linearizability checker against a brute-force reference', () => {
  const smallOp: fc.Arbitrary<KvOp> = fc.oneof(
    fc.record({ type: fc.constant('put' as const), key: fc.constantFrom('a', 'b'), value: fc.constantFrom('1', '2') }),
    fc.record({ type: fc.constant('get' as const), key: fc.constantFrom('a', 'b') }),
    fc.record({ type: fc.constant('delete' as const), key: fc.constantFrom('a', 'b') }),
    fc.record({ type: fc.constant('cas' as const), key: fc.constantFrom('a', 'b'), expected: fc.constantFrom(null, '1', '2'), value: fc.constantFrom('1', '2') }),
  );
  const answerArb = fc.constantFrom<'none' | 'ok-null' | 'ok-1' | 'ok-2' | 'mismatch' | 'mismatch-1'>('none', 'ok-null', 'ok-1', 'ok-2', 'mismatch', 'mismatch-1');
  const recordArb = fc.record({ op: smallOp, invokeMs: fc.nat(40), lengthMs: fc.nat(20), answer: answerArb });

  it('agrees on random small histories, linearizable or not', () => {
    let violations = 0;
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 7 }), (records) => {
        const history: HistoryOp[] = records.map((r, i) => {
          const base = { id: `o${i}`, client: `c${i}`, op: r.op, invokeMs: r.invokeMs };
          if (r.answer === 'none') return { ...base, completeMs: null, result: null };
          const isCas = r.op.type === 'cas';
          const result: Observed =
            r.answer === 'mismatch' && isCas ? { kind: 'cas-mismatch' }
            : r.answer === 'mismatch-1' && isCas ? { kind: 'cas-mismatch', actual: '1' }
            : { kind: 'ok', value: r.answer === 'ok-1' ? '1' : r.answer === 'ok-2' ? '2' : null };
          return { ...base, completeMs: r.invokeMs + r.lengthMs, result };
        });
        const expected = bruteForceLinearizable(history);
        const actual = checkLinearizability(history);
        if (!expected) violations++;
        expect(actual.kind).toBe(expected ? 'ok' : 'violation');
        // The witness is a violation by the reference's judgement too.
        if (actual.kind === 'violation') expect(bruteForceLinearizable(actual.ops)).toBe(false);
      }),
      { numRuns: 1500 },
    );
    // The generator must produce both kinds, or the agreement above says little.
    expect(violations).toBeGreaterThan(100);
  });
});
