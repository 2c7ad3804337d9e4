/**
 * Assertions that stay on in production: a broken Raft invariant must stop the node loudly rather
 * than let it corrupt the replicated log. Messages say which invariant broke.
 */
export class RaftInvariantError extends Error {
  override readonly name = 'RaftInvariantError';
}

export function assert(cond: boolean, why: string): asserts cond {
  if (!cond) throw new RaftInvariantError(`raft invariant violated: ${why}`);
}
