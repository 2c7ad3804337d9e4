/**
 * The ShiViz and Perfetto exports grow with the recording, so `raft-lab export` writes them in
 * pieces rather than as one string (which a large recording would push past the longest string
 * the runtime can hold). The pieces must make exactly the file the one-string exporters make,
 * each piece must stay small (one line or event), and the command line must write that file.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main';
import { perfettoChunks, perfettoTrace } from '../../shared/record/export-perfetto';
import { exportShiViz, shivizChunks, shivizLines } from '../../shared/record/export-shiviz';
import { encodeRecording } from '../../shared/record/write';
import { recordedRun } from './fixtures';

const { recording } = recordedRun({}, true);
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('streamed exports', () => {
  it('perfetto: the pieces make exactly JSON.stringify of the trace, one event a piece', () => {
    const chunks = [...perfettoChunks(recording)];
    const trace = perfettoTrace(recording);
    expect(chunks.join('')).toBe(JSON.stringify(trace));
    expect(chunks.length).toBe(trace.traceEvents.length + 2);
    const longestEvent = Math.max(...trace.traceEvents.map((e) => JSON.stringify(e).length)) + 1;
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(Math.max(longestEvent, 200));
  });

  it('shiviz: the pieces are the header and one line each', () => {
    const chunks = [...shivizChunks(recording)];
    expect(chunks.join('')).toBe(exportShiViz(recording));
    expect(chunks.length).toBe(shivizLines(recording).length + 1);
    expect(chunks.slice(1).every((c) => c.endsWith('\n') && c.indexOf('\n') === c.length - 1)).toBe(true);
  });

  it('raft-lab export writes the same files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'raft-lab-export-streamed-'));
    dirs.push(dir);
    const file = join(dir, 'run.jsonl');
    await writeFile(file, encodeRecording(recording));
    const quiet = (): void => undefined;
    expect(await main(['export', file, '--format', 'perfetto', '--out', join(dir, 'trace.json')], quiet, quiet)).toBe(0);
    expect(await main(['export', file, '--format', 'shiviz', '--out', join(dir, 'shiviz.log')], quiet, quiet)).toBe(0);
    expect(await readFile(join(dir, 'trace.json'), 'utf8')).toBe(JSON.stringify(perfettoTrace(recording)));
    expect(await readFile(join(dir, 'shiviz.log'), 'utf8')).toBe(exportShiViz(recording));
  });
});
