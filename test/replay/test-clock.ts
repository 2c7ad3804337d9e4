/** Time for a branch under test: frames happen when the test says so (the renderer's is a real timer). */
import type { FrameClock } from '../../shared/replay/branch-lab';

export class TestClock implements FrameClock {
  private onFrame: ((ms: number) => void) | null = null;
  start(onFrame: (ms: number) => void): () => void {
    this.onFrame = onFrame;
    return () => { this.onFrame = null; };
  }
  /** `ms` of real time in 50 ms frames. */
  run(ms: number): void {
    for (let t = 0; t < ms; t += 50) this.onFrame?.(50);
  }
}

/** Lets the promise callbacks of what a simulated cluster just did run (its answers come in the same instant). */
export function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Play in 100 ms frames until `done` (answers arrive as promise callbacks: let them run in between). */
export async function playUntil(clock: TestClock, done: () => boolean | Promise<boolean>, maxMs = 20_000): Promise<void> {
  for (let t = 0; t < maxMs; t += 100) {
    await Promise.resolve();
    if (await done()) return;
    clock.run(100);
  }
  throw new Error(`not done after ${maxMs} ms of play`);
}

/** Plays until `pending` settles (an action that returns once the cluster has done it) and gives its value. */
export async function played<T>(clock: TestClock, pending: Promise<T>, maxMs = 20_000): Promise<T> {
  let out: { readonly value: T } | null = null;
  let failed: { readonly error: unknown } | null = null;
  pending.then((value) => { out = { value }; }, (error: unknown) => { failed = { error }; });
  await playUntil(clock, () => out !== null || failed !== null, maxMs);
  if (failed !== null) throw (failed as { readonly error: unknown }).error;
  return (out as { readonly value: T } | null)!.value;
}
