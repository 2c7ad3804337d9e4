/**
 * The lab's one link model (shared/cluster/link-model.ts), which node processes and the simulated
 * network both use: how a link's own fault combines with the base every link has, and the
 * delay of one copy, over many seeds.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HEALTHY_LINK, type LinkFault } from '../../shared/protocol/lab';
import { copyDelayMs, effectiveLink } from '../../shared/cluster/link-model';
import { Network } from '../../shared/sim/network';
import { createRng } from '../../shared/util/rng';

describe('the link model', () => {
  it('a link\'s own delay adds to the base (the wire and the pace); its rates replace the base\'s where it sets them', () => {
    const base: LinkFault = { ...HEALTHY_LINK, delayMs: 5, jitterMs: 2, loss: 0.1 };
    expect(effectiveLink(base, null)).toEqual(base);
    expect(effectiveLink(base, { delayMs: 20 })).toEqual({ ...base, delayMs: 25 });
    expect(effectiveLink(base, { loss: 0, cut: true, jitterMs: 3 })).toEqual({ ...base, loss: 0, cut: true, jitterMs: 5 });
  });

  it('a copy takes [delay, delay + jitter] ms, and a reordered one at most 4 * (delay + jitter) + 1 ms more', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 100 }), fc.constantFrom(0, 0.5, 1),
      (seed, delayMs, jitterMs, reorder) => {
        const rng = createRng(seed);
        const link = { ...HEALTHY_LINK, delayMs, jitterMs, reorder };
        for (let i = 0; i < 20; i++) {
          const d = copyDelayMs(link, rng);
          expect(Number.isInteger(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(delayMs);
          const most = delayMs + jitterMs + (reorder > 0 ? 1 + 4 * (delayMs + jitterMs) : 0);
          expect(d).toBeLessThanOrEqual(most);
          if (reorder === 1) expect(d).toBeGreaterThan(delayMs);
        }
      },
    ), { numRuns: 200 });
  });

  it('in the simulated network a slow link adds to the wire\'s time, as at a node process (it used to replace it)', () => {
    const net = new Network(createRng(3), { ...HEALTHY_LINK, delayMs: 5, jitterMs: 0 });
    net.setLink(1, 2, { delayMs: 20 });
    for (let i = 0; i < 50; i++) expect(net.route(1, 2)).toBe(25);
    expect(net.route(2, 1)).toBe(5);
  });
});
