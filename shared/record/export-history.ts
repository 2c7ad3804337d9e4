/**
 * The client history of a recording for outside linearizability checkers, through the KV
 * engineer's exporters (Porcupine JSON, Knossos/Jepsen EDN); nothing is re-implemented here.
 * Written in pieces (one operation each), so a long run's history is never one string.
 */
import type { HistoryOp } from '../check/linearizability-history';
import { knossosChunks, porcupineChunks } from '../check/history-export';

export type HistoryFlavor = 'porcupine' | 'knossos';

export function historyChunks(history: readonly HistoryOp[], flavor: HistoryFlavor): Generator<string> {
  return flavor === 'knossos' ? knossosChunks(history) : porcupineChunks(history);
}
