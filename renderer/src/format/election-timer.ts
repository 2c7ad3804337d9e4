/**
 * Ticks until a node's election timer fires, as the Inspector and the Step tab both say it: the
 * core counts elapsed ticks up to its randomized timeout and campaigns on the tick that reaches
 * it, so `randomizedElectionTicks - electionElapsed` more ticks start an election.
 */
export interface ElectionTimer {
  readonly electionElapsed: number;
  readonly randomizedElectionTicks: number;
}

export function electionTicksLeft(t: ElectionTimer): number {
  return Math.max(0, t.randomizedElectionTicks - t.electionElapsed);
}

/** "1 tick", "5 ticks". */
export function ticksText(k: number): string {
  return k === 1 ? '1 tick' : `${k} ticks`;
}
