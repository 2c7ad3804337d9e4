/**
 * Searching the whole run: every record of the run's recording (not only the events this page
 * keeps), in the recording's one-line text (shared/replay/lab-projection.ts `describeEvent`).
 * Case-insensitive substring match; the first `limit` matches are kept and all are counted.
 */
import type { Recording } from '../../../shared/record/format';
import { describeEvent } from '../../../shared/replay/lab-projection';

export interface RunMatch {
  /** Line of the recording file (1 is the header). */
  readonly line: number;
  /** Seconds since the run started. */
  readonly atS: number;
  readonly text: string;
}

export interface RunSearch {
  readonly query: string;
  readonly matches: readonly RunMatch[];
  /** Every match, counting those past `limit`. */
  readonly total: number;
  /** Records searched. */
  readonly records: number;
}

export const RUN_SEARCH_LIMIT = 500;

export function searchRecording(recording: Recording, query: string, limit = RUN_SEARCH_LIMIT): RunSearch {
  const q = query.trim().toLowerCase();
  const t0 = recording.header.createdAtMs;
  const matches: RunMatch[] = [];
  let total = 0;
  if (q !== '') {
    for (const { line, record } of recording.records) {
      const text = describeEvent(record);
      if (!text.toLowerCase().includes(q)) continue;
      total++;
      if (matches.length < limit) matches.push({ line, atS: (record.wallMs - t0) / 1000, text });
    }
  }
  return { query: q, matches, total, records: recording.records.length };
}
