/**
 * KV state machine and linearizability checker speed:
 * - `kv.applyPerSec`: commands applied per second by KvStateMachine (decode, session lookup,
 *   execute), with 5% retries. Floor: 100,000/s (far above what a Raft cluster in the lab commits).
 * - `kv.linCheck10kOpsMs`: wall time to check a linearizable 10,000-operation history (16 clients,
 *   8 keys, overlapping intervals, 5% unanswered) generated from a real sequential store. Ceiling
 *   2,000 ms.
 * - `kv.linViolation2kOpsMs`: wall time to find and shrink a stale read planted in a 2,000-operation
 *   history. Ceiling 2,000 ms.
 */
import { performance } from 'node:perf_hooks';
import type { KvOp } from '../../shared/protocol/lab';
import { createRng, type Rng } from '../../shared/util/rng';
import { KvStateMachine, encodeCommand, toKvResult } from '../../shared/kv';
import type { Entry } from '../../shared/raft/types';
import { checkLinearizability } from '../../shared/check/linearizability';
import { observedFromResult, type HistoryOp } from '../../shared/check/linearizability-history';
import type { BenchModule, Figure } from './registry';

function randomOp(rng: Rng, keys: number): KvOp {
  const key = `k${rng.int(keys)}`;
  const value = String(rng.int(5));
  const r = rng.int(10);
  if (r < 3) return { type: 'put', key, value };
  if (r < 7) return { type: 'get', key };
  if (r < 8) return { type: 'delete', key };
  return { type: 'cas', key, expected: rng.int(3) === 0 ? null : String(rng.int(5)), value };
}

function applyRate(n: number): { perSec: number; wallMs: number } {
  const rng = createRng(3);
  const entries: Entry[] = [];
  const seqs = new Map<string, number>();
  for (let i = 1; i <= n; i++) {
    const client = `c${rng.int(64)}`;
    const last = seqs.get(client) ?? 0;
    const seq = last > 0 && rng.int(20) === 0 ? last : last + 1;
    seqs.set(client, seq);
    entries.push({ kind: 'command', term: 1, index: i, data: encodeCommand({ client, seq, op: randomOp(rng, 100) }) });
  }
  const sm = new KvStateMachine();
  const t0 = performance.now();
  for (const e of entries) sm.apply(e);
  const wallMs = performance.now() - t0;
  return { perSec: (n / wallMs) * 1000, wallMs };
}

/** A linearizable history: ops take effect in order at 10 ms steps, intervals drawn around that. */
function generatedHistory(n: number, seed: number, lostOneIn: number): HistoryOp[] {
  const rng = createRng(seed);
  const sm = new KvStateMachine();
  const history: HistoryOp[] = [];
  for (let i = 0; i < n; i++) {
    const client = `c${i % 16}`;
    const op = randomOp(rng, 8);
    const atMs = 100 + 10 * i;
    const invokeMs = atMs - rng.int(40);
    const outcome = sm.apply({ kind: 'command', term: 1, index: i + 1, data: encodeCommand({ client, seq: i + 1, op }) });
    if (outcome === null || outcome.kind === 'invalid') throw new Error('bench: unexpected apply outcome');
    const observed = observedFromResult(toKvResult(outcome, 1));
    if (observed === null || (lostOneIn > 0 && rng.int(lostOneIn) === 0)) history.push({ id: `o${i}`, client, op, invokeMs, completeMs: null, result: null });
    else history.push({ id: `o${i}`, client, op, invokeMs, completeMs: atMs + rng.int(40), result: observed });
  }
  return history;
}

function timeCheck(history: readonly HistoryOp[], expected: 'ok' | 'violation'): number {
  const t0 = performance.now();
  const r = checkLinearizability(history);
  const wallMs = performance.now() - t0;
  if (r.kind !== expected) throw new Error(`bench: expected ${expected}, checker said ${r.kind}`);
  return wallMs;
}

export const bench: BenchModule = {
  area: 'kv',
  async run(ctx) {
    const figures: Figure[] = [];
    const n = ctx.quick ? 20_000 : 200_000;
    applyRate(5_000);
    const apply = applyRate(n);
    ctx.log(`${n} applies in ${apply.wallMs.toFixed(0)} ms`);
    figures.push({ key: 'kv.applyPerSec', value: apply.perSec, unit: 'commands/s', label: 'KvStateMachine.apply incl. decoding, 64 clients, 5% retries', floor: 100_000 });

    const ok = generatedHistory(ctx.quick ? 2_000 : 10_000, 5, 20);
    timeCheck(generatedHistory(1_000, 6, 20), 'ok');
    const okMs = timeCheck(ok, 'ok');
    ctx.log(`${ok.length} ops checked in ${okMs.toFixed(0)} ms`);
    figures.push({ key: 'kv.linCheck10kOpsMs', value: ctx.quick ? (okMs * 10_000) / ok.length : okMs, unit: 'ms', label: `check a linearizable 10,000-op history, 16 clients, 8 keys${ctx.quick ? ' (extrapolated from 2,000)' : ''}`, floor: 2_000, lowerIsBetter: true });

    // No unanswered ops here: one of them could legitimately write the stale value late.
    const bad = generatedHistory(2_000, 9, 0);
    const lastMs = Math.max(...bad.map((h) => h.completeMs ?? h.invokeMs));
    bad.push({ id: 'w', client: 'w', op: { type: 'put', key: 'k0', value: 'fresh' }, invokeMs: lastMs + 1, completeMs: lastMs + 2, result: { kind: 'ok', value: 'fresh' } });
    bad.push({ id: 'r', client: 'r', op: { type: 'get', key: 'k0' }, invokeMs: lastMs + 3, completeMs: lastMs + 4, result: { kind: 'ok', value: '0' } });
    const badMs = timeCheck(bad, 'violation');
    ctx.log(`violation in ${bad.length} ops found and shrunk in ${badMs.toFixed(0)} ms`);
    figures.push({ key: 'kv.linViolation2kOpsMs', value: badMs, unit: 'ms', label: 'find and shrink a stale read planted at the end of a 2,000-op history', floor: 2_000, lowerIsBetter: true });
    return figures;
  },
};
