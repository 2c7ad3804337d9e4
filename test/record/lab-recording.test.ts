/**
 * A recording of a real multi-process run (nodes in worker threads, talking over ports, writing
 * their SQLite files) replays through the core with zero divergences, passes the recording
 * checker, and links sends to receives across processes.
 */
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { RawNode } from '../../shared/raft/raw-node';
import { checkRecording } from '../../shared/record/check';
import { exportShiViz } from './reference/whole-text';
import type { Recording } from '../../shared/record/format';
import { readRecording } from '../../shared/record/read';
import { replayRecording } from '../../shared/record/replay';
import { encodeRecording } from '../../shared/record/write';
import { FAST, openLab, waitForLeader, type Lab } from '../runtime/helpers';

let lab: Lab | null = null;
afterAll(async () => {
  await lab?.dispose();
});

async function recordRealRun(): Promise<Recording> {
  lab = await openLab();
  const l = lab.lab;
  await l.createCluster({ ...FAST, nodes: 3, dataDir: lab.dir });
  const first = await waitForLeader(l);
  for (let i = 0; i < 10; i++) expect((await l.submit({ type: 'put', key: `k${i % 3}`, value: `v${i}` }, { timeoutMs: 8000 })).ok).toBe(true);
  const follower = [1, 2, 3].find((id) => id !== first)!;
  await l.crashNode(follower);
  await l.submit({ type: 'put', key: 'k1', value: 'during-crash' }, { timeoutMs: 8000 });
  await l.restartNode(follower);
  await l.crashNode(first);
  const second = await waitForLeader(l, [1, 2, 3].filter((id) => id !== first));
  expect(second).not.toBe(first);
  for (let i = 0; i < 5; i++) await l.submit({ type: 'cas', key: 'k0', expected: null, value: `c${i}` }, { timeoutMs: 8000 });
  await l.submit({ type: 'get', key: 'k1' }, { timeoutMs: 8000 });
  await l.restartNode(first);
  await new Promise((r) => setTimeout(r, 300));
  await l.destroyCluster();
  expect(l.recordingProblem).toBeNull();
  const recording = await l.recording();
  expect(recording).not.toBeNull();
  await rm(lab.dir, { recursive: true, force: true });
  return recording!;
}

describe('recording a real multi-process run', () => {
  it('replays with zero divergences, checks clean, and links messages across processes', async () => {
    const recording = readRecording(encodeRecording(await recordRealRun()));
    expect(recording.header.source).toBe('lab');
    const starts = recording.records.filter((r) => r.record.kind === 'start').length;
    const crashes = recording.records.filter((r) => r.record.kind === 'crash').length;
    expect(starts).toBe(5);
    expect(crashes).toBeGreaterThanOrEqual(2);

    const report = replayRecording(recording, RawNode);
    expect(report.firstDivergence).toBeNull();
    expect(report.events).toBeGreaterThan(200);

    const check = checkRecording(recording, RawNode);
    expect(check.violations).toEqual([]);
    expect(check.linearizability?.kind).toBe('ok');

    const stamped = recording.records.filter((r) => r.record.kind === 'input' && r.record.input.type === 'step' && r.record.input.stamp !== null).length;
    const steps = recording.records.filter((r) => r.record.kind === 'input' && r.record.input.type === 'step').length;
    expect(stamped).toBe(steps);
    const receives = exportShiViz(recording).split('\n').filter((l) => l.includes(' recv '));
    expect(receives.length).toBeGreaterThan(50);

    // Nodes answer clients ahead of sending their records; the file still shows every answer
    // after the Ready in which the answering leader applied that entry.
    const appliedUpTo = new Map<number, number>();
    let answers = 0;
    for (const { record } of recording.records) {
      if (record.kind === 'ready') appliedUpTo.set(record.node, Math.max(appliedUpTo.get(record.node) ?? 0, record.applied[1] - 1));
      if (record.kind === 'complete' && record.result.ok) {
        answers++;
        expect(appliedUpTo.get(record.result.leader) ?? 0, `answer ${record.opId} at index ${record.result.index}`).toBeGreaterThanOrEqual(record.result.index);
      }
    }
    expect(answers).toBeGreaterThanOrEqual(11);
  }, 120_000);
});
