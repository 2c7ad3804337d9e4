/**
 * The client side of a KV session: numbers a client's requests so the state machine can apply
 * each exactly once. One request at a time: `begin` a request, re-propose `pending` as often as
 * needed (same seq), then `finish` it when answered or abandoned.
 */
import type { KvOp } from '../protocol/lab';
import { validateClientId, validateOp, type KvCommand } from './command';
import type { ApplyOutcome, ClientOutcome } from './state-machine';

export class KvClientSession {
  private nextSeq: number;
  private current: KvCommand | null = null;

  /** `firstSeq` lets a restarted client continue after the seqs it already used. */
  constructor(readonly client: string, firstSeq = 1) {
    validateClientId(client, 'KvClientSession: client');
    if (!Number.isSafeInteger(firstSeq) || firstSeq < 1) throw new RangeError(`KvClientSession: firstSeq must be a positive integer, got ${firstSeq}`);
    this.nextSeq = firstSeq;
  }

  /** The request in flight, to (re-)propose unchanged on every retry; null when idle. */
  get pending(): KvCommand | null {
    return this.current;
  }

  /** Starts a new request. Throws if the previous one was not finished. */
  begin(op: KvOp): KvCommand {
    if (this.current !== null) throw new Error(`KvClientSession ${this.client}: request #${this.current.seq} is still in flight`);
    this.current = { client: this.client, seq: this.nextSeq++, op: validateOp(op, 'KvClientSession.begin: op') };
    return this.current;
  }

  /** Ends the request in flight (answered, or given up on: a later seq supersedes it). */
  finish(): void {
    this.current = null;
  }

  /** Whether an apply outcome answers the request in flight. */
  answers(outcome: ApplyOutcome | null): outcome is ClientOutcome {
    return outcome !== null && outcome.kind !== 'invalid' && this.current !== null && outcome.client === this.client && outcome.seq === this.current.seq;
  }
}
