/**
 * The client workload: which operation a client issues next. Small key space so operations on a
 * key overlap often (what makes histories interesting to a linearizability checker); values are
 * unique per (client, seq) so any read can be traced to the write it observed.
 */
import type { KvOp } from '../protocol/lab';
import type { Rng } from '../util/rng';

export const WORKLOAD_KEYS = ['a', 'b', 'c', 'd', 'e'] as const;

/** Mix: 45% put, 25% get, 15% cas, 15% delete. */
export function nextOp(rng: Rng, client: string, seq: number): KvOp {
  const key = WORKLOAD_KEYS[rng.int(WORKLOAD_KEYS.length)]!;
  const value = `${client}.${seq}`;
  const r = rng.int(100);
  if (r < 45) return { type: 'put', key, value };
  if (r < 70) return { type: 'get', key };
  if (r < 85) {
    // Expect a value this client may have written before, or absence.
    const expected = seq > 1 && rng.int(2) === 0 ? `${client}.${rng.range(1, seq - 1)}` : null;
    return { type: 'cas', key, expected, value };
  }
  return { type: 'delete', key };
}
