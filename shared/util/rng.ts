/**
 * Seeded pseudo-random generator (sfc32 seeded through splitmix32). The core and the simulator
 * take one of these instead of touching `Math.random`, so the same seed gives the same run.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** An integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number;
  /** An independent generator derived from this one (for per-node streams). */
  fork(): Rng;
  /** The generator's full internal state, so it can be recorded and restored. */
  state(): readonly [number, number, number, number];
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c >>> 0;
    this.d = d >>> 0;
  }

  private u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  next(): number {
    return this.u32() / 4294967296;
  }

  int(maxExclusive: number): number {
    if (!(maxExclusive > 0)) throw new RangeError(`rng.int: bound must be positive, got ${maxExclusive}`);
    return Math.floor(this.next() * maxExclusive);
  }

  range(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`rng.range: empty range [${lo}, ${hi}]`);
    return lo + this.int(hi - lo + 1);
  }

  fork(): Rng {
    return new Sfc32(this.u32(), this.u32(), this.u32(), this.u32());
  }

  state(): readonly [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }
}

/** A generator seeded from one 32-bit integer. */
export function createRng(seed: number): Rng {
  const mix = splitmix32(seed);
  const rng = new Sfc32(mix(), mix(), mix(), mix());
  // Discard the first outputs: sfc32's first few words are weakly mixed.
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}

/** A generator resumed from a recorded `state()`. */
export function restoreRng(state: readonly [number, number, number, number]): Rng {
  return new Sfc32(state[0], state[1], state[2], state[3]);
}
