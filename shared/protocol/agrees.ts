/**
 * Compile-time agreement between a zod schema and the hand-written TypeScript type it validates.
 * `Agrees<typeof S, T>` is `true` only when the schema's output and `T` are the same type once
 * `readonly` is set aside: assignable both ways, with the same keys and the same optional keys at
 * every level. Written as `const _check: [Agrees<...>, ...] = [true, ...]`, a drift fails `tsc`.
 */
import type { z } from 'zod';

/** Strips `readonly` at every level (zod's outputs are mutable; our types are readonly). */
export type DeepMutable<T> = T extends readonly (infer U)[]
  ? DeepMutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
    : T;

/**
 * The identity test of two types: true only when A and B are the same type. Stricter than mutual
 * assignability, which ignores a property that is optional on one side and absent on the other.
 */
export type Same<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/** Assignable both ways. */
export type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export type Agrees<S extends z.ZodType, T> = Same<DeepMutable<z.output<S>>, DeepMutable<T>>;
