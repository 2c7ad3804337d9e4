import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { archiveFileNames, exportArchive } from '../../shared/record/export-archive';
import { exportHistory } from '../../shared/record/export-history';
import { historyOf } from '../../shared/record/history';
import { readRecording } from '../../shared/record/read';
import { buildTar, utf8 } from '../../shared/record/tar';
import { encodeRecording } from '../../shared/record/write';
import { recordedRun } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'raft-lab-archive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('client history export', () => {
  it('pairs every invocation with at most one completion, in both checker formats', () => {
    const { recording } = recordedRun({ faults: ['partition', 'loss'] }, true);
    const invokes = recording.records.filter((r) => r.record.kind === 'invoke').length;
    const history = historyOf(recording);
    expect(history.length).toBe(invokes);
    for (const h of history) if (h.completeMs !== null) expect(h.completeMs).toBeGreaterThanOrEqual(h.invokeMs);

    const { porcupine, knossos } = exportHistory(recording);
    const ops = JSON.parse(porcupine) as { clientId: number; call: number; return: number }[];
    expect(ops.length).toBe(invokes);
    for (const op of ops) expect(op.return).toBeGreaterThan(op.call);

    // Knossos: each :invoke is followed by exactly one completion of the same process.
    const open = new Map<string, number>();
    let completions = 0;
    for (const line of knossos.split('\n')) {
      const m = /:process (\d+), :type :(invoke|ok|fail|info)/.exec(line);
      if (!m) continue;
      const [, proc, type] = m;
      if (type === 'invoke') {
        expect(open.has(proc!), `process ${proc} invokes twice without completing`).toBe(false);
        open.set(proc!, 1);
      } else {
        expect(open.delete(proc!), `process ${proc} completes without an invoke`).toBe(true);
        completions++;
      }
    }
    expect(open.size).toBe(0);
    expect(completions).toBe(invokes);
  });
});

describe('archive export', () => {
  it('is a tar file that the system tar lists and extracts byte for byte', () => {
    const { recording } = recordedRun();
    const databases = [1, 2, 3].map((node) => ({ node, bytes: Uint8Array.from({ length: 700 + node }, (_, i) => (i * node) & 0xff) }));
    const file = join(dir, 'export.tar');
    writeFileSync(file, exportArchive({ recording, databases }));
    const listed = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toEqual(archiveFileNames('raft-lab-export', [1, 2, 3]));
    execFileSync('tar', ['-xf', file, '-C', dir]);
    const out = join(dir, 'raft-lab-export');
    expect(readFileSync(join(out, 'node-2.sqlite'))).toEqual(Buffer.from(databases[1]!.bytes));
    // The replay log inside reads back as the same recording.
    const text = readFileSync(join(out, 'recording.jsonl'), 'utf8');
    expect(text).toBe(encodeRecording(recording));
    expect(readRecording(text).records.length).toBe(recording.records.length);
    expect(() => JSON.parse(readFileSync(join(out, 'trace.json'), 'utf8')) as unknown).not.toThrow();
    expect(readFileSync(join(out, 'shiviz.log'), 'utf8').split('\n')[0]).toContain('(?<clock>');
  });

  it('encodes non-ASCII text as UTF-8 and refuses names tar cannot hold', () => {
    const file = join(dir, 'utf8.tar');
    writeFileSync(file, buildTar([{ name: 'a/notes.txt', bytes: utf8('Raft — 選挙 🗳'), mtimeSec: 1_700_000_000 }]));
    expect(execFileSync('tar', ['-xOf', file, 'a/notes.txt'], { encoding: 'utf8' })).toBe('Raft — 選挙 🗳');
    expect(() => buildTar([{ name: 'x'.repeat(101), bytes: new Uint8Array(), mtimeSec: 0 }])).toThrow(/at most 100 bytes/);
    expect(() => buildTar([{ name: 'dup', bytes: new Uint8Array(), mtimeSec: 0 }, { name: 'dup', bytes: new Uint8Array(), mtimeSec: 0 }])).toThrow(/duplicate/);
  });
});
