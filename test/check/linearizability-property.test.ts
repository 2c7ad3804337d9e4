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
import { observedFromResult, type HistoryOp } from '../../shared/check/linearizability-history';

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
