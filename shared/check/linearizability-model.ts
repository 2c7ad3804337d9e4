/**
 * The sequential specification the linearizability checker holds histories to: one key of the KV
 * store, a register that is absent (null) or holds a string, with get, put, delete and
 * compare-and-set. Values are interned to small integers so states hash and compare cheaply.
 */
import type { HistoryOp } from './linearizability-history';

/** Interned state: 0 is "absent", n > 0 is the n-th distinct value seen. */
export type RegisterState = number;
export const ABSENT: RegisterState = 0;
/** Returned by `stepRegister` when the operation cannot happen in the given state. */
export const ILLEGAL = -1;
/** An unknown `actual` in a cas-mismatch: any state other than `expected` is accepted. */
const ANY = -2;

/** One operation compiled against a value table. */
export interface RegisterOp {
  readonly type: 'get' | 'put' | 'delete' | 'cas';
  /** put and cas: the value written. */
  readonly write: RegisterState;
  /** cas: the value expected. */
  readonly expected: RegisterState;
  /** 'unknown' ops may or may not take effect; they never constrain the state. */
  readonly outcome: 'ok' | 'cas-mismatch' | 'unknown';
  /** get ok: the value read; cas-mismatch: the value found (or ANY). */
  readonly observed: RegisterState;
}

export class ValueTable {
  private readonly ids = new Map<string, RegisterState>();
  private readonly values: string[] = [];

  intern(value: string | null): RegisterState {
    if (value === null) return ABSENT;
    let id = this.ids.get(value);
    if (id === undefined) {
      this.values.push(value);
      id = this.values.length;
      this.ids.set(value, id);
    }
    return id;
  }

  valueOf(state: RegisterState): string | null {
    return state === ABSENT ? null : (this.values[state - 1] ?? null);
  }
}

export function compileOp(h: HistoryOp, table: ValueTable): RegisterOp {
  const op = h.op;
  const outcome = h.result === null ? 'unknown' : h.result.kind;
  let observed: RegisterState = ABSENT;
  if (h.result !== null && h.result.kind === 'ok' && op.type === 'get') observed = table.intern(h.result.value);
  if (h.result !== null && h.result.kind === 'cas-mismatch') observed = h.result.actual === undefined ? ANY : table.intern(h.result.actual);
  return {
    type: op.type,
    write: op.type === 'put' || op.type === 'cas' ? table.intern(op.value) : ABSENT,
    expected: op.type === 'cas' ? table.intern(op.expected) : ABSENT,
    outcome,
    observed,
  };
}

/** The state after `op` in `state`, or ILLEGAL if the observed outcome is impossible there. */
export function stepRegister(state: RegisterState, op: RegisterOp): RegisterState {
  switch (op.type) {
    case 'get':
      return op.outcome !== 'ok' || op.observed === state ? state : ILLEGAL;
    case 'put':
      return op.write;
    case 'delete':
      return ABSENT;
    case 'cas':
      if (op.outcome === 'cas-mismatch') {
        if (state === op.expected) return ILLEGAL;
        return op.observed === ANY || op.observed === state ? state : ILLEGAL;
      }
      if (state === op.expected) return op.write;
      // An unknown cas whose expectation fails would change nothing: as if it never happened.
      return op.outcome === 'unknown' ? state : ILLEGAL;
  }
}
