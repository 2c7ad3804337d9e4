/**
 * Checking a recording after the fact (`raft-lab check`): replay it through the real core in
 * causal order, feed every replayed Ready, crash and restart to the invariant checker, and run
 * the linearizability checker over the client history. Replay supplies the whole Readies (the
 * recording keeps only summaries of entries), so the checker sees exactly what the run did.
 */
import { InvariantChecker } from '../check/invariants';
import { checkLinearizability, type LinearizabilityOptions, type LinearizabilityResult } from '../check/linearizability';
import { HistoryError } from '../check/linearizability-history';
import type { Violation } from '../protocol/lab';
import type { StateDigest } from './digest';
import type { BodyRecord, Located, Recording } from './format';
import { RecordedHistory } from './history';
import type { NodeFactory } from './node-factory';
import { StreamReplay, type ReplayEvent, type ReplayReport } from './replay';

export interface RecordingCheck {
  readonly ok: boolean;
  readonly replay: ReplayReport;
  /** Safety violations; each one's `eventSeq` is the line of the record that revealed it. */
  readonly violations: readonly Violation[];
  /** Null when the recording holds no client operations. */
  readonly linearizability: LinearizabilityResult | null;
  /** Set when the history itself is malformed (the checker could not run). */
  readonly historyError: string | null;
}

export interface CheckOptions {
  readonly digest?: StateDigest;
  readonly linearizability?: LinearizabilityOptions;
}

/**
 * What a replayed event tells the invariant checker (under event number `seq`): crashes,
 * restarts, compactions and every Ready as its host handled it. Returns the violations found.
 */
export function observeReplayed(invariants: InvariantChecker, ev: ReplayEvent, seq: number): readonly Violation[] {
  const r = ev.record;
  if (r.kind === 'crash') return invariants.observe({ type: 'crash', seq, node: ev.node });
  if (r.kind === 'start' && ev.persisted) return invariants.observe({ type: 'restart', seq, node: ev.node, persisted: ev.persisted });
  if (r.kind === 'input' && r.input.type === 'compact' && r.error === null) return invariants.observe({ type: 'compacted', seq, node: ev.node, index: r.input.index });
  if (ev.ready) return invariants.observeHandledReady(seq, ev.node, ev.ready);
  return [];
}

/**
 * The check fed one record at a time, in file order (a streamed file of any size): replay in
 * causal order with the invariant checker on every replayed event, and the client history
 * gathered on the way; linearizability runs at finish().
 */
export class RecordingChecker {
  private readonly invariants = new InvariantChecker();
  private readonly history = new RecordedHistory();
  private readonly replay: StreamReplay;
  private historyError: string | null = null;

  constructor(header: Recording['header'], factory: NodeFactory, private readonly options: CheckOptions = {}) {
    const invariants = this.invariants;
    this.replay = new StreamReplay(header, factory, {
      ...(options.digest ? { digest: options.digest } : {}),
      onEvent: (ev) => void observeReplayed(invariants, ev, ev.line),
    });
  }

  push(located: Located<BodyRecord>): void {
    this.replay.push(located);
    if (this.historyError !== null) return;
    try {
      this.history.push(located.record);
    } catch (e) {
      if (!(e instanceof HistoryError)) throw e;
      this.historyError = e.message;
    }
  }

  finish(): RecordingCheck {
    const replay = this.replay.finish();
    let linearizability: LinearizabilityResult | null = null;
    let historyError = this.historyError;
    if (historyError === null && this.history.size > 0) {
      try {
        linearizability = checkLinearizability(this.history.ops(), this.options.linearizability);
      } catch (e) {
        if (!(e instanceof HistoryError)) throw e;
        historyError = e.message;
      }
    }
    const violations = this.invariants.violations;
    const ok = replay.ok && violations.length === 0 && historyError === null && (linearizability === null || linearizability.kind === 'ok');
    return { ok, replay, violations, linearizability, historyError };
  }
}

export function checkRecording(recording: Recording, factory: NodeFactory, options: CheckOptions = {}): RecordingCheck {
  const checker = new RecordingChecker(recording.header, factory, options);
  for (const located of recording.records) checker.push(located);
  return checker.finish();
}
