/**
 * The client history the linearizability checker reads: one record per client operation, with
 * the time it was invoked and the time its response arrived (or null when no response came, so
 * the operation may or may not have taken effect, at any time after its invocation).
 *
 * Hosts (simulator, lab controller) build it with a HistoryRecorder as requests go out and come
 * back, or afterwards from the lab's client-invoke / client-complete events (historyFromEvents).
 */
import type { KvOp, KvResult, LabEvent } from '../protocol/lab';

/** What the client was told, for an operation that got a definite answer. */
export type Observed =
  /** The operation took effect. `value` is what a get read; it is ignored for put, delete and cas. */
  | { readonly kind: 'ok'; readonly value: string | null }
  /** A cas that did not take effect because the key did not hold `expected`; `actual`, if known, is what it held. */
  | { readonly kind: 'cas-mismatch'; readonly actual?: string | null };

interface HistoryOpBase {
  /** Optional caller id (e.g. the lab's opId), carried into explanations and exports. */
  readonly id?: string;
  readonly client: string;
  readonly op: KvOp;
  readonly invokeMs: number;
}

export type HistoryOp = HistoryOpBase &
  (
    | { readonly completeMs: number; readonly result: Observed }
    /** No definite answer (timeout, crash, lost leader): may have taken effect, or not. */
    | { readonly completeMs: null; readonly result: null }
  );

export class HistoryError extends Error {
  override readonly name = 'HistoryError';
}

/** Throws HistoryError naming the first malformed operation. */
export function validateHistory(history: readonly HistoryOp[]): void {
  history.forEach((h, i) => {
    const where = `history[${i}]${h.id !== undefined ? ` (${h.id})` : ''}`;
    if (!Number.isFinite(h.invokeMs)) throw new HistoryError(`${where}: invokeMs must be a finite number, got ${h.invokeMs}`);
    if (h.completeMs === null) {
      if (h.result !== null) throw new HistoryError(`${where}: an operation without completeMs cannot have a result`);
      return;
    }
    if (!Number.isFinite(h.completeMs)) throw new HistoryError(`${where}: completeMs must be a finite number or null, got ${h.completeMs}`);
    if (h.completeMs < h.invokeMs) throw new HistoryError(`${where}: completes at ${h.completeMs} before it is invoked at ${h.invokeMs}`);
    if (h.result === null) throw new HistoryError(`${where}: a completed operation needs a result`);
    if (h.result.kind === 'cas-mismatch' && h.op.type !== 'cas') throw new HistoryError(`${where}: a ${h.op.type} cannot end in cas-mismatch`);
  });
}

/**
 * What a KvResult tells the checker. Only `ok` and `cas-mismatch` are definite; every other error
 * (timeout, no-leader, stopped) is treated as unknown, because the request may have reached a
 * leader and been committed before the client gave up. Returns null for unknown.
 */
export function observedFromResult(result: KvResult): Observed | null {
  if (result.ok) return { kind: 'ok', value: result.value };
  if (result.error === 'cas-mismatch') return result.value === undefined ? { kind: 'cas-mismatch' } : { kind: 'cas-mismatch', actual: result.value };
  return null;
}

/** Records a history as requests go out and answers come back. */
export class HistoryRecorder {
  private readonly ops: Array<{ id: string; client: string; op: KvOp; invokeMs: number; completeMs: number | null; result: Observed | null }> = [];
  private readonly byId = new Map<string, number>();

  /** A request was sent. Returns the id to pass to `complete` (the given one, or a fresh one). */
  invoke(client: string, op: KvOp, atMs: number, id?: string): string {
    const opId = id ?? `op${this.ops.length + 1}`;
    if (this.byId.has(opId)) throw new HistoryError(`HistoryRecorder.invoke: operation id ${JSON.stringify(opId)} is already used`);
    this.byId.set(opId, this.ops.length);
    this.ops.push({ id: opId, client, op, invokeMs: atMs, completeMs: null, result: null });
    return opId;
  }

  /** The answer to `id` arrived. Unknown outcomes (timeouts etc.) leave the op open. */
  complete(id: string, result: KvResult, atMs: number): void {
    const i = this.byId.get(id);
    if (i === undefined) throw new HistoryError(`HistoryRecorder.complete: no operation ${JSON.stringify(id)} was invoked`);
    const rec = this.ops[i];
    if (rec === undefined) throw new HistoryError(`HistoryRecorder.complete: lost operation ${JSON.stringify(id)}`);
    if (rec.completeMs !== null) throw new HistoryError(`HistoryRecorder.complete: operation ${JSON.stringify(id)} already completed`);
    const observed = observedFromResult(result);
    if (observed === null) return;
    rec.completeMs = atMs;
    rec.result = observed;
  }

  /** The history so far; operations still waiting count as unknown. */
  history(): HistoryOp[] {
    return this.ops.map((r) => toHistoryOp(r.id, r.client, r.op, r.invokeMs, r.completeMs, r.result));
  }
}

/** Builds a history from the lab's event stream (client-invoke / client-complete pairs by opId). */
export function historyFromEvents(events: readonly LabEvent[]): HistoryOp[] {
  const recorder = new HistoryRecorder();
  for (const e of events) {
    if (e.type === 'client-invoke') recorder.invoke(e.client, e.op, e.atMs, e.opId);
    else if (e.type === 'client-complete') recorder.complete(e.opId, e.result, e.atMs);
  }
  return recorder.history();
}

function toHistoryOp(id: string, client: string, op: KvOp, invokeMs: number, completeMs: number | null, result: Observed | null): HistoryOp {
  if (completeMs === null || result === null) return { id, client, op, invokeMs, completeMs: null, result: null };
  return { id, client, op, invokeMs, completeMs, result };
}

/** One line describing an operation, for explanations: `c1 put x="1" [10, 20] → ok`. */
export function describeOp(h: HistoryOp): string {
  const op = h.op;
  const what =
    op.type === 'put' ? `put ${op.key}=${JSON.stringify(op.value)}`
    : op.type === 'get' ? `get ${op.key}`
    : op.type === 'delete' ? `delete ${op.key}`
    : `cas ${op.key} ${JSON.stringify(op.expected)}→${JSON.stringify(op.value)}`;
  const interval = `[${h.invokeMs}, ${h.completeMs === null ? '?' : h.completeMs}]`;
  let outcome: string;
  if (h.result === null) outcome = 'no answer';
  else if (h.result.kind === 'cas-mismatch') outcome = h.result.actual === undefined ? 'cas-mismatch' : `cas-mismatch (found ${JSON.stringify(h.result.actual)})`;
  else outcome = op.type === 'get' ? JSON.stringify(h.result.value) : 'ok';
  return `${h.id !== undefined ? `${h.id} ` : ''}${h.client} ${what} ${interval} → ${outcome}`;
}
