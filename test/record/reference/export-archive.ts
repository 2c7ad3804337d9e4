// Test reference only: the whole-string exporter as it was before exports were streamed (kept
// so tests can check the streamed output is byte for byte what this made). Not used by the app.
/**
 * The "everything" export: one tar archive holding the replay log, the ShiViz log, the Perfetto
 * trace, the client history and each node's SQLite database (bytes supplied by the host, which
 * owns the files), plus a short README saying what each file is for.
 */
import type { NodeId } from '../../../shared/raft/types';
import type { Recording } from '../../../shared/record/format';
import { exportHistory } from './export-history';
import { exportPerfetto, exportShiViz } from './whole-text';
import { buildTar, utf8, type TarFile } from './tar';
import { encodeRecording } from '../../../shared/record/write';

export interface ArchiveInput {
  readonly recording: Recording;
  /** Each node's exported database file. */
  readonly databases: readonly { readonly node: NodeId; readonly bytes: Uint8Array }[];
  /** Archive timestamps (seconds since the epoch); defaults to the recording's creation time. */
  readonly mtimeSec?: number;
}

/** File names inside the archive, under one folder named `folder`. */
export function archiveFileNames(folder: string, nodes: readonly NodeId[]): string[] {
  return [
    'README.txt', 'recording.jsonl', 'shiviz.log', 'trace.json',
    'history.porcupine.json', 'history.knossos.edn',
    ...nodes.map((n) => `node-${n}.sqlite`),
  ].map((f) => `${folder}/${f}`);
}

const README = `Raft Lab export
recording.jsonl          the replay log (JSON Lines; docs/replay-format.md). raft-lab replay/check read it.
shiviz.log               load in ShiViz: first line is the parser regex, second the (empty) delimiter.
trace.json               Chrome Trace Event Format: open in Perfetto UI or chrome://tracing.
history.porcupine.json   client history for Porcupine-style linearizability checkers.
history.knossos.edn      client history for Knossos.
node-N.sqlite            each node's SQLite database (sql.js), as exported by the node's storage.
`;

export function exportArchive(input: ArchiveInput, folder = 'raft-lab-export'): Uint8Array {
  const mtimeSec = input.mtimeSec ?? Math.floor(input.recording.header.createdAtMs / 1000);
  const history = exportHistory(input.recording);
  const text: [string, string][] = [
    ['README.txt', README],
    ['recording.jsonl', encodeRecording(input.recording)],
    ['shiviz.log', exportShiViz(input.recording)],
    ['trace.json', exportPerfetto(input.recording)],
    ['history.porcupine.json', history.porcupine],
    ['history.knossos.edn', history.knossos],
  ];
  const files: TarFile[] = text.map(([name, body]) => ({ name: `${folder}/${name}`, bytes: utf8(body), mtimeSec }));
  for (const db of [...input.databases].sort((a, b) => a.node - b.node)) {
    files.push({ name: `${folder}/node-${db.node}.sqlite`, bytes: db.bytes, mtimeSec });
  }
  return buildTar(files);
}
