/**
 * The engine's waits on its clock, for the membership procedure: sleeps, and waits for a conf
 * entry to apply. Every wait ends at once when the cluster pauses or the engine closes (time may
 * then stand still until the person steps), and an entry applied shortly before its wait began
 * counts (a one-node cluster applies a change at once).
 */
import type { Scheduler } from './clock';

/** Applied conf entries remembered for a wait that starts after its entry applied. */
const APPLIED_CONF_KEPT = 64;

export class ClockWaits {
  private readonly confWaiters = new Map<string, () => void>();
  private readonly appliedConf = new Set<string>();
  /** Waits in progress: each ends early when endAll is called. */
  private readonly waits = new Set<() => void>();

  /** `stopped`: the cluster is paused or the engine closed (a wait then ends at once). */
  constructor(private readonly clock: Scheduler, private readonly stopped: () => boolean) {}

  /** A node applied the conf entry (index, term). */
  confApplied(index: number, term: number): void {
    const key = `${index}:${term}`;
    this.appliedConf.add(key);
    if (this.appliedConf.size > APPLIED_CONF_KEPT) this.appliedConf.delete(this.appliedConf.values().next().value!);
    this.confWaiters.get(key)?.();
  }

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.after(ms, resolve);
    });
  }

  /** True once a node applies the conf entry (index, term); false after `ms`, or once stopped. */
  waitApplied(index: number, term: number, ms: number): Promise<boolean> {
    const key = `${index}:${term}`;
    if (this.appliedConf.has(key)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const cancel = this.after(ms, () => {
        this.confWaiters.delete(key);
        resolve(false);
      });
      if (this.stopped()) return;
      this.confWaiters.set(key, () => {
        cancel();
        this.confWaiters.delete(key);
        resolve(true);
      });
    });
  }

  /** Ends every wait now (the cluster paused, or the engine is closing). */
  endAll(): void {
    for (const end of [...this.waits]) end();
  }

  /** Calls `fire` once `ms` of clock time has passed, or at once when stopped. */
  private after(ms: number, fire: () => void): () => void {
    if (this.stopped()) {
      fire();
      return () => undefined;
    }
    const end = (): void => {
      cancel();
      this.waits.delete(end);
      fire();
    };
    const cancel = this.clock.after(Math.max(0, ms), end);
    this.waits.add(end);
    return () => {
      cancel();
      this.waits.delete(end);
    };
  }
}
