/**
 * The Events tab's whole-run search: over every record of a real (simulated) recording, not only
 * the recent events a page keeps, case-insensitive, counted beyond the shown limit.
 */
import { describe, expect, it } from 'vitest';
import { searchRecording } from '../../renderer/src/inspector/run-search';
import { recordedRun } from '../record/fixtures';

describe('searchRecording', () => {
  const { recording } = recordedRun({ ops: 150, maxTimeMs: 30_000 });

  it('finds records from the start of a long run, far beyond the last few thousand events', () => {
    expect(recording.records.length).toBeGreaterThan(3_000);
    // The nodes' starts are the first records of the run (line 1 is the header).
    const first = searchRecording(recording, 'start (bootstrap)');
    expect(first.matches.map((m) => m.line)).toEqual([2, 3, 4]);
    expect(first.matches[0]?.text).toBe('node 1 #1: start (bootstrap)');
    expect(first.records).toBe(recording.records.length);
  });

  it('matches without regard to case, counts every match and keeps at most the limit', () => {
    const all = searchRecording(recording, 'RECEIVE', 10);
    expect(all.matches).toHaveLength(10);
    expect(all.total).toBeGreaterThan(10);
    expect(all.matches.every((m) => m.text.toLowerCase().includes('receive'))).toBe(true);
    expect(searchRecording(recording, 'no such text anywhere').total).toBe(0);
    expect(searchRecording(recording, '   ').matches).toEqual([]);
  });
});
