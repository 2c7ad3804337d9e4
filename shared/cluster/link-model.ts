/**
 * What one message meets on a link, once for every engine: the sending node process
 * (electron/node/outgoing-link.ts) and the simulated network (shared/sim/network.ts) both decide
 * a message's fate here, from the link's settings and a seeded Rng.
 *
 * A link's settings are the base every link has (the pace's network time; in a simulation also
 * the simulated wire and a run's fault-wide rates) with the link's own fault on top: delays and
 * jitters add up, and loss, duplication and reordering are the link's own where it sets them.
 * A copy then takes a whole number of lab ms drawn uniformly from [delayMs, delayMs + jitterMs];
 * with probability `reorder` it is held back by up to 4 * (delayMs + jitterMs) + 1 ms more, so a
 * later message on the same link can overtake it. Loss and duplication are drawn per message.
 */
import type { LinkFault } from '../protocol/lab';
import type { Rng } from '../util/rng';

/** The settings a message meets: `base` with the link's `own` fault (or none) on top. */
export function effectiveLink(base: LinkFault, own: Partial<LinkFault> | null): LinkFault {
  if (own === null) return base;
  return {
    cut: own.cut ?? base.cut,
    loss: own.loss ?? base.loss,
    delayMs: base.delayMs + (own.delayMs ?? 0),
    jitterMs: base.jitterMs + (own.jitterMs ?? 0),
    duplicate: own.duplicate ?? base.duplicate,
    reorder: own.reorder ?? base.reorder,
  };
}

/** Whether a message that was not cut is lost. */
export function isLost(link: LinkFault, rng: Rng): boolean {
  return link.loss > 0 && rng.next() < link.loss;
}

/** Whether a message that got through arrives twice (the copy takes its own delay). */
export function isDuplicated(link: LinkFault, rng: Rng): boolean {
  return link.duplicate > 0 && rng.next() < link.duplicate;
}

/** Lab ms one copy spends on the link (0: it arrives at once). */
export function copyDelayMs(link: LinkFault, rng: Rng): number {
  let d = link.delayMs + (link.jitterMs > 0 ? Math.floor(rng.next() * (link.jitterMs + 1)) : 0);
  if (link.reorder > 0 && rng.next() < link.reorder) d += 1 + rng.int(4 * (link.delayMs + link.jitterMs) + 1);
  return d;
}
