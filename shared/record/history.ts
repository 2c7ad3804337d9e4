/**
 * The client history of a recording, in the linearizability checker's form (HistoryOp), built
 * with the checker's own HistoryRecorder so the two never disagree on how results are read.
 */
import { HistoryRecorder, type HistoryOp } from '../check/linearizability-history';
import type { BodyRecord, Recording } from './format';

export function historyOf(recording: Recording): HistoryOp[] {
  const history = new RecordedHistory();
  for (const { record } of recording.records) history.push(record);
  return history.ops();
}

/** The history built one record at a time (a streamed file): only client records count. */
export class RecordedHistory {
  private readonly recorder = new HistoryRecorder();
  private count = 0;

  push(record: BodyRecord): void {
    if (record.kind === 'invoke') {
      this.recorder.invoke(record.client, record.op, record.wallMs, record.opId);
      this.count++;
    } else if (record.kind === 'complete') this.recorder.complete(record.opId, record.result, record.wallMs);
  }

  get size(): number {
    return this.count;
  }

  ops(): HistoryOp[] {
    return this.recorder.history();
  }
}
