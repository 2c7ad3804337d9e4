/**
 * Linearizable reads in a recorded simulation: ReadIndex and lease reads are recorded as
 * read-index inputs with what was asked (lease true or false), replay asks the same and finds no
 * divergence, and the check sees the reads as gets in a linearizable history.
 */
import { describe, expect, it } from 'vitest';
import { checkRecording } from '../../shared/record/check';
import { replayRecording } from '../../shared/record/replay';
import { DEFAULT_CLUSTER_OPTIONS, type KvResult, type SubmitOptions } from '../../shared/protocol/lab';
import { SimulatedLab } from '../../shared/sim/sim-lab';
import { RecordingFactory } from '../../shared/record/recording-factory';
import { RunRecorder } from '../../shared/record/write';
import { engineFeed } from '../../shared/record/engine-feed';
import { factory } from './fixtures';

describe('reads at the leader in a recorded simulation', () => {
  it('records what each read asked, replays exactly and checks as gets', async () => {
    const options = { ...DEFAULT_CLUSTER_OPTIONS, nodes: 3, tickMs: 10, snapshotEvery: 0, seed: 11 };
    const run = new RunRecorder({ source: 'sim', createdAtMs: 0, nodes: [1, 2, 3], seed: options.seed, settings: { nodes: options.nodes, tickMs: options.tickMs, seed: options.seed } });
    let lab: SimulatedLab | null = null;
    const recorded = new RecordingFactory(factory, run, () => lab?.sim.now ?? 0);
    lab = new SimulatedLab({
      options, factory: recorded, recorder: engineFeed(run),
    });
    const answers: KvResult[] = [];
    const ask = async (op: Parameters<SimulatedLab['engine']['submit']>[0], read?: SubmitOptions['read']): Promise<void> => {
      const answer = lab.engine.submit(op, { client: 'host', timeoutMs: 5000, ...(read === undefined ? {} : { read }) });
      lab.sim.advance(500);
      answers.push(await answer);
    };
    lab.sim.advance(1000);
    await ask({ type: 'put', key: 'r', value: 'v1' });
    await ask({ type: 'get', key: 'r' }, 'read-index');
    await ask({ type: 'get', key: 'r' }, 'lease');
    const recording = run.finish(lab.sim.now);
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
