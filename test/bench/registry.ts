/**
 * What a bench module is. Each area adds one file `test/bench/<area>.bench.ts` exporting
 * `bench: BenchModule`; run.ts finds them by name, so adding a module touches no other file.
 */

/** One measured number. `key` is stable across runs and documented in README.md. */
export interface Figure {
  /** Dotted, area first: `sim.deliveriesPerSec.n3`. Never rename a published key. */
  readonly key: string;
  readonly value: number;
  /** Unit of `value`, e.g. "deliveries/s", "ms", "ratio". */
  readonly unit: string;
  /** One line saying what was measured and how. */
  readonly label: string;
  /** Optional floor/target: the table marks a figure below `floor` (or above, when lowerIsBetter). */
  readonly floor?: number;
  readonly lowerIsBetter?: boolean;
}

export interface BenchContext {
  /** Short mode (`--quick`): fewer iterations, for a smoke run. */
  readonly quick: boolean;
  /** Long mode (`--long`): the runs that must hold for minutes run for minutes (longrun: 10). */
  readonly long: boolean;
  /** Progress lines go here (stderr), never into the table or JSON. */
  readonly log: (line: string) => void;
}

export interface BenchModule {
  /** Area name, the first part of every key this module reports. */
  readonly area: string;
  run(ctx: BenchContext): Promise<readonly Figure[]>;
}
