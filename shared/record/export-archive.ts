/**
 * The "everything" export: one tar archive holding the replay log, the ShiViz log, the Perfetto
 * trace, the client history and each node's SQLite database (files the host supplies), plus a
 * short README saying what each file is for. What is in it and in which order; the host writes
 * it member by member (electron/lab/export-stream.ts), never as one buffer.
 */
import type { NodeId } from '../raft/types';

/** The folder every member of the archive sits in. */
export const ARCHIVE_FOLDER = 'raft-lab-export';

/** The text members, in archive order (node databases follow, in node order). */
export const ARCHIVE_TEXT_MEMBERS = ['README.txt', 'recording.jsonl', 'shiviz.log', 'trace.json', 'history.porcupine.json', 'history.knossos.edn'] as const;
export type ArchiveTextMember = (typeof ARCHIVE_TEXT_MEMBERS)[number];

/** File names inside the archive, under one folder named `folder`. */
export function archiveFileNames(folder: string, nodes: readonly NodeId[]): string[] {
  return [...ARCHIVE_TEXT_MEMBERS, ...nodes.map((n) => databaseMemberName(n))].map((f) => `${folder}/${f}`);
}

export function databaseMemberName(node: NodeId): string {
  return `node-${node}.sqlite`;
}

export const ARCHIVE_README = `Raft Lab export
recording.jsonl          the replay log (JSON Lines; docs/replay-format.md). raft-lab replay/check read it.
shiviz.log               load in ShiViz: first line is the parser regex, second the (empty) delimiter.
trace.json               Chrome Trace Event Format: open in Perfetto UI or chrome://tracing.
history.porcupine.json   client history for Porcupine-style linearizability checkers.
history.knossos.edn      client history for Knossos.
node-N.sqlite            each node's SQLite database (sql.js), as exported by the node's storage.
`;
