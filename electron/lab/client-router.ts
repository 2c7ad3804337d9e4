/**
 * Client requests to the replicated KV store: route to the leader, follow redirects, retry on
 * timeouts, and keep exactly-once. Each request belongs to a client session (KvClientSession):
 * every retry re-proposes the same (client, seq), so the state machine applies it at most once
 * and answers a retry with the cached result. A client has one request in flight at a time;
 * requests without a named client borrow an idle automatic client.
 *
 * A get may instead be read linearizably at the leader (SubmitOptions.read: a ReadIndex round or
 * a lease): not a session command, so no (client, seq) and no exactly-once bookkeeping, but
 * routed, redirected and retried the same way, and entered in the history as the client's get.
 */
import type { NodeId } from '../../shared/raft/types';
import { readModeProblem, type KvOp, type KvResult, type SubmitOptions } from '../../shared/protocol/lab';
import type { AppliedResult, ProposeReply, ReadAskReply, ServedRead } from '../../shared/protocol/node-ipc';
import { KvClientSession } from '../../shared/kv';

export interface ClientHost {
  /** The node believed to lead, or null when none is known. */
  leaderHint(): NodeId | null;
  /** Nodes that are up, to try when no leader is known. */
  liveNodes(): readonly NodeId[];
  propose(node: NodeId, client: string, seq: number, op: KvOp, timeoutMs: number): Promise<ProposeReply>;
  /** Ask `node` for a linearizable read of `key` named `id` (answered later through onReadServed). */
  read(node: NodeId, id: string, key: string, lease: boolean, timeoutMs: number): Promise<ReadAskReply>;
  /** How long one attempt waits for its entry to apply before retrying (a few election timeouts). */
  attemptMs(): number;
  /** The cluster is paused (step mode): nothing commits unless the user steps it. */
  paused(): boolean;
  /** `read`: how a get is served when not through the log. */
  invoked(opId: string, client: string, op: KvOp, read?: 'read-index' | 'lease'): void;
  completed(opId: string, result: KvResult): void;
}

/** Bound on automatic clients (each is a session in every replica's state machine). */
const MAX_AUTO_CLIENTS = 256;
/** Pause before trying again when no leader is known. */
const NO_LEADER_BACKOFF_MS = 20;

interface ClientSlot {
  readonly session: KvClientSession;
  busy: boolean;
  readonly queue: (() => void)[];
}

export class ClientRouter {
  private readonly clients = new Map<string, ClientSlot>();
  private readonly waiters = new Map<string, (result: KvResult) => void>();
  /** Linearizable reads waiting for their answer, by read id (one per attempt). */
  private readonly readWaiters = new Map<string, (node: NodeId, read: ServedRead) => void>();
  /** Requests waiting for their entry to apply, by the node that accepted it: woken early if it stops leading. */
  private readonly accepted = new Map<NodeId, Set<() => void>>();
  /** Requests backing off because no node led: woken as soon as one does. */
  private readonly backingOff = new Set<() => void>();
  private opCounter = 0;
  private autoCounter = 0;
  private stopped = false;

  constructor(private readonly host: ClientHost) {}

  /** Results applied on some node: wake the requests waiting for them. */
  onApplied(results: readonly AppliedResult[]): void {
    for (const r of results) {
      const waiter = this.waiters.get(`${r.client}#${r.seq}`);
      if (waiter !== undefined) waiter(r.result);
    }
  }

  /** Reads served on `node`: wake the requests waiting for them. */
  onReadServed(node: NodeId, reads: readonly ServedRead[]): void {
    for (const r of reads) this.readWaiters.get(r.id)?.(node, r);
  }

  /** A leader became known: requests backing off try it now rather than at the end of their pause. */
  onLeaderKnown(): void {
    const wakers = [...this.backingOff];
    this.backingOff.clear();
    for (const wake of wakers) wake();
  }

  /** `node` stopped leading (or died): requests it accepted retry now rather than at their timeout. */
  onLeaderLost(node: NodeId): void {
    const wakers = this.accepted.get(node);
    if (wakers === undefined) return;
    this.accepted.delete(node);
    for (const wake of wakers) wake();
  }

  /** Fails every waiting request with `stopped` (the cluster is going away). */
  stop(): void {
    this.stopped = true;
    for (const waiter of this.waiters.values()) waiter({ ok: false, error: 'stopped', detail: 'the cluster was destroyed' });
    for (const wake of [...this.accepted.values()].flatMap((set) => [...set])) wake();
  }

  async submit(op: KvOp, options: SubmitOptions = {}): Promise<KvResult> {
    const timeoutMs = options.timeoutMs ?? 5000;
    if (!(timeoutMs > 0)) throw new Error(`submit: timeoutMs must be positive, got ${timeoutMs}`);
    const problem = readModeProblem(op, options.read);
    if (problem !== null) throw new Error(`submit: ${problem}`);
    if (op.type === 'get' && (options.read === 'read-index' || options.read === 'lease')) return this.submitRead(op, options.read, options, timeoutMs);
    const slot = await this.acquire(options.client);
    const command = slot.session.begin(op);
    const opId = `op${++this.opCounter}`;
    this.host.invoked(opId, command.client, command.op);
    let result: KvResult;
    try {
      result = options.node === undefined
        ? await this.run(command.client, command.seq, command.op, timeoutMs)
        : await this.runAt(options.node, command.client, command.seq, command.op, timeoutMs);
    } finally {
      slot.session.finish();
      this.release(slot);
    }
    this.host.completed(opId, result);
    return result;
  }

  /** A get read at the leader, by a ReadIndex round or a lease; the client is busy meanwhile, like for any request. */
  private async submitRead(op: KvOp & { type: 'get' }, mode: 'read-index' | 'lease', options: SubmitOptions, timeoutMs: number): Promise<KvResult> {
    const slot = await this.acquire(options.client);
    const opId = `op${++this.opCounter}`;
    this.host.invoked(opId, slot.session.client, op, mode);
    let result: KvResult;
    try {
      result = await this.runRead(opId, op.key, mode === 'lease', options.node, timeoutMs);
    } finally {
      this.release(slot);
    }
    this.host.completed(opId, result);
    return result;
  }

  /**
   * Ask the leader (or exactly `only`) for the read until one attempt is served. Each attempt has
   * its own read id; any of them answering completes the read, since each was asked within it.
   */
  private async runRead(opId: string, key: string, lease: boolean, only: NodeId | undefined, timeoutMs: number): Promise<KvResult> {
    const deadline = Date.now() + timeoutMs;
    let served: KvResult | null = null;
    let wake: (() => void) | null = null;
    const ids: string[] = [];
    let target: NodeId | null = only ?? null;
    let lastProblem = 'no leader known';
    let sawLeader = false;
    let tried = 0;
    try {
      while (served === null && !this.stopped) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        target ??= this.host.leaderHint() ?? this.pick(tried++);
        if (target === null) {
          await this.backOff(Math.min(NO_LEADER_BACKOFF_MS, left));
          continue;
        }
        const id = `${opId}.${ids.length + 1}`;
        ids.push(id);
        this.readWaiters.set(id, (node, read) => {
          served ??= { ok: true, value: read.value, index: read.index, leader: node };
          wake?.();
        });
        let reply: ReadAskReply;
        try {
          reply = await this.host.read(target, id, key, lease, Math.min(left, 1000));
        } catch (e) {
          lastProblem = e instanceof Error ? e.message : String(e);
          if (only !== undefined) return { ok: false, error: 'no-leader', detail: `node ${only} could not be asked: ${lastProblem}` };
          target = this.pick(tried++);
          await this.backOff(Math.min(NO_LEADER_BACKOFF_MS, Math.max(0, deadline - Date.now())));
          continue;
        }
        if (!reply.ok) {
          const hint = reply.leader !== 0 && reply.leader !== target ? reply.leader : null;
          lastProblem = `node ${target}: ${reply.reason}${reply.detail ? ` (${reply.detail})` : ''}`;
          if (only !== undefined) {
            const detail = `node ${only} ${reply.reason === 'not-leader' ? 'does not lead' : `refused (${reply.reason})`}${hint === null ? '; it knows no leader' : ''}`;
            return hint === null ? { ok: false, error: 'not-leader', detail } : { ok: false, error: 'not-leader', detail, leaderHint: hint };
          }
          if (hint === null) await this.backOff(Math.min(NO_LEADER_BACKOFF_MS, Math.max(0, deadline - Date.now())));
          target = hint ?? this.pick(tried++);
          continue;
        }
        sawLeader = true;
        const stillLeading = await this.waitAt(target, () => served !== null, (w) => (wake = w), deadline, only !== undefined);
        wake = null;
        if (served !== null) break;
        lastProblem = stillLeading ? `node ${target} took the read but did not answer in time` : `node ${target} stopped leading before it could answer`;
        if (only !== undefined) return { ok: false, error: stillLeading ? 'timeout' : 'not-leader', detail: lastProblem };
        target = null; // ask again who leads, with a new read id
      }
    } finally {
      for (const id of ids) this.readWaiters.delete(id);
    }
    if (served !== null) return served;
    if (this.stopped) return { ok: false, error: 'stopped', detail: 'the cluster was destroyed' };
    return sawLeader
      ? { ok: false, error: 'timeout', detail: `no answer within ${timeoutMs} ms: ${lastProblem}` }
      : { ok: false, error: 'no-leader', detail: `no leader took the read within ${timeoutMs} ms: ${lastProblem}` };
  }

  /**
   * Wait at `leader` until `done()`, it stops leading (returns false), or the attempt is up: an
   * attempt timeout, except while paused (the user steps the round), or the deadline when `toDeadline`.
   */
  private async waitAt(leader: NodeId, done: () => boolean, setWake: (wake: () => void) => void, deadline: number, toDeadline: boolean): Promise<boolean> {
    let stillLeading = true;
    let wakers = this.accepted.get(leader);
    if (wakers === undefined) this.accepted.set(leader, (wakers = new Set()));
    const set = wakers;
    const wakeUp = (): void => {
      stillLeading = false;
      wakeNow();
    };
    let wakeNow: () => void = () => undefined;
    set.add(wakeUp);
    try {
      while (!done() && stillLeading && !this.stopped) {
        const now = Date.now();
        if (now >= deadline) break;
        const waitMs = toDeadline ? deadline - now : Math.min(this.host.attemptMs(), deadline - now);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, waitMs));
          wakeNow = () => {
            clearTimeout(timer);
            resolve();
          };
          setWake(wakeNow);
        });
        if (!toDeadline && !this.host.paused()) break;
      }
    } finally {
      set.delete(wakeUp);
    }
    return stillLeading;
  }

  private async run(client: string, seq: number, op: KvOp, timeoutMs: number): Promise<KvResult> {
    const deadline = Date.now() + timeoutMs;
    const key = `${client}#${seq}`;
    let applied: KvResult | null = null;
    let wake: (() => void) | null = null;
    this.waiters.set(key, (result) => {
      applied ??= result;
      wake?.();
    });
    let target: NodeId | null = null;
    let lastProblem = 'no leader known';
    let sawLeader = false;
    let tried = 0;
    try {
      while (applied === null && !this.stopped) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        target ??= this.host.leaderHint() ?? this.pick(tried++);
        if (target === null) {
          await this.backOff(Math.min(NO_LEADER_BACKOFF_MS, left));
          continue;
        }
        let reply: ProposeReply;
        try {
          reply = await this.host.propose(target, client, seq, op, Math.min(left, 1000));
        } catch (e) {
          lastProblem = e instanceof Error ? e.message : String(e);
          target = this.pick(tried++);
          await this.backOff(Math.min(NO_LEADER_BACKOFF_MS, Math.max(0, deadline - Date.now())));
          continue;
        }
        if (!reply.ok) {
          // Redirect: go where the node says the leader is, or look around.
          lastProblem = `node ${target}: ${reply.reason}${reply.detail ? ` (${reply.detail})` : ''}`;
          const next = reply.leader !== 0 && reply.leader !== target ? reply.leader : null;
          if (next === null) await this.backOff(Math.min(NO_LEADER_BACKOFF_MS, Math.max(0, deadline - Date.now())));
          target = next ?? this.pick(tried++);
          continue;
        }
        sawLeader = true;
        const startedMs = Date.now();
        // While paused the wait goes on: proposing the entry again would only put another copy
        // of it in the leader's log.
        await this.waitAt(target, () => applied !== null, (w) => (wake = w), deadline, false);
        wake = null;
        if (applied === null) {
          lastProblem = `node ${target} accepted it as index ${reply.index} but it did not apply within ${Date.now() - startedMs} ms`;
          target = null; // ask again who leads; the retry keeps the same seq, so it applies at most once
        }
      }
    } finally {
      this.waiters.delete(key);
    }
    if (applied !== null) return applied;
    if (this.stopped) return { ok: false, error: 'stopped', detail: 'the cluster was destroyed' };
    return sawLeader
      ? { ok: false, error: 'timeout', detail: `no answer within ${timeoutMs} ms: ${lastProblem}` }
      : { ok: false, error: 'no-leader', detail: `no leader accepted the request within ${timeoutMs} ms: ${lastProblem}` };
  }

  /**
   * One attempt at exactly `node`, no redirect and no retry: a node that does not lead answers
   * with its leader hint; one that accepts (perhaps a stale leader) is waited on until the entry
   * applies, the node stops leading, or the time is up.
   */
  private async runAt(node: NodeId, client: string, seq: number, op: KvOp, timeoutMs: number): Promise<KvResult> {
    const deadline = Date.now() + timeoutMs;
    const key = `${client}#${seq}`;
    let applied: KvResult | null = null;
    let wake: (() => void) | null = null;
    this.waiters.set(key, (result) => {
      applied ??= result;
      wake?.();
    });
    try {
      let reply: ProposeReply;
      try {
        reply = await this.host.propose(node, client, seq, op, Math.min(timeoutMs, 1000));
      } catch (e) {
        return { ok: false, error: 'no-leader', detail: `node ${node} could not be asked: ${e instanceof Error ? e.message : String(e)}` };
      }
      if (!reply.ok) {
        const hint = reply.leader !== 0 && reply.leader !== node ? reply.leader : undefined;
        const why = reply.reason === 'not-leader' ? 'does not lead' : `refused (${reply.reason})`;
        const detail = `node ${node} ${why}${reply.detail ? `: ${reply.detail}` : ''}${hint !== undefined ? '' : '; it knows no leader'}`;
        return hint !== undefined ? { ok: false, error: 'not-leader', detail, leaderHint: hint } : { ok: false, error: 'not-leader', detail };
      }
      const stillLeading = await this.waitAt(node, () => applied !== null, (w) => (wake = w), deadline, true);
      wake = null;
      if (applied !== null) return applied;
      if (this.stopped) return { ok: false, error: 'stopped', detail: 'the cluster was destroyed' };
      const at = `node ${node} accepted it as index ${reply.index} (term ${reply.term})`;
      if (!stillLeading) return { ok: false, error: 'not-leader', detail: `${at} but stopped leading before it committed` };
      return { ok: false, error: 'timeout', detail: `${at} but it did not commit within ${timeoutMs} ms` };
    } finally {
      this.waiters.delete(key);
    }
  }

  private pick(n: number): NodeId | null {
    const live = this.host.liveNodes();
    if (live.length === 0) return null;
    return live[n % live.length] ?? null;
  }

  private async acquire(name: string | undefined): Promise<ClientSlot> {
    let slot: ClientSlot | undefined;
    if (name !== undefined) {
      slot = this.clients.get(name);
      if (slot === undefined) {
        slot = { session: new KvClientSession(name), busy: false, queue: [] };
        this.clients.set(name, slot);
      }
    } else {
      for (const s of this.clients.values()) {
        if (!s.busy && s.session.client.startsWith('auto-')) {
          slot = s;
          break;
        }
      }
      if (slot === undefined && this.autoCounter < MAX_AUTO_CLIENTS) {
        const client = `auto-${++this.autoCounter}`;
        slot = { session: new KvClientSession(client), busy: false, queue: [] };
        this.clients.set(client, slot);
      }
      // All automatic clients busy: queue on the first one.
      slot ??= this.clients.get('auto-1');
      if (slot === undefined) throw new Error('submit: no client available');
    }
    const s = slot;
    if (s.busy) await new Promise<void>((resolve) => s.queue.push(resolve));
    s.busy = true;
    return s;
  }

  /** Waits `ms`, or less if a leader becomes known meanwhile. */
  private backOff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.backingOff.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.backingOff.add(wake);
    });
  }

  private release(slot: ClientSlot): void {
    const next = slot.queue.shift();
    if (next !== undefined) next();
    else slot.busy = false;
  }
}
