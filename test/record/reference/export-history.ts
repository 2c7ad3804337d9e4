// Test reference only: the whole-string exporter as it was before exports were streamed (kept
// so tests can check the streamed output is byte for byte what this made). Not used by the app.
/**
 * The client history of a recording for outside linearizability checkers, through the KV
 * engineer's exporters (Porcupine JSON, Knossos/Jepsen EDN); nothing is re-implemented here.
 */
import { exportKnossosEdn, exportPorcupineJson } from './history-export';
import type { Recording } from '../../../shared/record/format';
import { historyOf } from '../../../shared/record/history';

export interface HistoryExports {
  readonly porcupine: string;
  readonly knossos: string;
}

export function exportHistory(recording: Recording): HistoryExports {
  const history = historyOf(recording);
  return { porcupine: exportPorcupineJson(history), knossos: exportKnossosEdn(history) };
}
