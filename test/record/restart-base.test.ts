/**
 * Restarts do not copy the log into the recording: a restarted node's entries that its earlier
 * instance already recorded are written as a reference (`mode.base`) that replay, the checker
 * and branching rebuild from the node's own records, checked by digest.
 */
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../shared/raft/types';
import { checkRecording } from '../../shared/record/check';
import { STATUS_DIGEST } from '../../shared/record/digest';
import type { BodyRecord, Located, ReadyRecord, StartRecord } from '../../shared/record/format';
import { readRecording } from '../../shared/record/read';
import { replayRecording } from '../../shared/record/replay';
import { entriesDigest, RecordedTerms, resolveRestore, termRuns, withRestoreBase } from '../../shared/record/restart-base';
import { encodeRecording } from '../../shared/record/write';
import { branchPointAt, rebuildNode } from '../../shared/replay/branch-point';
import { factory, recordedRun } from './fixtures';

const cmd = (index: number, term: number): Entry => ({ kind: 'command', index, term, data: `v${index}.${term}` });

function ready(appended: readonly Entry[], snapshotIndex: number | null = null): ReadyRecord {
  const first = appended[0];
  return {
    kind: 'ready', node: 1, seq: 1, lamport: 1, wallMs: 0, softState: { role: 'follower', leader: 0 }, hardState: null,
    appended: first ? [first.index, appended[appended.length - 1]!.index + 1] : [0, 0],
    ...(first ? { terms: termRuns(appended) } : {}),
    applied: [0, 0], snapshot: snapshotIndex === null ? null : { index: snapshotIndex, term: 1, conf: { voters: [1], learners: [] } },
    messages: [], readStates: [], readyDigest: '0000000000000000', digest: '0000000000000000',
  };
}

const restartOf = (entries: readonly Entry[]) => ({ type: 'restore' as const, persisted: { hardState: { term: 2, vote: 1, commit: 0 }, snapshot: null, entries } });

describe('what a restart refers to', () => {
  const recorded = [cmd(1, 1), cmd(2, 1), cmd(3, 1), cmd(4, 2), cmd(5, 2)];

  it('refers to the recorded prefix and copies what storage holds beyond it', () => {
    const log = new RecordedTerms();
    log.reset(null);
    log.onReady(ready(recorded.slice(0, 3)));
    log.onReady(ready(recorded.slice(3)));
    // Storage also holds 6 and 7, written by a process killed before it reported them.
    const disk = [...recorded, cmd(6, 2), cmd(7, 2)];
    const written = withRestoreBase(restartOf(disk), log);
    expect(written.base).toEqual({ first: 1, through: 5, digest: entriesDigest(recorded) });
    expect(written.persisted.entries.map((e) => e.index)).toEqual([6, 7]);
    // Replay resolves it from the log it rebuilt.
    const resolved = resolveRestore(written, { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: recorded });
    expect(resolved.entries).toEqual(disk);
  });

  it('stops at an entry whose term differs from the recorded one (overwritten on disk, never reported)', () => {
    const log = new RecordedTerms();
    log.reset(null);
    log.onReady(ready(recorded));
    const disk = [cmd(1, 1), cmd(2, 1), cmd(3, 1), cmd(4, 3), cmd(5, 3)];
    const written = withRestoreBase(restartOf(disk), log);
    expect(written.base?.through).toBe(3);
    expect(written.persisted.entries).toEqual(disk.slice(3));
  });

  it('follows compaction and installed snapshots, and copies everything when nothing matches', () => {
    const log = new RecordedTerms();
    log.reset(null);
    log.onReady(ready(recorded));
    log.onCompact(3);
    expect(log.termAt(3)).toBeNull();
    expect(log.termAt(4)).toBe(2);
    log.onReady(ready([], 10));
    expect(log.termAt(4)).toBeNull();
    const mode = restartOf(recorded);
    expect(withRestoreBase(mode, log)).toBe(mode);
  });

  it('a reference the rebuilt log cannot satisfy is an error naming the entries', () => {
    const log = new RecordedTerms();
    log.reset(null);
    log.onReady(ready(recorded));
    const written = withRestoreBase(restartOf(recorded), log);
    const other = { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [cmd(1, 1), cmd(2, 1), cmd(3, 1), { ...cmd(4, 2), data: 'changed' }, cmd(5, 2)] };
    expect(() => resolveRestore(written, other)).toThrow(/entries 1\.\.5 differ from the node's recorded log/);
    expect(() => resolveRestore(written, { ...other, entries: recorded.slice(0, 2) })).toThrow(/refers to entries 1\.\.5 of the node's recorded log, which holds 1\.\.2/);
  });
});

describe('a recorded run with crashes and no compaction', () => {
  // No compaction: before, every restart copied the node's whole log.
  const run = recordedRun({ nodes: 3, seed: 5, ops: 60, snapshotEvery: 0 }, true);
  const restarts = run.recording.records
    .filter((l): l is Located<StartRecord> => l.record.kind === 'start' && l.record.mode.type === 'restore')
    .map((l) => l.record);

  it('writes restarts as references to the recorded log, copying nothing the records hold', () => {
    expect(restarts.length).toBeGreaterThanOrEqual(2);
    for (const r of restarts) {
      if (r.mode.type !== 'restore') continue;
      expect(r.mode.base).toBeDefined();
      expect(r.mode.base!.through).toBeGreaterThan(1);
      expect(r.mode.persisted.entries).toEqual([]);
    }
  });

  it('replays, checks and branches exactly through those restarts, also after a trip through the file', () => {
    const again = readRecording(encodeRecording(run.recording));
    for (const recording of [run.recording, again]) {
      expect(replayRecording(recording, factory).firstDivergence).toBeNull();
      expect(replayRecording(recording, factory, { order: 'causal' }).firstDivergence).toBeNull();
      expect(checkRecording(recording, factory).ok).toBe(true);
    }
    const records: readonly Located<BodyRecord>[] = again.records;
    let compared = 0;
    let downWithBase = 0;
    for (let k = 1; k <= records.length; k += 3) {
      for (const s of branchPointAt(records, k)) {
        const rebuilt = rebuildNode(s, factory);
        if (s.state === 'down') {
          // Down at k and restarted later with a base: the disk it gets is what it restarted from.
          if (s.restartFrom?.base) {
            const next = records.slice(k).find((l) => l.record.kind === 'start' && l.record.node === s.node);
            expect(next).toBeDefined();
            expect(rebuilt.persisted.entries.length).toBeGreaterThanOrEqual(s.restartFrom.base.through - s.restartFrom.base.first + 1);
            downWithBase++;
          }
          continue;
        }
        const last = [...records.slice(0, k)].reverse().find((l) => 'node' in l.record && l.record.node === s.node)?.record;
        if (!last || (last.kind !== 'input' && last.kind !== 'start')) continue;
        if (s.earlier.length === 0) continue;
        // A node whose instance started from a base: rebuilt exactly (its recorded state digest).
        expect(STATUS_DIGEST.compute(rebuilt.api!), `node ${s.node} at event ${k}`).toBe(last.digest);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20);
    expect(downWithBase).toBeGreaterThan(0);
  });

  it('a base whose digest does not match the rebuilt log is a replay divergence at that restart', () => {
    const text = encodeRecording(run.recording);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('"base":{'));
    expect(at).toBeGreaterThan(0);
    lines[at] = lines[at]!.replace(/"digest":"[0-9a-f]{16}"\}/, '"digest":"0123456789abcdef"}');
    const report = replayRecording(readRecording(lines.join('\n')), factory);
    expect(report.firstDivergence?.line).toBe(at + 1);
    expect(report.firstDivergence?.what).toBe('restart');
  });
});
