/** The Export menu's entries: what each format is, in words a user picks from. */
import type { ExportFormat } from '../../../shared/protocol/lab';
import type { NodeId } from '../../../shared/raft/types';

export interface ExportChoice {
  /** Stable id for tests and keys. */
  readonly id: string;
  readonly label: string;
  readonly hint: string;
  readonly format: ExportFormat;
}

export function exportChoices(nodes: readonly NodeId[]): ExportChoice[] {
  return [
    { id: 'replay', label: 'Replay log (.jsonl)', hint: 'the recording; opens again in replay mode', format: { kind: 'replay' } },
    { id: 'shiviz', label: 'ShiViz log', hint: 'message diagram in ShiViz', format: { kind: 'shiviz' } },
    { id: 'perfetto', label: 'Chrome trace / Perfetto', hint: 'timeline in Perfetto UI or chrome://tracing', format: { kind: 'perfetto' } },
    { id: 'history-porcupine', label: 'Client history (Porcupine JSON)', hint: 'for a linearizability checker', format: { kind: 'history', flavor: 'porcupine' } },
    { id: 'history-knossos', label: 'Client history (Knossos EDN)', hint: 'for Knossos', format: { kind: 'history', flavor: 'knossos' } },
    ...nodes.map((node): ExportChoice => ({ id: `sqlite-${node}`, label: `Node ${node} database (.sqlite)`, hint: 'the node’s SQLite file', format: { kind: 'sqlite', node } })),
    { id: 'archive', label: 'Everything (.tar)', hint: 'all of the above in one archive', format: { kind: 'archive' } },
  ];
}

/** A byte count as people read it: 812 B, 4.2 KB, 3.1 MB, 1.4 GB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
