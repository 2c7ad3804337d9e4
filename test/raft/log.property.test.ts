/**
 * Model-based property test of the in-memory log: random appends (with truncation) and
 * compactions, checked after each operation against a plain array of terms. The binary searches
 * used for the conflict hint are compared with linear scans.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaftLog } from '../../shared/raft/log';
import type { Entry } from '../../shared/raft/types';

type Op = { kind: 'append'; at: number; terms: number[] } | { kind: 'compact'; at: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), at: fc.nat(40), terms: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), at: fc.nat(40) }) },
);

describe('raft log against a model', () => {
  it('agrees with a plain array on every query after any appends and compactions', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const log = new RaftLog({ meta: { index: 0, term: 0, conf: { voters: [1], learners: [] } }, data: '' }, []);
        // model[i] = term at index i; model[0] = 0 (bootstrap point); compacted below `snap`.
        let model: number[] = [0];
        let snap = 0;
        for (const op of ops) {
          const last = model.length - 1;
          if (op.kind === 'append') {
            const first = Math.min(Math.max(op.at, snap + 1), last + 1);
            // Terms never decrease: build them on top of the term before `first`.
            let t = model[first - 1] as number;
            const ents: Entry[] = op.terms.map((d, i) => {
              t += d;
              return { kind: 'noop', term: t, index: first + i };
            });
            const truncated = log.append(ents);
            expect(truncated).toBe(first <= last ? first : 0);
            model = model.slice(0, first).concat(ents.map((e) => e.term));
          } else {
            const at = Math.min(op.at, last);
            if (at <= snap) continue;
            log.compact({ meta: { index: at, term: model[at] as number, conf: { voters: [1], learners: [] } }, data: '' });
            snap = at;
          }
          expect(log.lastIndex()).toBe(model.length - 1);
          expect(log.firstIndex()).toBe(snap + 1);
          expect(log.lastTerm()).toBe(model[model.length - 1]);
          for (let i = 0; i <= model.length + 1; i++) {
            expect(log.termAt(i)).toBe(i < snap || i >= model.length ? null : model[i]);
          }
          const maxTerm = model[model.length - 1] as number;
          for (let term = 0; term <= maxTerm + 1; term++) {
            let first: number | null = null;
            for (let i = snap + 1; i < model.length; i++) if (model[i] === term) { first = i; break; }
            expect(log.firstIndexOfTerm(term)).toBe(first);
            for (const atMost of [snap, Math.floor((snap + model.length) / 2), model.length + 3]) {
              let lastLE = snap;
              for (let i = snap + 1; i <= Math.min(atMost, model.length - 1); i++) if ((model[i] as number) <= term) lastLE = i;
              expect(log.lastIndexWithTermAtMost(term, atMost)).toBe(lastLE);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
