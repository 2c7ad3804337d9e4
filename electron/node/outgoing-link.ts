/**
 * The sender's side of one directed link: applies the controller's faults (cut, loss, delay with
 * jitter, duplication, reordering) to outgoing Raft messages with a seeded generator, then posts
 * them on the peer port. Faults live at the sender so a cut costs nothing on the wire and the
 * main process never touches peer traffic. What a message meets is the lab's one link model
 * (shared/cluster/link-model.ts), which the simulated network uses too.
 *
 * Running, every message spends the pace's network time plus the link's delay (with jitter, and
 * for a reordered one a hold that lets later ones overtake it) on the link, in lab ms, so at
 * speed s it arrives after that many ms / s of real time; it counts as
 * sent when it leaves and as delivered when it arrives. A speed change rescales what is left of
 * every message's journey. Messages on their way are in the network, not in the node: pausing the
 * sender does not stop them; `land` (the cluster pausing) delivers them all at once to the paused
 * receivers, which hold them for the person to step.
 *
 * In step mode (`paused`), delay and reordering are skipped: the receiver holds every message in
 * its inbox and the person chooses the order; cut, loss and duplication still apply.
 */
import type { Message, NodeId } from '../../shared/raft/types';
import type { LinkFault } from '../../shared/protocol/lab';
import { HEALTHY_LINK } from '../../shared/protocol/lab';
import { copyDelayMs, effectiveLink, isDuplicated, isLost } from '../../shared/cluster/link-model';
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

/** The lab's pace as a link applies it. */
export interface LinkTiming {
  readonly paused: boolean;
  readonly speed: number;
  /** Lab ms every message spends on the link before the fault's delay. */
  readonly networkMs: number;
}

interface Delayed {
  readonly item: Outgoing;
  readonly timer: ReturnType<typeof setTimeout>;
  /** performance.now() at which it arrives. */
  readonly dueAt: number;
}

/** A bound on messages on their way on one link; beyond it they are lost. */
const MAX_HELD = 10_000;

export class OutgoingLink {
  private port: PeerPort | null = null;
  private fault: LinkFault = HEALTHY_LINK;
  /** Messages on their way, in the order they left. */
  private readonly delayed = new Set<Delayed>();
  private speed = 1;

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

  /** The pace changed: on a speed change what is left of each journey is rescaled, so lab time on the wire stays exact. */
  setTiming(timing: LinkTiming): void {
    const old = this.speed;
    this.speed = timing.speed;
    if (old === timing.speed) return;
    const now = performance.now();
    const all = [...this.delayed];
    this.delayed.clear();
    for (const d of all) {
      clearTimeout(d.timer);
      this.delayed.add(this.arm(d.item, now + Math.max(0, d.dueAt - now) * (old / timing.speed)));
    }
  }

  /** Sends a batch (one Ready's messages for this peer). */
  send(items: readonly Outgoing[], timing: LinkTiming): void {
    const link = effectiveLink({ ...HEALTHY_LINK, delayMs: timing.networkMs }, this.fault);
    const now: Outgoing[] = [];
    for (const item of items) {
      if (link.cut) {
        this.events.dropped(item, 'cut');
        continue;
      }
      if (isLost(link, this.rng)) {
        this.events.dropped(item, 'loss');
        continue;
      }
      const copies: Outgoing[] = [item];
      if (isDuplicated(link, this.rng)) copies.push({ id: this.events.nextId(this.to), message: item.message, stamp: item.stamp ?? null });
      for (const copy of copies) {
        // Step mode: the receiver holds every message and the person chooses the order.
        const ms = timing.paused ? 0 : copyDelayMs(link, this.rng);
        if (ms > 0) this.delay(copy, ms / timing.speed);
        else now.push(copy);
      }
    }
    if (now.length > 0) this.post(now);
  }

  /** Paused: every message on its way arrives now; returns their ids (the receiver holds them). */
  land(): string[] {
    const items = [...this.delayed].map((d) => d.item);
    for (const d of this.delayed) clearTimeout(d.timer);
    this.delayed.clear();
    if (items.length > 0) this.post(items, false);
    return this.port === null ? [] : items.map((i) => i.id);
  }

  /** Drops everything on its way (the node is stopping or the peer went away). */
  clear(): void {
    for (const d of this.delayed) clearTimeout(d.timer);
    this.delayed.clear();
  }

  /** Puts items on the port; `announce` false for delayed ones, reported sent when they left. */
  private post(items: readonly Outgoing[], announce = true): void {
    const port = this.port;
    if (port === null) {
      for (const item of items) this.events.dropped(item, 'crashed');
      return;
    }
    const envelope: PeerEnvelope = { type: 'raft', items };
    port.post(envelope);
    if (announce) for (const item of items) this.events.sent(item);
  }

  private delay(item: Outgoing, ms: number): void {
    if (this.delayed.size >= MAX_HELD) {
      this.events.dropped(item, 'loss');
      return;
    }
    this.events.sent(item);
    this.delayed.add(this.arm(item, performance.now() + ms));
  }

  /** A message on its way that arrives at `dueAt`. */
  private arm(item: Outgoing, dueAt: number): Delayed {
    const d: Delayed = {
      item,
      dueAt,
      timer: setTimeout(() => {
        this.delayed.delete(d);
        this.post([item], false);
      }, Math.max(0, dueAt - performance.now())),
    };
    return d;
  }
}
