/**
 * The Events tab's whole-run search, as the host runs it (shared/replay/run-search.ts fed one
 * record at a time): over every record of a real (simulated) recording, not only the recent
 * events a page keeps, case-insensitive, counted beyond the kept limit.
 */
import { describe, expect, it } from 'vitest';
import type { Recording } from '../../shared/record/format';
import { RunSearcher } from '../../shared/replay/run-search';
import { recordedRun } from '../record/fixtures';

function search(recording: Recording, query: string, limit = 500) {
  const searcher = new RunSearcher(query, limit, recording.header.createdAtMs);
  for (const located of recording.records) searcher.push(located);
  return searcher.result();
}

describe('RunSearcher', () => {
  const { recording } = recordedRun({ ops: 150, maxTimeMs: 30_000 });

  it('finds records from the start of a long run, far beyond the last few thousand events', () => {
    expect(recording.records.length).toBeGreaterThan(3_000);
    // The nodes' starts are the first records of the run (line 1 is the header).
    const first = search(recording, 'start (bootstrap)');
    expect(first.matches.map((m) => m.line)).toEqual([2, 3, 4]);
    expect(first.matches[0]?.text).toBe('node 1 #1: start (bootstrap)');
    expect(first.records).toBe(recording.records.length);
  });

  it('matches without regard to case, counts every match and keeps at most the limit', () => {
    const all = search(recording, 'RECEIVE', 10);
    expect(all.query).toBe('receive');
    expect(all.matches).toHaveLength(10);
    expect(all.total).toBeGreaterThan(10);
    expect(all.matches.every((m) => m.text.toLowerCase().includes('receive'))).toBe(true);
    expect(search(recording, 'no such text anywhere').total).toBe(0);
    expect(search(recording, '   ').matches).toEqual([]);
  });
});
