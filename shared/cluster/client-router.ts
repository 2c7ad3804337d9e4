/**
 * The lab's client: requests to the replicated KV store routed to the leader, redirected by
 * leader hints, retried when an attempt runs out of time, and kept exactly-once. Written once for
 * the live lab (node processes, wall-clock time) and the simulator (virtual time); each engine
 * supplies a ClientHost and a clock.
 *
 * Each request belongs to a client session (KvClientSession): every retry proposes the same
 * (client, seq) again, so the state machine applies it at most once and answers a retry with the
 * cached result. A client has one request in flight at a time; requests without a named client
 * borrow an idle automatic client. A get may instead be read linearizably at the leader
 * (`SubmitOptions.read`: a ReadIndex round or a lease): not a session command, but routed,
 * redirected and retried the same way, each attempt with a read id of its own.
 *
 * Written as callbacks, not async code, so that a simulator whose host answers at once runs a
 * request to its end inside one simulated instant; a host that answers with a promise (a node
 * process) works the same way, later.
 */
import type { NodeId } from '../raft/types';
import { readModeProblem, type KvOp, type KvResult, type SubmitOptions } from '../protocol/lab';
import type { AppliedResult, ProposeReply, ReadAskReply, ServedRead } from '../protocol/node-ipc';
import { KvClientSession } from '../kv';
import type { LabClock } from './clock';


/** A reply now (a simulated node) or later (a node process); a throw or rejection: the node could not be asked. */
type Answer<T> = T | Promise<T>;

export interface ClientHost {
  /** The node believed to lead, or null when none is known. */
  leaderHint(): NodeId | null;
  /** Nodes that are up, to try when no leader is known. */
  liveNodes(): readonly NodeId[];
  propose(node: NodeId, client: string, seq: number, op: KvOp, timeoutMs: number): Answer<ProposeReply>;
  /** Ask `node` for a linearizable read of `key` named `id` (answered later through onReadServed). */
  read(node: NodeId, id: string, key: string, lease: boolean, timeoutMs: number): Answer<ReadAskReply>;
  /** How long one attempt waits for its entry to apply before retrying (a few election timeouts). */
  attemptMs(): number;
  /** The cluster is paused (step mode): nothing commits unless the user steps it. */
  paused(): boolean;
  /** A request starts: `seq` is its request number (0 for a read at the leader, `read` its mode). */
  invoked(opId: string, client: string, seq: number, op: KvOp, read?: 'read-index' | 'lease'): void;
  completed(opId: string, result: KvResult): void;
  /** The last request number `client` used in the cluster's state (a recorded run's client), 0 if none. */
  lastSeq(client: string): number;
}

/** How long one client attempt waits for its entry: three election timeouts (in the engine's ms), from 300 ms to 5 s. */
export function clientAttemptMs(electionMs: number): number {
  return Math.min(5000, Math.max(300, 3 * electionMs));
}

/** Bound on automatic clients (each is a session in every replica's state machine). */
const MAX_AUTO_CLIENTS = 256;
/** Pause before trying again when no leader is known. */
const NO_LEADER_BACKOFF_MS = 20;
/** Upper bound on one ask of one node (a node process that does not answer). */
const ASK_TIMEOUT_MS = 1000;

interface ClientSlot {
  readonly session: KvClientSession;
  busy: boolean;
  readonly queue: (() => void)[];
}

/** One request in flight: its attempts until it is answered, out of time, or stopped. */
interface Flight {
  readonly kind: 'write' | 'read';
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Asked of exactly this node: one attempt, no redirect. */
  readonly only: NodeId | undefined;
  target: NodeId | null;
  tried: number;
  /** Redirects followed since the last pause or acceptance (stale hints must not loop forever). */
  hops: number;
  sawLeader: boolean;
  lastProblem: string;
  ended: boolean;
  /** Undoes the current wait (timer, wake registration). */
  cancel: (() => void) | null;
  readonly finish: (result: KvResult) => void;
}

export class ClientRouter {
  private readonly clients = new Map<string, ClientSlot>();
  private readonly flights = new Set<Flight>();
  /** Writes waiting for their entry to apply, by `client#seq`. */
  private readonly waiters = new Map<string, (result: KvResult) => void>();
  /** Linearizable reads waiting for their answer, by read id (one per attempt). */
  private readonly readWaiters = new Map<string, (node: NodeId, read: ServedRead) => void>();
  /** Requests waiting at the node that accepted them: woken early if it stops leading. */
  private readonly accepted = new Map<NodeId, Set<() => void>>();
  /** Requests backing off because no node led: woken as soon as one does. */
  private readonly backingOff = new Set<() => void>();
  private opCounter = 0;
  private autoCounter = 0;
  private stopped = false;
  private stoppedResult: KvResult = { ok: false, error: 'stopped', detail: 'the cluster was destroyed' };

  constructor(
    private readonly host: ClientHost,
    private readonly clock: LabClock,
  ) {}

  /** Results applied on some node: the requests waiting for them are answered. */
  onApplied(results: readonly AppliedResult[]): void {
    for (const r of results) this.waiters.get(`${r.client}#${r.seq}`)?.(r.result);
  }

  /** Reads served on `node`: the requests waiting for them are answered. */
  onReadServed(node: NodeId, reads: readonly ServedRead[]): void {
    for (const r of reads) this.readWaiters.get(r.id)?.(node, r);
  }

  /** A leader became known: requests backing off try it now rather than at the end of their pause. */
  onLeaderKnown(): void {
    const wakers = [...this.backingOff];
    this.backingOff.clear();
    for (const wake of wakers) wake();
  }

  /** `node` stopped leading (or died): requests it accepted move on now rather than at their timeout. */
  onLeaderLost(node: NodeId): void {
    const wakers = this.accepted.get(node);
    if (wakers === undefined) return;
    this.accepted.delete(node);
    for (const wake of [...wakers]) wake();
  }

  /** Answers every request in flight, and any asked later, with `stopped` (the cluster is going away). */
  stop(detail = 'the cluster was destroyed'): void {
    this.stopped = true;
    this.stoppedResult = { ok: false, error: 'stopped', detail };
    for (const f of [...this.flights]) this.end(f, this.stoppedResult);
  }

  submit(op: KvOp, options: SubmitOptions = {}): Promise<KvResult> {
    try {
      return new Promise((resolve) => this.request(op, options, resolve));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** As `submit`, answered through `done` (exactly once). Throws at once on a malformed request. */
  request(op: KvOp, options: SubmitOptions, done: (result: KvResult) => void): void {
    const timeoutMs = options.timeoutMs ?? 5000;
    if (!(timeoutMs > 0)) throw new Error(`submit: timeoutMs must be positive, got ${timeoutMs}`);
    const problem = readModeProblem(op, options.read);
    if (problem !== null) throw new Error(`submit: ${problem}`);
    const read = op.type === 'get' && (options.read === 'read-index' || options.read === 'lease') ? options.read : null;
    this.acquire(options.client, (slot) => {
      const opId = `op${++this.opCounter}`;
      const answer = (result: KvResult): void => {
        if (read === null) slot.session.finish();
        this.host.completed(opId, result);
        done(result);
        this.release(slot);
      };
      if (this.stopped) {
        answer(this.stoppedResult);
        return;
      }
      if (read !== null) {
        this.host.invoked(opId, slot.session.client, 0, op, read);
        this.startRead(opId, op.key, read === 'lease', options.node, timeoutMs, answer);
        return;
      }
      const command = slot.session.begin(op);
      this.host.invoked(opId, command.client, command.seq, command.op);
      this.startWrite(command.client, command.seq, command.op, options.node, timeoutMs, answer);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Writes

  private startWrite(client: string, seq: number, op: KvOp, only: NodeId | undefined, timeoutMs: number, done: (r: KvResult) => void): void {
    const key = `${client}#${seq}`;
    const f = this.flight(timeoutMs, only, (result) => {
      this.waiters.delete(key);
      done(result);
    });
    this.waiters.set(key, (result) => this.end(f, result));
    if (only === undefined) this.attemptWrite(f, client, seq, op);
    else this.writeAt(f, only, client, seq, op);
  }

  private attemptWrite(f: Flight, client: string, seq: number, op: KvOp): void {
    const again = (): void => this.attemptWrite(f, client, seq, op);
    const target = this.nextTarget(f, again);
    if (target === null) return;
    this.ask(() => this.host.propose(target, client, seq, op, Math.min(this.left(f), ASK_TIMEOUT_MS)), f, (reply) => {
      if (reply instanceof Error) return this.unreachable(f, reply, again);
      if (!reply.ok) return this.redirect(f, target, reply, again);
      f.sawLeader = true;
      f.hops = 0;
      const startedMs = this.clock.now();
      // While paused the wait goes on: proposing the entry again would only put another copy of
      // it in the leader's log.
      this.waitAt(f, target, false, () => {
        f.lastProblem = `node ${target} accepted it as index ${reply.index} but it did not apply within ${this.clock.now() - startedMs} ms`;
        f.target = null; // ask again who leads; the retry keeps the same seq, so it applies at most once
        again();
      });
    });
  }

  /**
   * One attempt at exactly `node`, no redirect and no retry: a node that does not lead answers
   * with its leader hint; one that accepts (perhaps a stale leader) is waited on until the entry
   * applies, the node stops leading, or the time is up.
   */
  private writeAt(f: Flight, node: NodeId, client: string, seq: number, op: KvOp): void {
    this.ask(() => this.host.propose(node, client, seq, op, Math.min(f.timeoutMs, ASK_TIMEOUT_MS)), f, (reply) => {
      if (reply instanceof Error) return this.end(f, { ok: false, error: 'no-leader', detail: `node ${node} could not be asked: ${reply.message}` });
      if (!reply.ok) return this.end(f, refusedAt(node, reply));
      this.waitAt(f, node, true, (stillLeading) => {
        const at = `node ${node} accepted it as index ${reply.index} (term ${reply.term})`;
        this.end(f, stillLeading
          ? { ok: false, error: 'timeout', detail: `${at} but it did not commit within ${f.timeoutMs} ms` }
          : { ok: false, error: 'not-leader', detail: `${at} but stopped leading before it committed` });
      });
    });
  }

  // -------------------------------------------------------------------------------------------
  // Reads at the leader

  /** Any attempt's read id answering completes the read, since each was asked within it. */
  private startRead(opId: string, key: string, lease: boolean, only: NodeId | undefined, timeoutMs: number, done: (r: KvResult) => void): void {
    const ids: string[] = [];
    const f = this.flight(timeoutMs, only, (result) => {
      for (const id of ids) this.readWaiters.delete(id);
      done(result);
    }, 'read');
    const attempt = (): void => {
      const target = only ?? this.nextTarget(f, attempt);
      if (target === null) return;
      const id = `${opId}.${ids.length + 1}`;
      ids.push(id);
      this.readWaiters.set(id, (node, read) => this.end(f, { ok: true, value: read.value, index: read.index, leader: node }));
      this.ask(() => this.host.read(target, id, key, lease, Math.min(Math.max(0, this.left(f)), ASK_TIMEOUT_MS)), f, (reply) => {
        if (reply instanceof Error) {
          if (only !== undefined) return this.end(f, { ok: false, error: 'no-leader', detail: `node ${only} could not be asked: ${reply.message}` });
          return this.unreachable(f, reply, attempt);
        }
        if (!reply.ok) {
          if (only !== undefined) return this.end(f, refusedAt(only, { ...reply, detail: '' }));
          return this.redirect(f, target, reply, attempt);
        }
        f.sawLeader = true;
        f.hops = 0;
        this.waitAt(f, target, only !== undefined, (stillLeading) => {
          f.lastProblem = stillLeading ? `node ${target} took the read but did not answer in time` : `node ${target} stopped leading before it could answer`;
          if (only !== undefined) return this.end(f, { ok: false, error: stillLeading ? 'timeout' : 'not-leader', detail: f.lastProblem });
          f.target = null; // ask again who leads, with a new read id
          attempt();
        });
      });
    };
    attempt();
  }

  // -------------------------------------------------------------------------------------------
  // Attempts, waits and the end of a request

  private flight(timeoutMs: number, only: NodeId | undefined, finish: (r: KvResult) => void, kind: 'write' | 'read' = 'write'): Flight {
    const f: Flight = {
      kind, deadline: this.clock.now() + timeoutMs, timeoutMs, only, target: null, tried: 0, hops: 0, sawLeader: false,
      lastProblem: 'no leader known', ended: false, cancel: null, finish,
    };
    this.flights.add(f);
    return f;
  }

  private left(f: Flight): number {
    return f.deadline - this.clock.now();
  }

  /** Where the next attempt goes, or null when it cannot go now (ended, out of time, or backing off first). */
  private nextTarget(f: Flight, again: () => void): NodeId | null {
    if (f.ended) return null;
    if (this.stopped) {
      this.end(f, this.stoppedResult);
      return null;
    }
    const left = this.left(f);
    if (left <= 0) {
      this.end(f, this.outOfTime(f));
      return null;
    }
    f.target ??= this.host.leaderHint() ?? this.pick(f.tried++);
    if (f.target === null) this.backOff(f, Math.min(NO_LEADER_BACKOFF_MS, left), again);
    return f.target;
  }

  /** The node could not be asked: try the next one after a pause. */
  private unreachable(f: Flight, e: Error, again: () => void): void {
    f.lastProblem = e.message;
    f.target = this.pick(f.tried++);
    this.backOff(f, Math.min(NO_LEADER_BACKOFF_MS, Math.max(0, this.left(f))), again);
  }

  /** Refused: go where the node says the leader is, or look around after a pause. */
  private redirect(f: Flight, target: NodeId, reply: { readonly reason: string; readonly leader: NodeId; readonly detail?: string }, again: () => void): void {
    f.lastProblem = `node ${target}: ${reply.reason}${reply.detail ? ` (${reply.detail})` : ''}`;
    const hint = reply.leader !== 0 && reply.leader !== target ? reply.leader : null;
    // Stale hints can point in a circle: after as many redirects as there are nodes, pause.
    if (hint !== null && f.hops++ < Math.max(1, this.host.liveNodes().length)) {
      f.target = hint;
      again();
      return;
    }
    this.backOff(f, Math.min(NO_LEADER_BACKOFF_MS, Math.max(0, this.left(f))), () => {
      f.target = hint ?? this.pick(f.tried++);
      again();
    });
  }

  /** Runs one ask of a node and hands its reply (or the error) to `then`, unless the request ended meanwhile. */
  private ask<T>(call: () => Answer<T>, f: Flight, then: (reply: T | Error) => void): void {
    const onReply = (reply: T | Error): void => {
      if (!f.ended) then(reply);
    };
    let answer: Answer<T>;
    try {
      answer = call();
    } catch (e) {
      onReply(asError(e));
      return;
    }
    if (answer instanceof Promise) answer.then(onReply, (e: unknown) => onReply(asError(e)));
    else onReply(answer);
  }

  /**
   * Waits at `leader` until the request is answered (it then ends), the node stops leading
   * (`then(false)`), or the attempt is up (`then(true)`): an attempt timeout, except while
   * paused (the user steps the round), or the deadline when `toDeadline`.
   */
  private waitAt(f: Flight, leader: NodeId, toDeadline: boolean, then: (stillLeading: boolean) => void): void {
    let wakers = this.accepted.get(leader);
    if (wakers === undefined) this.accepted.set(leader, (wakers = new Set()));
    const set = wakers;
    let cancelTimer = (): void => undefined;
    const leave = (stillLeading: boolean): void => {
      cancelTimer();
      set.delete(wake);
      f.cancel = null;
      then(stillLeading);
    };
    const wake = (): void => leave(false);
    const arm = (): void => {
      const now = this.clock.now();
      if (now >= f.deadline) return leave(true);
      const ms = toDeadline ? f.deadline - now : Math.min(this.host.attemptMs(), f.deadline - now);
      cancelTimer = this.clock.after(Math.max(0, ms), () => (toDeadline || this.host.paused() ? arm() : leave(true)));
    };
    set.add(wake);
    f.cancel = () => {
      cancelTimer();
      set.delete(wake);
    };
    arm();
  }

  /** Waits `ms`, or less if a leader becomes known meanwhile, then `then`. */
  private backOff(f: Flight, ms: number, then: () => void): void {
    f.hops = 0;
    const wake = (): void => {
      cancelTimer();
      this.backingOff.delete(wake);
      f.cancel = null;
      then();
    };
    const cancelTimer = this.clock.after(ms, wake);
    this.backingOff.add(wake);
    f.cancel = () => {
      cancelTimer();
      this.backingOff.delete(wake);
    };
  }

  private end(f: Flight, result: KvResult): void {
    if (f.ended) return;
    f.ended = true;
    f.cancel?.();
    f.cancel = null;
    this.flights.delete(f);
    f.finish(result);
  }

  /** Out of time: `timeout` if some leader took it (it may still take effect), else `no-leader`. */
  private outOfTime(f: Flight): KvResult {
    if (f.sawLeader) return { ok: false, error: 'timeout', detail: `no answer within ${f.timeoutMs} ms: ${f.lastProblem}` };
    const what = f.kind === 'read' ? 'no leader took the read' : 'no leader accepted the request';
    return { ok: false, error: 'no-leader', detail: `${what} within ${f.timeoutMs} ms: ${f.lastProblem}` };
  }

  private pick(n: number): NodeId | null {
    const live = this.host.liveNodes();
    if (live.length === 0) return null;
    return live[n % live.length] ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // Client sessions

  private acquire(name: string | undefined, then: (slot: ClientSlot) => void): void {
    let slot: ClientSlot | undefined;
    if (name !== undefined) {
      slot = this.clients.get(name) ?? this.newSlot(name);
    } else {
      for (const s of this.clients.values()) {
        if (!s.busy && s.session.client.startsWith('auto-')) {
          slot = s;
          break;
        }
      }
      if (slot === undefined && this.autoCounter < MAX_AUTO_CLIENTS) slot = this.newSlot(`auto-${++this.autoCounter}`);
      // All automatic clients busy: queue on the first one.
      slot ??= this.clients.get('auto-1');
      if (slot === undefined) throw new Error('submit: no client available');
    }
    const s = slot;
    const start = (): void => {
      s.busy = true;
      then(s);
    };
    if (s.busy) s.queue.push(start);
    else start();
  }

  /** A client name the cluster already knows (a recorded run's) goes on from its last request number. */
  private newSlot(name: string): ClientSlot {
    const slot = { session: new KvClientSession(name, this.host.lastSeq(name) + 1), busy: false, queue: [] };
    this.clients.set(name, slot);
    return slot;
  }

  private release(slot: ClientSlot): void {
    slot.busy = false;
    slot.queue.shift()?.();
  }
}

/** A node asked alone that refused: not-leader, with its leader hint when it knows one. */
function refusedAt(node: NodeId, reply: { readonly reason: string; readonly leader: NodeId; readonly detail?: string }): KvResult {
  const hint = reply.leader !== 0 && reply.leader !== node ? reply.leader : undefined;
  const why = reply.reason === 'not-leader' ? 'does not lead' : `refused (${reply.reason})`;
  const detail = `node ${node} ${why}${reply.detail ? `: ${reply.detail}` : ''}${hint !== undefined ? '' : '; it knows no leader'}`;
  return hint !== undefined ? { ok: false, error: 'not-leader', detail, leaderHint: hint } : { ok: false, error: 'not-leader', detail };
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
