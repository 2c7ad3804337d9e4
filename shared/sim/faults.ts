/**
 * Fault injection: the fault settings of a run, drawn from its seed, and the next fault action.
 * The simulator applies actions; this module only decides them, from its own forked rng.
 */
import type { NodeId } from '../raft/types';
import type { LinkFault } from '../protocol/lab';
import type { Rng } from '../util/rng';
import type { FaultKind } from './options';

/** A run's fault settings. Rates are per message; durations are virtual ms. */
export interface FaultPlan {
  readonly kinds: ReadonlySet<FaultKind>;
  /** Time between fault actions, drawn uniformly from [lo, hi]. */
  readonly intervalMs: readonly [number, number];
  /** How long a crashed node stays down / a cut or slow link lasts. */
  readonly downMs: readonly [number, number];
  readonly healMs: readonly [number, number];
  /** The base link during the fault window (loss, duplication, reordering). */
  readonly faultyBase: LinkFault;
  /** A slow link's settings (the `delay` fault). */
  readonly slowLink: Pick<LinkFault, 'delayMs' | 'jitterMs'>;
}

/** Draws a run's fault settings from `rng`. `tickMs * electionTicks` scales the durations. */
export function drawFaultPlan(rng: Rng, kinds: readonly FaultKind[], healthy: LinkFault, electionMs: number): FaultPlan {
  const k = new Set(kinds);
  // Some seeds are calm, some are storms (faults every fifth of an election timeout).
  const interval = rng.range(Math.max(2, Math.floor(electionMs / 5)), 6 * electionMs);
  return {
    kinds: k,
    intervalMs: [Math.max(1, Math.floor(interval / 2)), interval],
    downMs: [Math.max(1, Math.floor(electionMs / 5)), rng.range(2, 15) * electionMs],
    healMs: [electionMs, rng.range(2, 15) * electionMs],
    faultyBase: {
      ...healthy,
      loss: k.has('loss') ? rng.range(1, 20) / 100 : 0,
      duplicate: k.has('duplicate') ? rng.range(1, 15) / 100 : 0,
      reorder: k.has('reorder') ? rng.range(5, 40) / 100 : 0,
    },
    slowLink: { delayMs: rng.range(1, 3) * Math.ceil(electionMs / 4), jitterMs: rng.range(1, 4) * Math.ceil(electionMs / 4) },
  };
}

/** One fault to inject now. `durationMs` is how long until it is undone. */
export type FaultAction =
  | { readonly kind: 'crash'; readonly node: NodeId; readonly durationMs: number }
  | { readonly kind: 'partition'; readonly groups: readonly (readonly NodeId[])[]; readonly durationMs: number }
  | { readonly kind: 'oneway'; readonly from: NodeId; readonly to: NodeId; readonly durationMs: number }
  | { readonly kind: 'slow'; readonly from: NodeId; readonly to: NodeId; readonly durationMs: number };

/** The kinds that are discrete actions (the others are link settings for the whole window). */
const ACTION_KINDS: readonly FaultKind[] = ['crash', 'partition', 'oneway', 'delay'];

/**
 * Picks the next action, or null if the plan has no discrete kinds (or nothing to act on).
 * Like a Jepsen nemesis, crashes and isolations hit the current `leader` half of the time:
 * leader churn with unreplicated tails is where Raft's subtle rules matter.
 */
export function nextFaultAction(rng: Rng, plan: FaultPlan, nodes: number, up: readonly NodeId[], leader: NodeId | null): FaultAction | null {
  const kinds = ACTION_KINDS.filter((k) => plan.kinds.has(k));
  if (kinds.length === 0) return null;
  const kind = kinds[rng.int(kinds.length)]!;
  const between = (r: readonly [number, number]): number => rng.range(r[0], Math.max(r[0], r[1]));
  switch (kind) {
    case 'crash':
      if (up.length === 0) return null;
      if (leader !== null && up.includes(leader) && rng.int(2) === 0) return { kind: 'crash', node: leader, durationMs: between(plan.downMs) };
      return { kind: 'crash', node: up[rng.int(up.length)]!, durationMs: between(plan.downMs) };
    case 'partition': {
      if (nodes < 2) return null;
      const all = Array.from({ length: nodes }, (_, i) => i + 1);
      if (rng.int(2) === 0) {
        const node = leader !== null && rng.int(2) === 0 ? leader : all[rng.int(nodes)]!;
        return { kind: 'partition', groups: [[node], all.filter((n) => n !== node)], durationMs: between(plan.healMs) };
      }
      const side = all.map(() => rng.int(2));
      const a = all.filter((_, i) => side[i] === 0);
      const b = all.filter((_, i) => side[i] === 1);
      if (a.length === 0 || b.length === 0) return null;
      return { kind: 'partition', groups: [a, b], durationMs: between(plan.healMs) };
    }
    case 'oneway':
    case 'delay': {
      if (nodes < 2) return null;
      const from = rng.range(1, nodes);
      let to = rng.range(1, nodes - 1);
      if (to >= from) to++;
      return { kind: kind === 'oneway' ? 'oneway' : 'slow', from, to, durationMs: between(plan.healMs) };
    }
    default:
      return null;
  }
}
