/**
 * The lab's event stream, for every engine: numbers events, stamps them with the engine's time,
 * and hands them to listeners in batches, so a busy cluster costs the UI one delivery per batch
 * instead of one per message. shared/ reads no clock: the engine injects its time and, for
 * batches that go out on their own, a scheduler (the live lab: every `batchMs`, or at once when
 * `batchMax` events wait); without one, batches go out when the engine calls flush() (a
 * simulated cluster, after each action or frame).
 */
import type { LabEvent } from '../protocol/lab';
import type { Scheduler } from './clock';

/** A LabEvent before the stream gives it its seq (and its time, when the caller has none). */
export type LabEventInput = LabEvent extends infer E ? (E extends LabEvent ? Omit<E, 'seq' | 'atMs'> & { readonly atMs?: number } : never) : never;

export type EventScheduler = Scheduler;

export interface EventStreamOptions {
  /** The engine's time, for events emitted without one. */
  readonly now: () => number;
  /** Null: batches go out only on flush(). */
  readonly scheduler: EventScheduler | null;
  readonly batchMs?: number;
  readonly batchMax?: number;
  /**
   * Keep events emitted while nobody listens for the first subscriber (a simulated cluster
   * built before the page subscribes hands it its opening events); else they are not kept.
   */
  readonly holdUntilSubscribed?: boolean;
}

export class EventStream {
  private seqCounter = 0;
  private buffer: LabEvent[] = [];
  private cancel: (() => void) | null = null;
  private readonly listeners = new Set<(events: readonly LabEvent[]) => void>();
  private readonly batchMs: number;
  private readonly batchMax: number;

  constructor(private readonly options: EventStreamOptions) {
    this.batchMs = options.batchMs ?? 50;
    this.batchMax = options.batchMax ?? 256;
  }

  /** Seq of the last event emitted. */
  get seq(): number {
    return this.seqCounter;
  }

  emit(input: LabEventInput): LabEvent {
    const event = { ...input, seq: ++this.seqCounter, atMs: input.atMs ?? this.options.now() } as LabEvent;
    if (this.listeners.size === 0 && !this.options.holdUntilSubscribed) return event;
    this.buffer.push(event);
    const scheduler = this.options.scheduler;
    if (scheduler === null || this.listeners.size === 0) return event;
    if (this.buffer.length >= this.batchMax) this.flush();
    else if (this.cancel === null) this.cancel = scheduler.after(this.batchMs, () => this.flush());
    return event;
  }

  /** Adds a listener; events held for the first one go to it at once. */
  subscribe(listener: (events: readonly LabEvent[]) => void): () => void {
    this.listeners.add(listener);
    if (this.options.holdUntilSubscribed && this.buffer.length > 0) this.flush();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Removes every listener (the engine went away). */
  close(): void {
    this.listeners.clear();
    this.cancel?.();
    this.cancel = null;
    this.buffer = [];
  }

  /** Delivers whatever is waiting now. */
  flush(): void {
    this.cancel?.();
    this.cancel = null;
    if (this.buffer.length === 0 || this.listeners.size === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch {
        // A faulty listener must not stop the others or the cluster.
      }
    }
  }
}
