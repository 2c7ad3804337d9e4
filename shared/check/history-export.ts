/**
 * Exports a KV client history for other linearizability checkers:
 *
 * - Porcupine (Go): a JSON array of operations `{clientId, input, call, output, return}`. Go's
 *   encoding/json matches field names case-insensitively, so it unmarshals straight into
 *   `[]porcupine.Operation` (Input and Output arrive as maps). Times are integer nanoseconds from
 *   the first invocation. An operation without an answer gets `output: {status: "unknown"}` and
 *   a return time after every other event; the Go model's Step must accept any state for it (or
 *   apply it), which is how Porcupine users express "may or may not have happened".
 *     input:  {op: "get"|"put"|"delete"|"cas", key, value?, expected?}
 *     output: {status: "ok", value} | {status: "cas-mismatch", actual?} | {status: "unknown"}
 *
 * - Knossos / Jepsen: an EDN vector of op maps, one per line, in real-time order:
 *   `{:process 0, :type :invoke, :f :write, :value "1", :time 0}` then `:ok`, `:fail` (a cas that
 *   did not apply) or `:info` (no answer). get is `:read`, put is `:write`, delete is
 *   `:write nil`, cas is `:cas [expected new]`, matching Knossos's cas-register model (initially
 *   nil). With `key`, only that key's operations and plain values (what `knossos.cli` checks);
 *   without, every key with values as `[key value]` tuples (what `jepsen.independent` reads).
 *   A process never runs two operations at once; after an `:info` a client continues as a new
 *   process, as Jepsen does for crashed processes. `:info` completions come last: such an
 *   operation may take effect at any later time.
 *
 * Both are produced in pieces, an operation a piece (porcupineChunks, knossosChunks), so a writer
 * streams them: a long run's history is never one string.
 */
import type { KvOp } from '../protocol/lab';
import { validateHistory, type HistoryOp } from './linearizability-history';

const NS_PER_MS = 1_000_000;

// ---------------------------------------------------------------------------------------------
// Porcupine

export type PorcupineInput =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string };

export type PorcupineOutput =
  | { readonly status: 'ok'; readonly value: string | null }
  | { readonly status: 'cas-mismatch'; readonly actual?: string | null }
  | { readonly status: 'unknown' };

export interface PorcupineOperation {
  /** Zero-based, in order of each client's first invocation. */
  readonly clientId: number;
  readonly input: PorcupineInput;
  /** Nanoseconds since the first invocation. */
  readonly call: number;
  readonly output: PorcupineOutput;
  readonly return: number;
  /** The client's name and the operation's id, for Porcupine's visualisation. */
  readonly metadata: { readonly client: string; readonly id: string | null };
}

function* porcupineOperations(history: readonly HistoryOp[]): Generator<PorcupineOperation> {
  validateHistory(history);
  const clock = relativeClock(history);
  const clientIds = new Map<string, number>();
  for (const h of [...history].sort((a, b) => a.invokeMs - b.invokeMs)) {
    if (!clientIds.has(h.client)) clientIds.set(h.client, clientIds.size);
  }
  for (const h of history) {
    yield {
      clientId: clientIds.get(h.client) ?? 0,
      input: porcupineInput(h.op),
      call: clock.ns(h.invokeMs),
      output: h.result === null ? { status: 'unknown' } : h.result.kind === 'ok' ? { status: 'ok', value: h.result.value } : h.result.actual === undefined ? { status: 'cas-mismatch' } : { status: 'cas-mismatch', actual: h.result.actual },
      return: h.completeMs === null ? clock.afterEverything : clock.ns(h.completeMs),
      metadata: { client: h.client, id: h.id ?? null },
    };
  }
}

/**
 * The Porcupine JSON text in pieces, one operation each (a writer streams them; no whole-file
 * string): an array with one operation per line, `[]` when there is none.
 */
export function* porcupineChunks(history: readonly HistoryOp[]): Generator<string> {
  let first = true;
  for (const op of porcupineOperations(history)) {
    yield `${first ? '[\n' : ',\n'}  ${JSON.stringify(op)}`;
    first = false;
  }
  yield first ? '[]\n' : '\n]\n';
}

function porcupineInput(op: KvOp): PorcupineInput {
  switch (op.type) {
    case 'get':
      return { op: 'get', key: op.key };
    case 'put':
      return { op: 'put', key: op.key, value: op.value };
    case 'delete':
      return { op: 'delete', key: op.key };
    case 'cas':
      return { op: 'cas', key: op.key, expected: op.expected, value: op.value };
  }
}

// ---------------------------------------------------------------------------------------------
// Knossos / Jepsen EDN

export interface KnossosOptions {
  /** Export only this key, with plain register values (for knossos.cli's cas-register model). */
  readonly key?: string;
}

/**
 * The Knossos EDN text in pieces, one op map each (a writer streams them; no whole-file string):
 * a vector with one op per line, `[]` when there is none.
 */
export function* knossosChunks(history: readonly HistoryOp[], options: KnossosOptions = {}): Generator<string> {
  let first = true;
  for (const line of knossosLines(history, options)) {
    yield first ? `[${line}` : `\n ${line}`;
    first = false;
  }
  yield first ? '[]\n' : ']\n';
}

function* knossosLines(history: readonly HistoryOp[], options: KnossosOptions): Generator<string> {
  validateHistory(history);
  const key = options.key;
  const ops = key === undefined ? [...history] : history.filter((h) => h.op.key === key);
  const clock = relativeClock(ops);
  const wrap = (k: string, v: string): string => (key === undefined ? `[${ednString(k)} ${v}]` : v);

  // Events in real-time order; at equal times invocations first, so touching operations are
  // concurrent (as the checker treats them). Unanswered operations' :info lines go last.
  type Ev = { readonly op: HistoryOp; readonly index: number; readonly invoke: boolean; readonly timeMs: number };
  const events: Ev[] = [];
  ops.forEach((op, index) => {
    events.push({ op, index, invoke: true, timeMs: op.invokeMs });
    events.push({ op, index, invoke: false, timeMs: op.completeMs ?? Infinity });
  });
  events.sort((a, b) => a.timeMs - b.timeMs || Number(!a.invoke) - Number(!b.invoke) || a.index - b.index);

  // Processes: a client keeps its process while it runs one operation at a time.
  const processOf = new Map<number, number>();
  const clientProcess = new Map<string, { process: number; busy: boolean; crashed: boolean }>();
  let nextProcess = 0;
  for (const ev of events) {
    const h = ev.op;
    if (ev.invoke) {
      let p = clientProcess.get(h.client);
      if (p === undefined || p.busy || p.crashed) {
        p = { process: nextProcess++, busy: false, crashed: false };
        clientProcess.set(h.client, p);
      }
      p.busy = true;
      processOf.set(ev.index, p.process);
      yield ednOp(p.process, 'invoke', h.op, invokeValue(h.op, wrap), clock.ns(h.invokeMs));
      continue;
    }
    const process = processOf.get(ev.index) ?? -1;
    const p = clientProcess.get(h.client);
    if (p !== undefined && p.process === process) {
      p.busy = false;
      if (h.result === null) p.crashed = true;
    }
    const time = h.completeMs === null ? clock.afterEverything : clock.ns(h.completeMs);
    if (h.result === null) yield ednOp(process, 'info', h.op, invokeValue(h.op, wrap), time);
    else if (h.result.kind === 'cas-mismatch') yield ednOp(process, 'fail', h.op, invokeValue(h.op, wrap), time);
    else yield ednOp(process, 'ok', h.op, h.op.type === 'get' ? wrap(h.op.key, ednNullable(h.result.value)) : invokeValue(h.op, wrap), time);
  }
}

function ednOp(process: number, type: 'invoke' | 'ok' | 'fail' | 'info', op: KvOp, value: string, timeNs: number): string {
  const f = op.type === 'get' ? 'read' : op.type === 'cas' ? 'cas' : 'write';
  return `{:process ${process}, :type :${type}, :f :${f}, :value ${value}, :time ${timeNs}}`;
}

function invokeValue(op: KvOp, wrap: (key: string, value: string) => string): string {
  switch (op.type) {
    case 'get':
      return wrap(op.key, 'nil');
    case 'put':
      return wrap(op.key, ednString(op.value));
    case 'delete':
      return wrap(op.key, 'nil');
    case 'cas':
      return wrap(op.key, `[${ednNullable(op.expected)} ${ednString(op.value)}]`);
  }
}

function ednNullable(v: string | null): string {
  return v === null ? 'nil' : ednString(v);
}

/** An EDN string literal: backslash escapes for quote, backslash and control characters. */
export function ednString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

// ---------------------------------------------------------------------------------------------

/** Integer nanoseconds since the first invocation, and a time after every recorded event. */
function relativeClock(history: readonly HistoryOp[]): { ns(ms: number): number; readonly afterEverything: number } {
  const start = history.reduce((m, h) => Math.min(m, h.invokeMs), Infinity);
  const ns = (ms: number): number => Math.round((ms - start) * NS_PER_MS);
  const last = history.reduce((m, h) => Math.max(m, h.completeMs ?? h.invokeMs), -Infinity);
  return { ns, afterEverything: history.length === 0 ? 0 : ns(last) + 1 };
}
