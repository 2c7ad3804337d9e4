/**
 * Majority arithmetic over a set of voters. Pure: knows nothing about nodes, logs or messages.
 * Learners never appear here; callers pass voters only.
 */
import type { NodeId } from './types';

/** Smallest number of voters that forms a majority of `n`. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

let scratch: number[] = new Array<number>(16).fill(0);

/**
 * The highest index known replicated on a majority of `voters`, given each voter's match index.
 * With no voters nothing can be committed, so 0.
 */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return 0;
  if (n > scratch.length) scratch = new Array<number>(n).fill(0);
  // Insertion sort, descending, into a reused buffer: n is small and this runs on every ack.
  for (let i = 0; i < n; i++) {
    const v = matchOf(voters[i] as NodeId);
    let j = i;
    while (j > 0 && (scratch[j - 1] as number) < v) {
      scratch[j] = scratch[j - 1] as number;
      j--;
    }
    scratch[j] = v;
  }
  // The majority(n)-th highest match is held by at least majority(n) voters.
  return scratch[majority(n) - 1] as number;
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** Outcome of an election so far. Votes from non-voters are ignored. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const q = majority(voters.length);
  if (voters.length > 0 && granted >= q) return 'won';
  // Lost once so many said no that the rest cannot reach a majority.
  if (rejected > voters.length - q) return 'lost';
  return 'pending';
}

/** True when the voters for which `active` holds form a majority. */
export function hasQuorum(voters: readonly NodeId[], active: (id: NodeId) => boolean): boolean {
  let n = 0;
  for (const id of voters) if (active(id)) n++;
  return voters.length > 0 && n >= majority(voters.length);
}
