/**
 * "Search whole run": every record of a run's recording in its one-line text (`describeEvent`,
 * as the replay shows it), matched as a case-insensitive substring. Fed one record at a time, so
 * the host streams the file through it and keeps only the first `limit` matches and a count.
 */
import type { RunMatch, RunSearch } from '../protocol/lab';
import type { BodyRecord, Located } from '../record/format';
import { describeEvent } from './lab-projection';

export class RunSearcher {
  private readonly query: string;
  private readonly matches: RunMatch[] = [];
  private total = 0;
  private records = 0;

  /** `createdAtMs`: the header's, from which match times count. */
  constructor(query: string, private readonly limit: number, private readonly createdAtMs: number) {
    this.query = query.trim().toLowerCase();
  }

  push({ line, record }: Located<BodyRecord>): void {
    this.records++;
    if (this.query === '') return;
    const text = describeEvent(record);
    if (!text.toLowerCase().includes(this.query)) return;
    this.total++;
    if (this.matches.length < this.limit) this.matches.push({ line, atS: (record.wallMs - this.createdAtMs) / 1000, text });
  }

  result(): RunSearch {
    return { query: this.query, matches: [...this.matches], total: this.total, records: this.records };
  }
}
