import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseEDNString } from 'edn-data';
import type { KvOp } from '../../shared/protocol/lab';
import { checkLinearizability } from '../../shared/check/linearizability';
import type { HistoryOp, Observed } from '../../shared/check/linearizability-history';
import { ednString, knossosChunks, porcupineChunks, type KnossosOptions, type PorcupineOperation } from '../../shared/check/history-export';

// The exporters write in pieces; these tests read the whole text of small histories.
const exportPorcupineJson = (h: readonly HistoryOp[]): string => [...porcupineChunks(h)].join('');
const exportKnossosEdn = (h: readonly HistoryOp[], options?: KnossosOptions): string => [...knossosChunks(h, options)].join('');

const put = (key: string, value: string): KvOp => ({ type: 'put', key, value });
const get = (key: string): KvOp => ({ type: 'get', key });
const cas = (key: string, expected: string | null, value: string): KvOp => ({ type: 'cas', key, expected, value });
const ok: Observed = { kind: 'ok', value: null };

// Times start at an epoch-like offset, as the lab's wall-clock histories do.
const T = 1_700_000_000_000;
const history: HistoryOp[] = [
  { id: 'p1', client: 'alice', op: put('x', '1'), invokeMs: T, completeMs: T + 10, result: ok },
  { id: 'p2', client: 'bob', op: get('x'), invokeMs: T + 5, completeMs: T + 12, result: { kind: 'ok', value: '1' } },
  { id: 'p3', client: 'bob', op: cas('x', '0', '2'), invokeMs: T + 20, completeMs: T + 30, result: { kind: 'cas-mismatch', actual: '1' } },
  { id: 'p4', client: 'alice', op: put('x', 'say "hi"\n'), invokeMs: T + 21, completeMs: null, result: null },
  { id: 'p5', client: 'alice', op: { type: 'delete', key: 'x' }, invokeMs: T + 40, completeMs: T + 41, result: ok },
];

describe('Porcupine export', () => {
  it('writes {clientId, input, call, output, return} operations with relative nanosecond times', () => {
    const ops = JSON.parse(exportPorcupineJson(history)) as PorcupineOperation[];
    expect(ops).toHaveLength(5);
    expect(ops[0]).toEqual({ clientId: 0, input: { op: 'put', key: 'x', value: '1' }, call: 0, output: { status: 'ok', value: null }, return: 10_000_000, metadata: { client: 'alice', id: 'p1' } });
    expect(ops[1]).toMatchObject({ clientId: 1, input: { op: 'get', key: 'x' }, call: 5_000_000, output: { status: 'ok', value: '1' }, return: 12_000_000 });
    expect(ops[2]).toMatchObject({ input: { op: 'cas', key: 'x', expected: '0', value: '2' }, output: { status: 'cas-mismatch', actual: '1' } });
    // The unanswered put returns after every other event.
    expect(ops[3]?.output).toEqual({ status: 'unknown' });
    expect(ops[3]?.return).toBeGreaterThan(Math.max(...ops.filter((o) => o.output.status !== 'unknown').map((o) => o.return)));
    expect(ops[4]?.input).toEqual({ op: 'delete', key: 'x' });
  });

  it('keeps every fact the checker uses: reading the export back gives the same verdict', () => {
    const opArb: fc.Arbitrary<KvOp> = fc.oneof(
      fc.record({ type: fc.constant('put' as const), key: fc.constantFrom('a', 'b'), value: fc.constantFrom('1', '2') }),
      fc.record({ type: fc.constant('get' as const), key: fc.constantFrom('a', 'b') }),
      fc.record({ type: fc.constant('cas' as const), key: fc.constantFrom('a', 'b'), expected: fc.constantFrom(null, '1', '2'), value: fc.constantFrom('1', '2') }),
    );
    const opRecord = fc.record({ client: fc.constantFrom('c1', 'c2', 'c3'), op: opArb, invokeMs: fc.nat(100), lengthMs: fc.nat(30), answer: fc.constantFrom<Observed | null>(null, ok, { kind: 'ok', value: '1' }, { kind: 'ok', value: '2' }) });
    fc.assert(
      fc.property(fc.array(opRecord, { maxLength: 14 }), (records) => {
        const h: HistoryOp[] = records.map((r, i) => {
          const result: Observed | null = r.answer === null ? null : r.op.type === 'cas' && r.answer.kind === 'ok' && r.answer.value === '2' ? { kind: 'cas-mismatch' } : r.answer;
          return result === null
            ? { id: `o${i}`, client: r.client, op: r.op, invokeMs: r.invokeMs, completeMs: null, result: null }
            : { id: `o${i}`, client: r.client, op: r.op, invokeMs: r.invokeMs, completeMs: r.invokeMs + r.lengthMs, result };
        });
        const back = (JSON.parse(exportPorcupineJson(h)) as PorcupineOperation[]).map(fromPorcupine);
        expect(checkLinearizability(back).kind).toBe(checkLinearizability(h).kind);
      }),
      { numRuns: 200 },
    );
  });
});

/** The reverse mapping, as a Porcupine user's Go code would read the export. */
function fromPorcupine(o: PorcupineOperation, i: number): HistoryOp {
  const inp = o.input;
  const op: KvOp = inp.op === 'cas' ? cas(inp.key, inp.expected, inp.value) : inp.op === 'put' ? put(inp.key, inp.value) : inp.op === 'get' ? get(inp.key) : { type: 'delete', key: inp.key };
  const base = { id: `o${i}`, client: `c${o.clientId}`, op, invokeMs: o.call / 1e6 };
  if (o.output.status === 'unknown') return { ...base, completeMs: null, result: null };
  const result: Observed = o.output.status === 'ok' ? { kind: 'ok', value: o.output.value } : o.output.actual === undefined ? { kind: 'cas-mismatch' } : { kind: 'cas-mismatch', actual: o.output.actual };
  return { ...base, completeMs: o.return / 1e6, result };
}

describe('Knossos EDN export', () => {
  it('writes one key as a cas-register history Knossos reads', () => {
    expect(exportKnossosEdn(history, { key: 'x' })).toBe(
      [
        '[{:process 0, :type :invoke, :f :write, :value "1", :time 0}',
        ' {:process 1, :type :invoke, :f :read, :value nil, :time 5000000}',
        ' {:process 0, :type :ok, :f :write, :value "1", :time 10000000}',
        ' {:process 1, :type :ok, :f :read, :value "1", :time 12000000}',
        ' {:process 1, :type :invoke, :f :cas, :value ["0" "2"], :time 20000000}',
        ' {:process 0, :type :invoke, :f :write, :value "say \\"hi\\"\\n", :time 21000000}',
        ' {:process 1, :type :fail, :f :cas, :value ["0" "2"], :time 30000000}',
        // alice's put got no answer, so alice carries on as a new process.
        ' {:process 2, :type :invoke, :f :write, :value nil, :time 40000000}',
        ' {:process 2, :type :ok, :f :write, :value nil, :time 41000000}',
        ' {:process 0, :type :info, :f :write, :value "say \\"hi\\"\\n", :time 41000001}]',
        '',
      ].join('\n'),
    );
  });

  it('writes several keys as [key value] tuples, and never runs two ops on one process at once', () => {
    const h: HistoryOp[] = [
      { client: 'c', op: put('a', '1'), invokeMs: 0, completeMs: 10, result: ok },
      { client: 'c', op: cas('b', null, '2'), invokeMs: 5, completeMs: 8, result: ok },
      { client: 'c', op: get('a'), invokeMs: 12, completeMs: 13, result: { kind: 'ok', value: '1' } },
    ];
    expect(exportKnossosEdn(h)).toBe(
      [
        '[{:process 0, :type :invoke, :f :write, :value ["a" "1"], :time 0}',
        ' {:process 1, :type :invoke, :f :cas, :value ["b" [nil "2"]], :time 5000000}',
        ' {:process 1, :type :ok, :f :cas, :value ["b" [nil "2"]], :time 8000000}',
        ' {:process 0, :type :ok, :f :write, :value ["a" "1"], :time 10000000}',
        ' {:process 1, :type :invoke, :f :read, :value ["a" nil], :time 12000000}',
        ' {:process 1, :type :ok, :f :read, :value ["a" "1"], :time 13000000}]',
        '',
      ].join('\n'),
    );
  });

  it('is read back by an independent EDN reader, values and all', () => {
    const parsed = parseEDNString(exportKnossosEdn(history), { mapAs: 'object', keywordAs: 'string' }) as unknown as Array<Record<string, unknown>>;
    expect(parsed).toHaveLength(10);
    expect(parsed[0]).toEqual({ process: 0, type: 'invoke', f: 'write', value: ['x', '1'], time: 0 });
    expect(parsed[3]).toEqual({ process: 1, type: 'ok', f: 'read', value: ['x', '1'], time: 12_000_000 });
    expect(parsed[4]).toEqual({ process: 1, type: 'invoke', f: 'cas', value: ['x', ['0', '2']], time: 20_000_000 });
    expect(parsed.find((o) => o['type'] === 'info')).toEqual({ process: 0, type: 'info', f: 'write', value: ['x', 'say "hi"\n'], time: 41_000_001 });
  });

  it('round-trips any string value through an independent EDN reader', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }), (value, key) => {
        const h: HistoryOp[] = [{ client: 'c', op: put(key, value), invokeMs: 0, completeMs: 1, result: ok }];
        const parsed = parseEDNString(exportKnossosEdn(h), { mapAs: 'object', keywordAs: 'string' }) as unknown as Array<{ value: unknown }>;
        expect(parsed[0]?.value).toEqual([key, value]);
      }),
      { numRuns: 150 },
    );
  });

  it('writes an empty history as an empty vector', () => {
    expect(exportKnossosEdn([])).toBe('[]\n');
    expect(exportPorcupineJson([])).toBe('[]\n');
  });

  it('escapes strings the way the EDN reader expects', () => {
    expect(ednString('a"b\\c\td\u0001é')).toBe('"a\\"b\\\\c\\td\\u0001é"');
  });
});
