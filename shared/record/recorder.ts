/**
 * RecordingNode: a RaftNodeApi that wraps a real node and records every input (in the order the
 * node sees it) and every ready() output, each stamped with a per-node sequence number, a Lamport
 * clock, the host's wall time and the node's state digest afterwards. Hosts use it in place of the
 * node; nothing else changes, except that a host which moves messages between processes should
 * carry `stampOf(msg)` beside each message and hand it back to `step(msg, stamp)`.
 */
import type { ProposeResult, RaftNodeApi, ReadIndexOptions, ReadIndexResult } from '../raft/api';
import type { ConfChange, ConfState, Entry, Message, NodeId, NodeStatus, RaftConfig, Ready } from '../raft/types';
import type { Rng } from '../util/rng';
import { readyDigest, STATUS_DIGEST, type StateDigest } from './digest';
import type { CrashRecord, NodeInput, NodeRecord, SendStamp, StartMode } from './format';
import { buildNode, type NodeFactory } from './node-factory';
import { termRuns } from './restart-base';

export type RecordSink = (record: NodeRecord) => void;

/**
 * Stamps of messages sent in this process, keyed by the message object. Hosts that deliver the
 * very object a Ready produced (the simulator, tests) share one book between all their nodes and
 * never pass stamps by hand.
 */
export type StampBook = WeakMap<Message, SendStamp>;

/** Where a node's numbering stands; a restarted node continues from its previous cursor. */
export interface RecordCursor {
  /** Last seq used (0 before the first record). */
  readonly seq: number;
  readonly lamport: number;
}

export interface RecorderOptions {
  readonly sink: RecordSink;
  /** Host wall time in ms (virtual time in the simulator); shared/ reads no clock itself. */
  readonly clock: () => number;
  /** Must match the RunRecorder's `digest` (its name goes into the header). */
  readonly digest?: StateDigest;
  readonly stampBook?: StampBook;
  readonly resume?: RecordCursor;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class RecordingNode implements RaftNodeApi {
  readonly id: NodeId;
  private seq: number;
  private lamport: number;
  /** Seq of this instance's start record (0 until recorded). */
  private startSeq = 0;
  private readonly sink: RecordSink;
  private readonly clock: () => number;
  private readonly digestFn: (node: RaftNodeApi) => string;
  private readonly book: StampBook;

  private constructor(readonly inner: RaftNodeApi, options: RecorderOptions) {
    this.id = inner.id;
    this.sink = options.sink;
    this.clock = options.clock;
    this.digestFn = (options.digest ?? STATUS_DIGEST).compute;
    this.book = options.stampBook ?? new WeakMap();
    this.seq = options.resume?.seq ?? 0;
    this.lamport = options.resume?.lamport ?? 0;
  }

  /**
   * Build a node through `factory` and record its start (config, RNG state before construction,
   * and the start mode, which for a restart carries the persisted state it was rebuilt from).
   */
  static start(factory: NodeFactory, mode: StartMode, config: RaftConfig, rng: Rng, options: RecorderOptions): RecordingNode {
    const rngState = rng.state();
    const node = new RecordingNode(buildNode(factory, mode, config, rng), options);
    node.startSeq = node.seq + 1;
    node.emit({
      kind: 'start',
      node: node.id,
      seq: ++node.seq,
      lamport: ++node.lamport,
      wallMs: node.clock(),
      config,
      rng: [rngState[0], rngState[1], rngState[2], rngState[3]],
      mode,
      digest: node.digestFn(node.inner),
    });
    return node;
  }

  /** Where numbering stands, for resuming after a restart in another process. */
  cursor(): RecordCursor {
    return { seq: this.seq, lamport: this.lamport };
  }

  /** The stamp of a message this node sent (from its latest ready() calls), if known. */
  stampOf(msg: Message): SendStamp | null {
    return this.book.get(msg) ?? null;
  }

  /** The host saw this instance die. Call once; the node must not be used afterwards. */
  recordCrash(reason: CrashRecord['reason']): void {
    this.emit({ kind: 'crash', node: this.id, seq: ++this.seq, lamport: ++this.lamport, wallMs: this.clock(), reason });
  }

  private emit(record: NodeRecord): void {
    this.sink(record);
  }

  /** Run one input, then record it with its result (or error) and the digest afterwards. */
  private input<T>(input: NodeInput, call: () => T, keepResult: boolean, lamport?: number): T {
    this.lamport = Math.max(this.lamport, lamport ?? 0) + 1;
    const seq = ++this.seq;
    const wallMs = this.clock();
    let result: T;
    try {
      result = call();
    } catch (e) {
      this.emit({ kind: 'input', node: this.id, seq, lamport: this.lamport, wallMs, input, result: null, error: errorText(e), digest: this.digestFn(this.inner) });
      throw e;
    }
    const recorded = keepResult ? (result as ProposeResult | ReadIndexResult) : null;
    this.emit({ kind: 'input', node: this.id, seq, lamport: this.lamport, wallMs, input, result: recorded, error: null, digest: this.digestFn(this.inner) });
    return result;
  }

  tick(): void {
    this.input({ type: 'tick' }, () => this.inner.tick(), false);
  }

  /** `stamp`: the sender's stamp carried beside the message; looked up in the stamp book if omitted. */
  step(msg: Message, stamp?: SendStamp | null): void {
    const known = stamp ?? this.book.get(msg) ?? null;
    this.input({ type: 'step', msg, stamp: known }, () => this.inner.step(msg), false, known?.lamport);
  }

  campaign(): void {
    this.input({ type: 'campaign' }, () => this.inner.campaign(), false);
  }

  propose(data: string): ProposeResult {
    return this.input({ type: 'propose', data }, () => this.inner.propose(data), true);
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    return this.input({ type: 'propose-conf-change', change }, () => this.inner.proposeConfChange(change), true);
  }

  readIndex(ctx: string, options?: ReadIndexOptions): ReadIndexResult {
    // What was asked is recorded (lease only when the caller chose), so replay asks the same.
    const input: NodeInput = options?.lease === undefined ? { type: 'read-index', ctx } : { type: 'read-index', ctx, lease: options.lease };
    return this.input(input, () => this.inner.readIndex(ctx, options), true);
  }

  transferLeadership(to: NodeId): void {
    this.input({ type: 'transfer-leadership', to }, () => this.inner.transferLeadership(to), false);
  }

  compact(index: number, data: string): void {
    this.input({ type: 'compact', index, data }, () => this.inner.compact(index, data), false);
  }

  advance(ready: Ready): void {
    this.input({ type: 'advance' }, () => this.inner.advance(ready), false);
  }

  hasReady(): boolean {
    return this.inner.hasReady();
  }

  ready(): Ready {
    const ready = this.inner.ready();
    const seq = ++this.seq;
    const lamport = ++this.lamport;
    ready.messages.forEach((msg, index) => this.book.set(msg, { startSeq: this.startSeq, seq, index, lamport }));
    this.emit({
      kind: 'ready',
      node: this.id,
      seq,
      lamport,
      wallMs: this.clock(),
      softState: ready.softState,
      hardState: ready.hardState,
      appended: span(ready.entries),
      ...(ready.entries.length > 0 ? { terms: termRuns(ready.entries) } : {}),
      applied: span(ready.committedEntries),
      snapshot: ready.snapshot ? ready.snapshot.meta : null,
      messages: ready.messages,
      readStates: ready.readStates,
      readyDigest: readyDigest(ready),
      digest: this.digestFn(this.inner),
    });
    return ready;
  }

  status(): NodeStatus {
    return this.inner.status();
  }

  entries(lo: number, hi: number): Entry[] {
    return this.inner.entries(lo, hi);
  }

  confAt(index: number): ConfState {
    return this.inner.confAt(index);
  }

  termAt(index: number): number | null {
    return this.inner.termAt(index);
  }
}

/** [lo, hi) of a contiguous run of entries; [0, 0) when empty. */
export function span(entries: readonly Entry[]): readonly [number, number] {
  const first = entries[0];
  const last = entries[entries.length - 1];
  return first && last ? [first.index, last.index + 1] : [0, 0];
}
