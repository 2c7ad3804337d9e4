/**
 * The simulated network: a base link (the simulated wire, the pace's network time and a run's
 * fault-wide rates) and an override per directed link, deciding for each message whether it is
 * cut, lost, duplicated or held back, and how long each copy takes. The decisions and how an
 * override combines with the base are the lab's one link model (shared/cluster/link-model.ts),
 * which node processes use too; a simulated copy takes at least 1 ms.
 */
import { MAX_NODE_ID } from '../limits';
import type { NodeId } from '../raft/types';
import { HEALTHY_LINK, isHealthyLink, type DirectedLink, type LinkFault } from '../protocol/lab';
import type { Rng } from '../util/rng';
import { copyDelayMs, effectiveLink, isDuplicated, isLost } from '../cluster/link-model';

/** `route()` results below zero: the message is dropped. */
export const CUT = -1;
export const LOST = -2;

/** The highest node id of a simulated cluster (the links table is sized for it): the lab's bound. */
export const MAX_SIM_NODES = MAX_NODE_ID;

export class Network {
  /** The link every pair has unless overridden (loss, duplication, reordering apply here). */
  private base: LinkFault;
  /** Per-link overrides on top of `base` (cuts, slow links), or null. */
  private readonly overrides: (Partial<LinkFault> | null)[] = [];
  /** Effective link = base + override, precomputed because route() is on the hot path. */
  private readonly links: LinkFault[] = [];

  constructor(
    private readonly rng: Rng,
    base: LinkFault,
  ) {
    this.base = base;
    for (let i = 0; i < (MAX_SIM_NODES + 1) * (MAX_SIM_NODES + 1); i++) {
      this.overrides.push(null);
      this.links.push(base);
    }
  }

  get baseLink(): LinkFault {
    return this.base;
  }

  link(from: NodeId, to: NodeId): LinkFault {
    return this.links[slot(from, to)]!;
  }

  /** Replaces the base link (per-link overrides stay). */
  setBase(base: LinkFault): void {
    this.base = base;
    for (let i = 0; i < this.links.length; i++) this.refresh(i);
  }

  /** Sets (part of) a link's fault; a link whose fault is back to healthy loses its override. */
  setLink(from: NodeId, to: NodeId, fault: Partial<LinkFault>): void {
    const i = slot(from, to);
    const o = { ...(this.overrides[i] ?? {}), ...fault };
    this.overrides[i] = isHealthyLink({ ...HEALTHY_LINK, ...o }) ? null : o;
    this.refresh(i);
  }

  /** Drops the override of one directed link. */
  healLink(from: NodeId, to: NodeId): void {
    const i = slot(from, to);
    this.overrides[i] = null;
    this.refresh(i);
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.links[slot(from, to)]!.cut;
  }

  /** Cuts (or restores) both directions between every node of `a` and every node of `b`. */
  cutBetween(a: readonly NodeId[], b: readonly NodeId[], cut: boolean): void {
    for (const x of a) {
      for (const y of b) {
        if (x === y) continue;
        this.setLink(x, y, { cut });
        this.setLink(y, x, { cut });
      }
    }
  }

  /** Drops every override (no cuts, no slow links); the base link stays. */
  healAll(): void {
    for (let i = 0; i < this.links.length; i++) {
      this.overrides[i] = null;
      this.refresh(i);
    }
  }

  /**
   * Links that carry an override, as the lab shows faults: what was set on the link over a
   * healthy one (the base delay is the simulated wire, not a fault, as a real link's latency is).
   */
  faultyLinks(nodes: number): (DirectedLink & LinkFault)[] {
    const out: (DirectedLink & LinkFault)[] = [];
    for (let from = 1; from <= nodes; from++) {
      for (let to = 1; to <= nodes; to++) {
        const o = this.overrides[slot(from, to)];
        if (from !== to && o !== null && o !== undefined) out.push({ from, to, ...HEALTHY_LINK, ...o });
      }
    }
    return out;
  }

  /**
   * Decides the fate of one message on from -> to: its delay in ms, or CUT / LOST. Draws from
   * the network's own rng only. (Numbers, not objects: this runs for every message.)
   */
  route(from: NodeId, to: NodeId): number {
    const l = this.links[slot(from, to)]!;
    if (l.cut) return CUT;
    if (isLost(l, this.rng)) return LOST;
    return Math.max(1, copyDelayMs(l, this.rng));
  }

  /** After a delivered `route()`: the delay of a duplicate copy, or -1 for none. */
  duplicate(from: NodeId, to: NodeId): number {
    const l = this.links[slot(from, to)]!;
    return isDuplicated(l, this.rng) ? Math.max(1, copyDelayMs(l, this.rng)) : -1;
  }

  private refresh(i: number): void {
    this.links[i] = effectiveLink(this.base, this.overrides[i] ?? null);
  }
}


function slot(from: NodeId, to: NodeId): number {
  if (!(from >= 1 && from <= MAX_SIM_NODES && to >= 1 && to <= MAX_SIM_NODES)) {
    throw new RangeError(`network: link ${from}->${to} is outside nodes 1..${MAX_SIM_NODES}`);
  }
  return from * (MAX_SIM_NODES + 1) + to;
}
