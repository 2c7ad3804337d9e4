import { describe, expect, it } from 'vitest';
import { historyChunks } from '../../shared/record/export-history';
import { historyOf } from '../../shared/record/history';
import { recordedRun } from './fixtures';

describe('client history export', () => {
  it('pairs every invocation with at most one completion, in both checker formats', () => {
    const { recording } = recordedRun({ faults: ['partition', 'loss'] }, true);
    const invokes = recording.records.filter((r) => r.record.kind === 'invoke').length;
    const history = historyOf(recording);
    expect(history.length).toBe(invokes);
    for (const h of history) if (h.completeMs !== null) expect(h.completeMs).toBeGreaterThanOrEqual(h.invokeMs);

    const porcupine = [...historyChunks(history, 'porcupine')].join('');
    const knossos = [...historyChunks(history, 'knossos')].join('');
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

// The archive itself (written member by member) is tested in export-streamed.test.ts.
