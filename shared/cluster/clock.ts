/**
 * An engine's time and timers, injected (shared/ reads no clock): wall-clock ms and real timers
 * in the live lab, simulated ms and simulator events in a simulated cluster.
 */
export interface Scheduler {
  /** Runs `fn` once after `ms`; returns what cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export interface LabClock extends Scheduler {
  now(): number;
}
