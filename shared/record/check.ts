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
import type { Recording } from './format';
import { historyOf } from './history';
import type { NodeFactory } from './node-factory';
import { replayRecording, type ReplayReport } from './replay';

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

export function checkRecording(recording: Recording, factory: NodeFactory, options: CheckOptions = {}): RecordingCheck {
  const invariants = new InvariantChecker();
  const replay = replayRecording(recording, factory, {
    ...(options.digest ? { digest: options.digest } : {}),
    order: 'causal',
    onEvent: (ev) => {
      const r = ev.record;
      if (r.kind === 'crash') invariants.observe({ type: 'crash', seq: ev.line, node: ev.node });
      else if (r.kind === 'start' && r.mode.type === 'restore') invariants.observe({ type: 'restart', seq: ev.line, node: ev.node, persisted: r.mode.persisted });
      else if (ev.ready) invariants.observeHandledReady(ev.line, ev.node, ev.ready);
    },
  });
  const history = historyOf(recording);
  let linearizability: LinearizabilityResult | null = null;
  let historyError: string | null = null;
  if (history.length > 0) {
    try {
      linearizability = checkLinearizability(history, options.linearizability);
    } catch (e) {
      if (!(e instanceof HistoryError)) throw e;
      historyError = e.message;
    }
  }
  const ok = replay.ok && invariants.violations.length === 0 && historyError === null && (linearizability === null || linearizability.kind === 'ok');
  return { ok, replay, violations: invariants.violations, linearizability, historyError };
}
