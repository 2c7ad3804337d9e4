/**
 * The lab streams each run's recording into its data folder as gzip (recording-<ms>.jsonl.gz),
 * sync-flushed per batch: while the cluster runs, the file reads back as an incomplete recording
 * holding what was flushed (what a crash of the app would leave), and once the cluster is
 * destroyed it is a complete gzip file whose text is the recording.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { readRecordingFile } from '../../electron/lab/recording-file';
import { readRecording, RecordingError } from '../../shared/record/read';
import { FAST, openLab, waitFor, waitForLeader, type Lab } from './helpers';

let lab: Lab | null = null;
afterEach(async () => {
  await lab?.dispose();
  lab = null;
});

describe('the lab records to a gzip file', () => {
  it('reads back while the run goes on (incomplete) and whole after it', async () => {
    lab = await openLab();
    const l = lab.lab;
    await l.createCluster({ ...FAST, nodes: 3, dataDir: lab.dir });
    const path = l.recordingPath!;
    expect(basename(path)).toMatch(/^recording-\d+\.jsonl\.gz$/);
    await waitForLeader(l);
    for (let i = 0; i < 5; i++) expect((await l.submit({ type: 'put', key: 'k', value: `v${i}` }, { timeoutMs: 8000 })).ok).toBe(true);
    // The file as a second reader finds it mid-run: a gzip stream without its end, read as incomplete.
    const live = await waitFor('a flushed batch', async () => {
      const r = await readRecordingFile(path, { allowIncomplete: true });
      return r.records.some((x) => x.record.kind === 'complete') ? r : null;
    });
    expect(live.end).toBeNull();
    expect((await readFile(path)).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    await expect(readRecordingFile(path)).rejects.toThrow(RecordingError);
    await expect(readRecordingFile(path)).rejects.toThrow(/the gzip stream is cut short after line \d+/);
    // The controller's own view (flushed first, then read as incomplete) holds at least as much.
    const mid = await l.recording();
    expect(mid!.records.length).toBeGreaterThanOrEqual(live.records.length);
    expect(mid!.records.slice(0, live.records.length)).toEqual(live.records);

    await l.destroyCluster();
    expect(l.recordingProblem).toBeNull();
    const done = await readRecordingFile(path);
    expect(done.end).not.toBeNull();
    expect(done.records.slice(0, mid!.records.length)).toEqual(mid!.records);
    expect(readRecording(gunzipSync(await readFile(path)).toString('utf8'))).toEqual(done);
    expect((await readdir(lab.dir)).filter((n) => n.startsWith('recording-'))).toEqual([basename(path)]);
  });
});
