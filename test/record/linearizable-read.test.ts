/**
 * Linearizable reads in a recorded simulation: ReadIndex and lease reads are recorded as
 * read-index inputs with what was asked (lease true or false), replay asks the same and finds no
 * divergence, and the check sees the reads as gets in a linearizable history.
 */
import { describe, expect, it } from 'vitest';
import { checkRecording } from '../../shared/record/check';
import { recordSimulation } from '../../shared/record/record-sim';
import { replayRecording } from '../../shared/record/replay';
import type { KvResult } from '../../shared/protocol/lab';
import type { Simulator } from '../../shared/sim/simulator';
import { factory } from './fixtures';

describe('reads at the leader in a recorded simulation', () => {
  it('records what each read asked, replays exactly and checks as gets', () => {
    const answers: KvResult[] = [];
    const drive = (sim: Simulator): void => {
      sim.advance(1000);
      sim.submit({ type: 'put', key: 'r', value: 'v1' }, 'host', 5000, (r) => answers.push(r));
      sim.advance(500);
      sim.submit({ type: 'get', key: 'r' }, 'host', 5000, (r) => answers.push(r), undefined, 'read-index');
      sim.advance(500);
      sim.submit({ type: 'get', key: 'r' }, 'host', 5000, (r) => answers.push(r), undefined, 'lease');
      sim.advance(500);
    };
    const { recording } = recordSimulation({ nodes: 3, seed: 11, ops: 0, clients: 0, maxTimeMs: 4000 }, factory, drive);
    expect(answers).toEqual([
      expect.objectContaining({ ok: true, value: 'v1' }),
      expect.objectContaining({ ok: true, value: 'v1' }),
      expect.objectContaining({ ok: true, value: 'v1' }),
    ]);
    const write = answers[0]!;
    for (const read of answers.slice(1)) expect(read.ok && write.ok && read.index >= write.index).toBe(true);
    const asked = recording.records.flatMap((r) => (r.record.kind === 'input' && r.record.input.type === 'read-index' ? [r.record.input.lease] : []));
    expect(asked).toEqual([false, true]);
    const modes = recording.records.flatMap((r) => (r.record.kind === 'invoke' ? [r.record.read ?? 'log'] : []));
    expect(modes).toEqual(['log', 'read-index', 'lease']);
    const report = replayRecording(recording, factory);
    expect(report.firstDivergence).toBeNull();
    const check = checkRecording(recording, factory);
    expect(check.linearizability?.kind).toBe('ok');
  });
});
