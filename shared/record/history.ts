/**
 * The client history of a recording, in the linearizability checker's form (HistoryOp), built
 * with the checker's own HistoryRecorder so the two never disagree on how results are read.
 */
import { HistoryRecorder, type HistoryOp } from '../check/linearizability-history';
import type { Recording } from './format';

export function historyOf(recording: Recording): HistoryOp[] {
  const recorder = new HistoryRecorder();
  for (const { record } of recording.records) {
    if (record.kind === 'invoke') recorder.invoke(record.client, record.op, record.wallMs, record.opId);
    else if (record.kind === 'complete') recorder.complete(record.opId, record.result, record.wallMs);
  }
  return recorder.history();
}
