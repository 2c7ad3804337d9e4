/**
 * The sender's side of one directed link: applies the controller's faults (cut, loss, delay with
 * jitter, duplication, reordering) to outgoing Raft messages with a seeded generator, then posts
 * them on the peer port. Faults live at the sender so a cut costs nothing on the wire and the
 * main process never touches peer traffic.
 *
 * In step mode (`paused`), delay and reordering are skipped: the receiver holds every message in
 * its inbox and the person chooses the order; cut, loss and duplication still apply.
 */
import type { Message, NodeId } from '../../shared/raft/types';
import type { LinkFault } from '../../shared/protocol/lab';
import { HEALTHY_LINK } from '../../shared/protocol/lab';
import type { PeerEnvelope } from '../../shared/protocol/node-ipc';
import type { SendStamp } from '../../shared/record/format';
import type { Rng } from '../../shared/util/rng';
import type { PeerPort } from './port-shim';

export interface Outgoing {
  readonly id: string;
  readonly message: Message;
  /** The sender's recording stamp, carried to the receiver so it records where the message came from. */
  readonly stamp?: SendStamp | null;
}

export type LinkDrop = 'cut' | 'loss' | 'crashed';

export interface LinkEvents {
  /** A message was put on the wire (`id` may be a fresh id for a duplicate). */
  sent(item: Outgoing): void;
  dropped(item: Outgoing, why: LinkDrop): void;
  /** A fresh message id, for duplicates. */
  nextId(to: NodeId): string;
}

/** How long a reordered message waits for a later one to overtake it before it goes anyway. */
const REORDER_HOLD_MS = 20;
/** A bound on messages held for delay or reordering on one link; beyond it they are lost. */
const MAX_HELD = 10_000;

export class OutgoingLink {
  private port: PeerPort | null = null;
  private fault: LinkFault = HEALTHY_LINK;
  private held: Outgoing[] = [];
  private heldTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    readonly to: NodeId,
    private rng: Rng,
    private readonly events: LinkEvents,
  ) {}

  setPort(port: PeerPort | null): void {
    this.port = port;
  }

  get connected(): boolean {
    return this.port !== null;
  }

  setFault(fault: LinkFault, rng: Rng): void {
    this.fault = fault;
    this.rng = rng;
  }

  /** Sends a batch (one Ready's messages for this peer). */
  send(items: readonly Outgoing[], paused: boolean): void {
    const f = this.fault;
    const now: Outgoing[] = [];
    for (const item of items) {
      if (f.cut) {
        this.events.dropped(item, 'cut');
        continue;
      }
      if (f.loss > 0 && this.rng.next() < f.loss) {
        this.events.dropped(item, 'loss');
        continue;
      }
      const copies: Outgoing[] = [item];
      if (f.duplicate > 0 && this.rng.next() < f.duplicate) copies.push({ id: this.events.nextId(this.to), message: item.message, stamp: item.stamp ?? null });
      for (const copy of copies) {
        if (paused) {
          now.push(copy);
        } else if (f.reorder > 0 && this.rng.next() < f.reorder && this.held.length < MAX_HELD) {
          this.hold(copy);
        } else if (f.delayMs > 0 || f.jitterMs > 0) {
          this.delay(copy, f.delayMs + this.rng.next() * f.jitterMs);
        } else {
          now.push(copy);
        }
      }
    }
    if (now.length > 0) {
      this.post(now);
      // A held (reordered) message goes right after a later one has overtaken it.
      this.releaseHeld();
    }
  }

  /** Drops everything held (the node is stopping or the peer went away). */
  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    this.held = [];
  }

  private post(items: readonly Outgoing[]): void {
    const port = this.port;
    if (port === null) {
      for (const item of items) this.events.dropped(item, 'crashed');
      return;
    }
    const envelope: PeerEnvelope = { type: 'raft', items };
    port.post(envelope);
    for (const item of items) this.events.sent(item);
  }

  private hold(item: Outgoing): void {
    this.held.push(item);
    if (this.heldTimer === null) {
      this.heldTimer = setTimeout(() => {
        this.heldTimer = null;
        this.releaseHeld();
      }, REORDER_HOLD_MS);
    }
  }

  private releaseHeld(): void {
    if (this.held.length === 0) return;
    const items = this.held;
    this.held = [];
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = null;
    this.post(items);
  }

  private delay(item: Outgoing, ms: number): void {
    if (this.timers.size >= MAX_HELD) {
      this.events.dropped(item, 'loss');
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.post([item]);
    }, ms);
    this.timers.add(timer);
  }
}
