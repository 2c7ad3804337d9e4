// Test helpers: an export's pieces joined into its whole text, for tests that look at a small
// recording's export as one string (the app and the command line only ever stream the pieces).
import { perfettoChunks } from '../../../shared/record/export-perfetto';
import { shivizChunks } from '../../../shared/record/export-shiviz';
import type { Recording } from '../../../shared/record/format';

export function exportShiViz(recording: Recording): string {
  return [...shivizChunks(recording)].join('');
}

export function exportPerfetto(recording: Recording): string {
  return [...perfettoChunks(recording)].join('');
}
