/**
 * The client history of a recording for outside linearizability checkers, through the KV
 * engineer's exporters (Porcupine JSON, Knossos/Jepsen EDN); nothing is re-implemented here.
 */
import { exportKnossosEdn, exportPorcupineJson } from '../check/history-export';
import type { Recording } from './format';
import { historyOf } from './history';

export interface HistoryExports {
  readonly porcupine: string;
  readonly knossos: string;
}

export function exportHistory(recording: Recording): HistoryExports {
  const history = historyOf(recording);
  return { porcupine: exportPorcupineJson(history), knossos: exportKnossosEdn(history) };
}
