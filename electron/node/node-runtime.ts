/**
 * One Raft node inside its own process: the host loop around a RaftNodeApi.
 *
 * - Inputs (peer messages, ticks, proposals, step commands) enter the core one at a time. While
 *   a Ready is being persisted, new inputs wait in `queued` and all go into the next Ready: that
 *   is group commit (one durable write per batch) and batched AppendEntries, for free.
 * - Each Ready is handled in the contract's order: persist, then send, then apply, then advance.
 *   Two refinements that keep the contract's safety: committed entries already durable from an
 *   earlier Ready apply before this Ready's write, and a Ready that only moves the commit index
 *   is written without holding anything back (a lost commit index is simply learned again).
 * - Running: the node ticks on its own timer (tickMs / speed). Paused: no ticks; every peer
 *   message that arrives is held in the inbox and reported as pending; only commands move the
 *   node (deliver, drop, fire-timeout, tick-once), and each command's reply lists the ids of the
 *   messages it caused, so the controller can wait until they are held at their receivers.
 */
import { dueTimeout, fireNodeTimeout } from '../../shared/cluster/node-timers';
import { messageId } from '../../shared/cluster/pending-ids';
import { NodeHost, type ReadyIo } from '../../shared/cluster/node-host';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RaftNodeApi } from '../../shared/raft/api';
import type { ConfState, Entry, Message, NodeId, PersistedState, RaftConfig, Ready, Snapshot } from '../../shared/raft/types';
import type { LinkFault, PendingItem } from '../../shared/protocol/lab';
import {
  parseNodeCommand,
  parsePeerEnvelope,
  requestIdOf,
  type AppliedResult,
  type MessageTrace,
  type NodeCommand,
  type NodeEvent,
  type NodeInit,
  type ReadySummary,
  type ReplyBody,
  type ServedRead,
  toProposeReply,
} from '../../shared/protocol/node-ipc';
import { encodeCommand, toKvResult } from '../../shared/kv';
import { createRng, type Rng } from '../../shared/util/rng';
import type { NodeRecord, SendStamp, StartMode } from '../../shared/record/format';
import { RecordingNode } from '../../shared/record/recorder';
import { OutgoingLink, type Outgoing } from './outgoing-link';
import type { ControlPort, PeerPort } from './port-shim';

/** How a node's core is made (RawNode's static factories). */
export interface RaftFactory {
  bootstrap(config: RaftConfig, rng: Rng, conf: ConfState): RaftNodeApi;
  join(config: RaftConfig, rng: Rng): RaftNodeApi;
  restore(config: RaftConfig, rng: Rng, persisted: PersistedState): RaftNodeApi;
}

/** The part of NodeStorage the runtime uses. */
export interface RuntimeStorage {
  load(): PersistedState | null;
  persist(batch: { readonly hardState: Ready['hardState']; readonly entries: readonly Entry[]; readonly snapshot: Snapshot | null }): Promise<void>;
  compact(snapshot: Snapshot): Promise<void>;
  /** A complete SQLite file of everything persisted so far, written atomically to `path`. */
  exportDatabase(path: string): Promise<void>;
  close(): Promise<void>;
}

export interface RuntimeDeps {
  readonly raft: RaftFactory;
  openStorage(dataDir: string, node: NodeId): Promise<RuntimeStorage>;
  /** Ends the process (worker or utility process) with this exit code. */
  exit(code: number): void;
}

/** Raft settings the lab does not expose. */
const MAX_ENTRIES_PER_MSG = 256;
const MAX_INFLIGHT_MSGS = 64;
/** Inbox bound in step mode: beyond it, the oldest held message is dropped (and reported). */
const MAX_INBOX = 10_000;
const STALL_REPORT_MS = 1000;

interface Held {
  readonly id: string;
  readonly message: Message;
  readonly stamp: SendStamp | null;
  readonly heldAtMs: number;
}

type Phase = 'waiting' | 'starting' | 'up' | 'stopping';

export class NodeRuntime {
  private phase: Phase = 'waiting';
  private init: NodeInit | null = null;
  private raft: RaftNodeApi | null = null;
  private storage: RuntimeStorage | null = null;
  /** Carries out Readies (shared with the simulator): state machine, reads, compaction. */
  private host = new NodeHost(null);
  private rng: Rng = createRng(0);
  private readonly links = new Map<NodeId, OutgoingLink>();
  private readonly peerPorts = new Map<NodeId, PeerPort>();
  private paused = false;
  private speed = 1;
  /** Lab ms each message spends on its link (the pace's network time). */
  private networkMs = 0;
  private tickTimer: ReturnType<typeof setTimeout> | null = null;
  /** performance.now() of the next tick while ticking (a speed change keeps the tick's phase). */
  private nextTickAt = 0;
  private stallTimer: ReturnType<typeof setInterval> | null = null;
  private readonly inbox = new Map<string, Held>();
  private msgCounter = 0;

  // The Ready loop
  private pumping: Promise<void> | null = null;
  private pumpScheduled = false;
  private queued: (() => void)[] = [];
  /** Ids sent while a step-mode command runs (null when not collecting). */
  private sentLog: string[] | null = null;

  // Clients
  /** Reads served since the last flush, reported as one `read-served` event. */
  private served: ServedRead[] = [];

  // Reports, flushed together
  private readySummaries: ReadySummary[] = [];
  private traces: MessageTrace[] = [];
  private applied: AppliedResult[] = [];
  private flushScheduled = false;
  // Recording (on when the controller sends a cursor in init)
  private recorder: RecordingNode | null = null;
  private records: NodeRecord[] = [];
  private pendingDirty = false;

  constructor(
    private readonly control: ControlPort,
    private readonly deps: RuntimeDeps,
  ) {
    control.onMessage((raw, ports) => this.onControl(raw, ports));
  }

  // ---------------------------------------------------------------------------------------------
  // Control port

  private onControl(raw: unknown, ports: readonly PeerPort[]): void {
    const parsed = parseNodeCommand(raw);
    if (!parsed.ok) {
      const req = requestIdOf(raw);
      if (req !== null) this.post({ type: 'reply', req, ok: false, error: parsed.error });
      else this.post({ type: 'error', node: this.init?.id ?? 1, detail: parsed.error });
      return;
    }
    const cmd = parsed.value;
    this.handle(cmd, ports).catch((e: unknown) => this.replyError(cmd.req, e));
  }

  private async handle(cmd: NodeCommand, ports: readonly PeerPort[]): Promise<void> {
    if (cmd.type === 'init') return this.start(cmd.req, cmd.init);
    if (cmd.type === 'export-files') return this.exportFiles(cmd.req, cmd.node, cmd.dataDir, cmd.path);
    if (this.phase !== 'up') {
      this.replyError(cmd.req, new Error(`node is ${this.phase}, cannot ${cmd.type}`));
      return;
    }
    const raft = this.core();
    switch (cmd.type) {
      case 'peer-connect': {
        const port = ports[0];
        if (port === undefined) throw new Error(`peer-connect ${cmd.peer}: no port was transferred with the command`);
        this.connectPeer(cmd.peer, port);
        return this.reply(cmd.req, { kind: 'ack', sent: [] });
      }
      case 'set-run':
        this.setRun(cmd.paused, cmd.speed, cmd.networkMs);
        return this.reply(cmd.req, { kind: 'ack', sent: [] });
      case 'deliver': {
        const held = this.takeHeld(cmd.msgId);
        const sent = await this.command(() => this.stepMessage(held.id, held.message, held.stamp));
        return this.reply(cmd.req, { kind: 'ack', sent });
      }
      case 'drop': {
        const held = this.takeHeld(cmd.msgId);
        this.trace({ kind: 'dropped', msgId: held.id, message: held.message, why: 'user' });
        return this.reply(cmd.req, { kind: 'ack', sent: [] });
      }
      case 'fire-timeout': {
        const sent = await this.command(() => this.fireTimeout());
        return this.reply(cmd.req, { kind: 'ack', sent });
      }
      case 'land': {
        const sent: string[] = [];
        for (const link of this.links.values()) sent.push(...link.land());
        return this.reply(cmd.req, { kind: 'ack', sent });
      }
      case 'tick-once': {
        const sent = await this.command(() => raft.tick());
        return this.reply(cmd.req, { kind: 'ack', sent });
      }
      case 'propose': {
        const data = encodeCommand({ client: cmd.client, seq: cmd.seq, op: cmd.op });
        let result: ReturnType<RaftNodeApi['propose']> | null = null;
        const sent = await this.command(() => {
          result = raft.propose(data);
          if (result.ok) this.host.takeProposal(cmd.client, cmd.seq);
        });
        const r = result as ReturnType<RaftNodeApi['propose']> | null;
        if (r === null) throw new Error('propose did not run');
        return this.reply(cmd.req, {
          kind: 'proposed',
          sent,
          result: toProposeReply(r),
        });
      }
      case 'conf-change': {
        let result: ReturnType<RaftNodeApi['proposeConfChange']> | null = null;
        const sent = await this.command(() => {
          result = raft.proposeConfChange(cmd.change);
        });
        const r = result as ReturnType<RaftNodeApi['proposeConfChange']> | null;
        if (r === null) throw new Error('conf-change did not run');
        return this.reply(cmd.req, {
          kind: 'proposed',
          sent,
          result: toProposeReply(r),
        });
      }
      case 'read-index': {
        // The controller's read id is the core's ctx: the ReadState names it when it is safe.
        let result: ReturnType<RaftNodeApi['readIndex']> | null = null;
        const sent = await this.command(() => {
          result = raft.readIndex(cmd.id, { lease: cmd.lease });
          if (result.ok) this.host.takeRead(cmd.id, cmd.key);
        });
        const r = result as ReturnType<RaftNodeApi['readIndex']> | null;
        if (r === null) throw new Error('read-index did not run');
        return this.reply(cmd.req, { kind: 'read-asked', sent, result: r.ok ? { ok: true } : toProposeReply(r) });
      }
      case 'transfer': {
        const sent = await this.command(() => raft.transferLeadership(cmd.to));
        return this.reply(cmd.req, { kind: 'ack', sent });
      }
      case 'set-link-faults':
        this.setFaults(cmd.links, cmd.seed);
        return this.reply(cmd.req, { kind: 'ack', sent: [] });
      case 'status':
        return this.reply(cmd.req, { kind: 'status', status: raft.status(), pending: this.pendingItems() });
      case 'read-log': {
        const s = raft.status();
        return this.reply(cmd.req, { kind: 'log', entries: raft.entries(cmd.lo, cmd.hi), firstIndex: s.firstIndex, lastIndex: s.lastIndex, commit: s.commit });
      }
      case 'export-db': {
        const storage = this.storage;
        if (storage === null) throw new Error('export-db: no storage');
        await storage.exportDatabase(cmd.path);
        return this.reply(cmd.req, { kind: 'ack', sent: [] });
      }
      case 'shutdown':
        return this.shutdown(cmd.req);
    }
  }

  /** A process that only exports a stopped node's database (see the `export-files` command). */
  private async exportFiles(req: number, node: NodeId, dataDir: string, path: string): Promise<void> {
    if (this.phase !== 'waiting') throw new Error(`export-files: node already ${this.phase}`);
    this.phase = 'stopping'; // this process will never run a node
    const storage = await this.deps.openStorage(dataDir, node);
    try {
      await storage.exportDatabase(path);
    } finally {
      await storage.close();
    }
    this.post({ type: 'reply', req, ok: true, body: { kind: 'ack', sent: [] } });
  }

  private async start(req: number, init: NodeInit): Promise<void> {
    if (this.phase !== 'waiting') throw new Error(`init: node already ${this.phase}`);
    this.phase = 'starting';
    this.init = init;
    this.paused = init.paused;
    this.speed = init.speed;
    // One stream per node and start, so restarts draw fresh election timeouts.
    this.rng = createRng((Math.imul(init.seed, 1_000_003) + init.id * 7919 + init.incarnation * 104_729) | 0);
    let storage: RuntimeStorage;
    try {
      storage = await this.deps.openStorage(init.dataDir, init.id);
    } catch (e) {
      // Refusing to start: the controller reports the error (it names the file), the files stay as they are.
      this.replyError(req, e);
      this.deps.exit(2);
      return;
    }
    this.storage = storage;
    const config: RaftConfig = {
      id: init.id,
      heartbeatTicks: init.heartbeatTicks,
      electionTicks: init.electionTicks,
      preVote: init.preVote,
      checkQuorum: init.checkQuorum,
      maxEntriesPerMsg: MAX_ENTRIES_PER_MSG,
      maxInflightMsgs: MAX_INFLIGHT_MSGS,
      leaseRead: false,
    };
    const persisted = storage.load();
    const coreRng = this.rng.fork();
    if (persisted !== null) {
      this.raft = this.makeCore({ type: 'restore', persisted }, config, coreRng);
      this.host = new NodeHost(persisted);
    } else if (init.start.kind === 'bootstrap') {
      this.raft = this.makeCore({ type: 'bootstrap', conf: { voters: [...init.start.voters].sort((a, b) => a - b), learners: [] } }, config, coreRng);
    } else {
      this.raft = this.makeCore({ type: 'join' }, config, coreRng);
    }
    this.phase = 'up';
    this.post({
      type: 'started',
      node: init.id,
      incarnation: init.incarnation,
      restored: persisted !== null,
      persisted: init.reportReadies ? persisted : null,
      status: this.raft.status(),
    });
    this.startStallMonitor();
    if (!this.paused) this.startTicking();
    await this.pump();
    this.reply(req, { kind: 'ack', sent: [] });
  }

  private async shutdown(req: number): Promise<void> {
    this.phase = 'stopping';
    this.stopTicking();
    if (this.stallTimer) clearInterval(this.stallTimer);
    await this.pump();
    for (const link of this.links.values()) link.clear();
    await this.storage?.close();
    this.reply(req, { kind: 'ack', sent: [] });
    for (const port of this.peerPorts.values()) port.close();
    this.peerPorts.clear();
    // Let the reply leave before the process ends.
    setTimeout(() => this.deps.exit(0), 10);
  }

  // ---------------------------------------------------------------------------------------------
  // Peers

  private connectPeer(peer: NodeId, port: PeerPort): void {
    this.peerPorts.get(peer)?.close();
    this.peerPorts.set(peer, port);
    this.link(peer).setPort(port);
    port.onMessage((raw) => this.onPeer(peer, raw));
    port.onClose(() => {
      if (this.peerPorts.get(peer) !== port) return;
      this.peerPorts.delete(peer);
      this.links.get(peer)?.setPort(null);
    });
  }

  private link(to: NodeId): OutgoingLink {
    let link = this.links.get(to);
    if (link === undefined) {
      link = new OutgoingLink(to, this.rng.fork(), {
        sent: (item) => {
          this.sentLog?.push(item.id);
          this.trace({ kind: 'sent', msgId: item.id, message: item.message });
        },
        dropped: (item, why) => this.trace({ kind: 'dropped', msgId: item.id, message: item.message, why }),
        nextId: (peer) => this.nextMessageId(peer),
      });
      link.setTiming(this.timing());
      this.links.set(to, link);
    }
    return link;
  }

  private setFaults(links: readonly { readonly to: NodeId; readonly fault: LinkFault }[], seed: number): void {
    const rng = createRng(seed);
    for (const { to, fault } of links) this.link(to).setFault(fault, rng.fork());
  }

  private onPeer(from: NodeId, raw: unknown): void {
    if (this.phase !== 'up') return;
    const parsed = parsePeerEnvelope(raw);
    if (!parsed.ok) {
      this.post({ type: 'error', node: this.id, detail: `from node ${from}: ${parsed.error}` });
      return;
    }
    for (const { id, message, stamp } of parsed.value.items) {
      if (message.from !== from) {
        this.post({ type: 'error', node: this.id, detail: `node ${from} sent a message claiming to be from ${message.from}; dropped` });
        continue;
      }
      if (this.paused) {
        this.hold({ id, message, stamp: stamp ?? null, heldAtMs: Date.now() });
      } else {
        this.input(() => this.stepMessage(id, message, stamp ?? null));
      }
    }
  }

  private hold(item: Held): void {
    if (this.inbox.size >= MAX_INBOX) {
      const oldest = this.inbox.values().next().value;
      if (oldest !== undefined) {
        this.inbox.delete(oldest.id);
        this.trace({ kind: 'dropped', msgId: oldest.id, message: oldest.message, why: 'loss' });
      }
    }
    this.inbox.set(item.id, item);
    this.markPendingDirty();
  }

  private takeHeld(msgId: string): Held {
    const held = this.inbox.get(msgId);
    if (held === undefined) throw new Error(`no pending message ${msgId} at node ${this.id}`);
    this.inbox.delete(msgId);
    this.markPendingDirty();
    return held;
  }

  private stepMessage(id: string, message: Message, stamp: SendStamp | null): void {
    this.trace({ kind: 'delivered', msgId: id, message });
    if (this.recorder !== null) this.recorder.step(message, stamp);
    else this.core().step(message);
  }

  /** Builds the core; wrapped in a RecordingNode when the controller records this run. */
  private makeCore(mode: StartMode, config: RaftConfig, rng: Rng): RaftNodeApi {
    const cursor = this.init?.record;
    if (cursor === undefined || cursor === null) {
      if (mode.type === 'restore') return this.deps.raft.restore(config, rng, mode.persisted);
      return mode.type === 'bootstrap' ? this.deps.raft.bootstrap(config, rng, mode.conf) : this.deps.raft.join(config, rng);
    }
    this.recorder = RecordingNode.start(this.deps.raft, mode, config, rng, {
      sink: (record) => {
        this.records.push(record);
        this.scheduleFlush();
      },
      clock: Date.now,
      resume: cursor,
    });
    return this.recorder;
  }

  private nextMessageId(to: NodeId): string {
    return messageId(this.id, this.init?.incarnation ?? 0, ++this.msgCounter, to);
  }

  // ---------------------------------------------------------------------------------------------
  // Time and step mode

  /**
   * Pause or run at `speed` with `networkMs` on every link. A speed change while running keeps
   * the current tick's phase and rescales the messages on their way, so lab time stays exact.
   */
  private setRun(paused: boolean, speed: number, networkMs: number): void {
    const ticking = this.tickTimer !== null;
    const leftMs = ticking ? Math.max(0, this.nextTickAt - performance.now()) : 0;
    const oldSpeed = this.speed;
    this.speed = speed;
    this.networkMs = networkMs;
    this.paused = paused;
    this.stopTicking();
    for (const link of this.links.values()) link.setTiming(this.timing());
    if (paused) {
      this.markPendingDirty();
      return;
    }
    // Resuming delivers what was held, in arrival order.
    const held = [...this.inbox.values()];
    this.inbox.clear();
    for (const item of held) this.input(() => this.stepMessage(item.id, item.message, item.stamp));
    this.markPendingDirty();
    this.startTicking(ticking ? leftMs * (oldSpeed / speed) : undefined);
  }

  private timing(): { readonly paused: boolean; readonly speed: number; readonly networkMs: number } {
    return { paused: this.paused, speed: this.speed, networkMs: this.networkMs };
  }

  /** Ticks every tickMs / speed real ms, the first after `firstInMs` (default: a whole tick). */
  private startTicking(firstInMs?: number): void {
    const init = this.init;
    if (init === null || this.tickTimer !== null) return;
    const periodMs = Math.max(1, init.tickMs / this.speed);
    this.nextTickAt = performance.now() + (firstInMs ?? periodMs);
    const arm = (): void => {
      const timer = setTimeout(() => {
        this.input(() => this.core().tick());
        if (this.tickTimer !== timer) return; // stopped meanwhile
        // On a schedule, not a chain of delays: late timers do not add up; far behind, start afresh.
        const now = performance.now();
        this.nextTickAt = this.nextTickAt + periodMs < now - periodMs ? now + periodMs : this.nextTickAt + periodMs;
        arm();
      }, Math.max(0, this.nextTickAt - performance.now()));
      this.tickTimer = timer;
    };
    arm();
  }

  private stopTicking(): void {
    if (this.tickTimer !== null) clearTimeout(this.tickTimer);
    this.tickTimer = null;
  }

  private fireTimeout(): void {
    fireNodeTimeout(this.core(), this.init?.heartbeatTicks ?? 1);
  }

  private pendingItems(): PendingItem[] {
    if (!this.paused || this.raft === null) return [];
    const items: PendingItem[] = [...this.inbox.values()].map((h) => ({ kind: 'message', id: h.id, message: h.message, heldAtMs: h.heldAtMs }));
    const due = dueTimeout(this.raft.status(), this.init?.heartbeatTicks ?? 1);
    if (due !== null) items.push(due);
    return items;
  }

  private markPendingDirty(): void {
    this.pendingDirty = true;
    this.scheduleFlush();
  }

  // ---------------------------------------------------------------------------------------------
  // The Ready loop

  /** Feeds one input to the core now, or after the Ready in flight (then it joins the next batch). */
  private input(fn: () => void): void {
    if (this.phase !== 'up') return;
    if (this.pumping !== null) {
      this.queued.push(fn);
      return;
    }
    try {
      fn();
    } catch (e) {
      this.fatal(e);
      return;
    }
    this.schedulePump();
  }

  /**
   * Runs a command's input and, in step mode, waits until everything it caused is handled,
   * returning the ids of the messages sent meanwhile. Running, it returns at once.
   */
  private async command(fn: () => void): Promise<string[]> {
    if (!this.paused) {
      await new Promise<void>((resolve, reject) => {
        const run = (): void => {
          try {
            fn();
            resolve();
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        };
        if (this.pumping !== null) {
          this.queued.push(run);
        } else {
          run();
          this.schedulePump();
        }
      });
      return [];
    }
    // Never touch the core between a ready() and its advance(): wait until no Ready is in flight.
    while (this.pumping !== null) await this.pumping;
    const log: string[] = [];
    this.sentLog = log;
    try {
      fn();
      await this.pump();
    } finally {
      this.sentLog = null;
    }
    this.markPendingDirty();
    return log;
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.pumping !== null) return;
    this.pumpScheduled = true;
    // After the current I/O phase, so every message already waiting on the ports joins this Ready.
    setImmediate(() => {
      this.pumpScheduled = false;
      void this.pump();
    });
  }

  /** Handles Readies until none is left; concurrent calls share the run in progress. */
  private pump(): Promise<void> {
    if (this.pumping !== null) return this.pumping;
    const run = this.runReadies().finally(() => {
      this.pumping = null;
      if (this.queued.length > 0) this.schedulePump();
    });
    this.pumping = run;
    return run;
  }

  private async runReadies(): Promise<void> {
    const raft = this.raft;
    if (raft === null) return;
    try {
      for (;;) {
        if (this.queued.length > 0) {
          const inputs = this.queued;
          this.queued = [];
          for (const fn of inputs) fn();
        }
        if (!raft.hasReady()) break;
        const ready = raft.ready();
        await this.handleReady(ready);
        raft.advance(ready);
        await this.maybeSnapshot();
      }
    } catch (e) {
      this.fatal(e);
    }
  }

  private async handleReady(ready: Ready): Promise<void> {
    const init = this.init;
    if (init === null) throw new Error('not initialised');
    let persistMs = 0;
    await this.host.carryOut(ready, this.readyIo((ms) => (persistMs = ms)));

    const first = ready.entries[0];
    const last = ready.entries[ready.entries.length - 1];
    const firstApplied = ready.committedEntries[0];
    const lastApplied = ready.committedEntries[ready.committedEntries.length - 1];
    this.readySummaries.push({
      ready: init.reportReadies ? ready : null,
      softState: ready.softState,
      hardState: ready.hardState,
      entriesFrom: first?.index ?? 0,
      entriesTo: last ? last.index + 1 : 0,
      snapshot: ready.snapshot?.meta ?? null,
      committedFrom: firstApplied?.index ?? 0,
      committedTo: lastApplied ? lastApplied.index + 1 : 0,
      messagesSent: ready.messages.length,
      persistMs,
    });
    this.scheduleFlush();
  }

  /** What carrying out a Ready does in a node process: SQLite, the peer ports, reports to the controller. */
  private readyIo(tookMs: (ms: number) => void): ReadyIo {
    return {
      persist: (rd, behind) => {
        const storage = this.storage;
        if (storage === null) throw new Error('no storage');
        const batch = { hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot };
        // Storage keeps writes in order; a failed write behind is fatal all the same.
        if (behind) return void storage.persist(batch).catch((e: unknown) => this.fatal(e));
        const t0 = performance.now();
        return storage.persist(batch).then(() => tookMs(performance.now() - t0));
      },
      send: (messages) => this.send(messages),
      applied: (entry) => {
        if (entry.kind === 'conf') {
          this.post({ type: 'conf-applied', node: this.id, index: entry.index, term: entry.term, change: entry.change });
        }
        this.scheduleFlush();
      },
      answered: (outcome) => void this.applied.push({ client: outcome.client, seq: outcome.seq, result: toKvResult(outcome, this.id) }),
      // The controller asks again elsewhere when the node it asked stops leading.
      served: (id, index, value) => void this.served.push({ id, value, index }),
    };
  }

  private send(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const byPeer = new Map<NodeId, Outgoing[]>();
    for (const message of messages) {
      let list = byPeer.get(message.to);
      if (list === undefined) byPeer.set(message.to, (list = []));
      list.push({ id: this.nextMessageId(message.to), message, stamp: this.recorder?.stampOf(message) ?? null });
    }
    for (const [to, items] of byPeer) this.link(to).send(items, this.timing());
  }

  /** Takes a snapshot every `snapshotEvery` applied entries (the rule: shared/cluster/node-host.ts). */
  private async maybeSnapshot(): Promise<void> {
    const init = this.init;
    const raft = this.raft;
    const storage = this.storage;
    if (init === null || raft === null || storage === null) return;
    await this.host.maybeCompact(raft, init.snapshotEvery, async (snapshot) => {
      await storage.compact(snapshot);
      this.post({ type: 'compacted', node: this.id, index: snapshot.meta.index });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Reporting

  private get id(): NodeId {
    return this.init?.id ?? 1;
  }

  private core(): RaftNodeApi {
    if (this.raft === null) throw new Error('node not initialised');
    return this.raft;
  }

  private trace(t: MessageTrace): void {
    if (!this.init?.traceMessages) return;
    this.traces.push(t);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Posts the batched reports. Replies flush first, so a reply never overtakes what caused it. */
  private flush(): void {
    this.flushScheduled = false;
    const node = this.id;
    const atMs = Date.now();
    // Records first: a Ready report or reply never arrives before the inputs that caused it.
    if (this.records.length > 0) {
      this.post({ type: 'records', node, records: this.records });
      this.records = [];
    }
    if (this.readySummaries.length > 0) {
      this.post({ type: 'ready', node, atMs, summaries: this.readySummaries });
      this.readySummaries = [];
    }
    if (this.traces.length > 0) {
      this.post({ type: 'trace', node, atMs, traces: this.traces });
      this.traces = [];
    }
    if (this.applied.length > 0) {
      this.post({ type: 'applied', node, results: this.applied });
      this.applied = [];
    }
    if (this.served.length > 0) {
      this.post({ type: 'read-served', node, reads: this.served });
      this.served = [];
    }
    if (this.pendingDirty) {
      this.pendingDirty = false;
      this.post({ type: 'pending', node, items: this.pendingItems() });
    }
  }

  private post(event: NodeEvent): void {
    this.control.post(event);
  }

  private reply(req: number, body: ReplyBody): void {
    this.flush();
    this.post({ type: 'reply', req, ok: true, body });
  }

  private replyError(req: number, e: unknown): void {
    this.flush();
    this.post({ type: 'reply', req, ok: false, error: e instanceof Error ? e.message : String(e) });
  }

  /** An error the node cannot continue after: report it, then crash the process. */
  private fatal(e: unknown): void {
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    this.phase = 'stopping';
    this.stopTicking();
    this.flush();
    this.post({ type: 'error', node: this.id, detail: `fatal: ${detail}` });
    setTimeout(() => this.deps.exit(1), 10);
  }

  private startStallMonitor(): void {
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    this.stallTimer = setInterval(() => {
      // The histogram counts the timer's own resolution as delay; take it off.
      const maxBlockedMs = Math.max(0, histogram.max / 1e6 - 5);
      histogram.reset();
      this.post({ type: 'loop-stall', node: this.id, maxBlockedMs });
    }, STALL_REPORT_MS);
  }
}



