/**
 * What an export of a run is called and what type it is: every name starts with the recording
 * file's name without its extension (`recording-1712345678901.jsonl` or `.jsonl.gz` alike).
 */
import { basename } from 'node:path';
import type { ExportFormat } from '../../shared/protocol/lab';

/** The recording file's name without `.jsonl` or `.jsonl.gz`. */
export function recordingStem(recordingPath: string): string {
  return basename(recordingPath).replace(/\.jsonl(\.gz)?$/, '');
}

const TEXT = 'text/plain;charset=utf-8';

export function exportFileName(stem: string, format: ExportFormat): { readonly fileName: string; readonly mimeType: string } {
  switch (format.kind) {
    case 'replay':
      return { fileName: `${stem}.jsonl`, mimeType: 'application/x-ndjson' };
    case 'shiviz':
      return { fileName: `${stem}.shiviz.log`, mimeType: TEXT };
    case 'perfetto':
      return { fileName: `${stem}.trace.json`, mimeType: 'application/json' };
    case 'history':
      return format.flavor === 'knossos'
        ? { fileName: `${stem}.history.knossos.edn`, mimeType: 'application/edn' }
        : { fileName: `${stem}.history.porcupine.json`, mimeType: 'application/json' };
    case 'sqlite':
      return { fileName: `${stem}-node-${format.node}.sqlite`, mimeType: 'application/vnd.sqlite3' };
    case 'archive':
      return { fileName: `${stem}.tar`, mimeType: 'application/x-tar' };
  }
}
