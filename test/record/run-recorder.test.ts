import { describe, expect, it } from 'vitest';
import { isNodeRecord, type NodeRecord } from '../../shared/record/format';
import { readRecording } from '../../shared/record/read';
import { RunRecorder, encodeRecording } from '../../shared/record/write';
import { recordedRun } from './fixtures';

/** Node 1's records from a real recorded run, as a node process would report them. */
function nodeOneRecords(): NodeRecord[] {
  return recordedRun().recording.records.flatMap((r) => (isNodeRecord(r.record) && r.record.node === 1 ? [r.record] : []));
}

function freshRun(): RunRecorder {
  return new RunRecorder({ source: 'lab', createdAtMs: 1, nodes: [1], seed: 1 });
}

describe('RunRecorder: merging records reported by node processes', () => {
  it('takes a node\'s records in order and writes a readable recording, with the crash the host saw', () => {
    const run = freshRun();
    const records = nodeOneRecords().slice(0, 40);
    expect(run.fromNode(1, records.slice(0, 25))).toBeNull();
    expect(run.fromNode(1, records.slice(25))).toBeNull();
    run.crashed(1, 'killed', 99);
    run.crashed(1, 'killed', 100); // a second report of the same death adds nothing
    const text = encodeRecording(run.finish(101));
    const back = readRecording(text);
    expect(back.records.length).toBe(41);
    expect(back.records[40]!.record).toMatchObject({ kind: 'crash', node: 1, seq: 41, reason: 'killed' });
  });

  it('refuses what would make the file unreadable, naming the problem', () => {
    const records = nodeOneRecords();
    const run = freshRun();
    expect(run.fromNode(2, records.slice(0, 1))).toBe('node 2 reported a record of node 1');
    expect(run.fromNode(1, [records[0], records[2]])).toMatch(/record seq 3 where 2 was expected/);
    expect(run.fromNode(1, [{ ...records[1]!, digest: 'nope' }])).toMatch(/field digest/);
    expect(run.fromNode(1, ['garbage'])).toMatch(/not a node record/);
    run.crashed(1, 'crashed', 5);
    expect(run.fromNode(1, [records[1]])).toMatch(/seq 2 where 3 was expected|after its crash record/);
    run.finish(6);
    expect(run.fromNode(1, [records[1]])).toMatch(/after the recording was finished/);
  });

  it('hands out a snapshot mid-run that reads as a complete recording', () => {
    const run = freshRun();
    expect(run.fromNode(1, nodeOneRecords().slice(0, 10))).toBeNull();
    const snap = run.snapshot(50);
    expect(readRecording(encodeRecording(snap)).records.length).toBe(10);
    expect(run.fromNode(1, nodeOneRecords().slice(10, 12))).toBeNull();
    expect(run.size).toBe(12);
  });
});
