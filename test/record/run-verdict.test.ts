import { describe, expect, it } from 'vitest';
import { runVerdict } from '../../electron/cli/commands/run';
import type { Violation } from '../../shared/protocol/lab';

const clean = { ok: true, violations: [] };

describe('raft-lab run: the verdict', () => {
  it('passes a clean run', () => {
    expect(runVerdict(clean, { ok: 800, failed: 6, superseded: 0 }, null)).toEqual({ code: 0, problems: [] });
  });

  it('a run whose requests were answered "superseded" does not pass, and says why', () => {
    // The numbers of the run that printed PASS on a reused data folder.
    const v = runVerdict(clean, { ok: 41, failed: 765, superseded: 765 }, null);
    expect(v.code).toBe(2);
    expect(v.problems.join('\n')).toMatch(/765 of 806 client request\(s\) were answered "superseded"/);
  });

  it('an incomplete recording does not pass either; a safety violation is exit 1 whatever else', () => {
    expect(runVerdict(clean, { ok: 5, failed: 0, superseded: 0 }, 'writing x: ENOSPC').code).toBe(2);
    const violation: Violation = { property: 'election-safety', nodes: [1, 2], indexes: [], term: 2, eventSeq: 3, message: 'two leaders in term 2' };
    expect(runVerdict({ ok: false, violations: [violation] }, { ok: 5, failed: 0, superseded: 2 }, null).code).toBe(1);
  });
});
