import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../shared/record/export-perfetto';
import { exportPerfetto } from './reference/whole-text';
import { recordedRun } from './fixtures';

const PHASES = new Set(['M', 'X', 'i', 's', 'f', 'C', 'b', 'e']);

/** Checks the Trace Event Format rules that trace viewers rely on. */
function checkWellFormed(events: readonly TraceEvent[]): void {
  const named = new Set<number>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') named.add(e.tid);
  for (const e of events) {
    expect(typeof e.name).toBe('string');
    expect(PHASES.has(e.ph), `phase ${e.ph}`).toBe(true);
    expect(Number.isInteger(e.pid) && Number.isInteger(e.tid)).toBe(true);
    if (e.ph === 'M') {
      expect(e.args).toBeDefined();
      continue;
    }
    expect(typeof e.ts === 'number' && Number.isFinite(e.ts) && e.ts >= 0, `ts of ${e.name}`).toBe(true);
    expect(named.has(e.tid), `track ${e.tid} has a thread_name`).toBe(true);
    if (e.ph === 'X') expect(e.dur !== undefined && e.dur >= 0).toBe(true);
    if (e.ph === 'i') expect(['t', 'p', 'g']).toContain(e.s);
    if (e.ph === 'C') for (const v of Object.values(e.args ?? {})) expect(typeof v).toBe('number');
  }
  // Complete slices on one track nest: none partially overlaps another.
  const byTrack = new Map<number, TraceEvent[]>();
  for (const e of events) if (e.ph === 'X') byTrack.set(e.tid, [...(byTrack.get(e.tid) ?? []), e]);
  for (const [tid, list] of byTrack) {
    const sorted = list.slice().sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
    const stack: TraceEvent[] = [];
    for (const e of sorted) {
      while (stack.length > 0 && stack[stack.length - 1]!.ts! + stack[stack.length - 1]!.dur! <= e.ts!) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) expect(e.ts! + e.dur!, `slice ${e.name} at ${e.ts} on track ${tid} overlaps ${parent.name}`).toBeLessThanOrEqual(parent.ts! + parent.dur!);
      stack.push(e);
    }
  }
  // Flows: one start per id, finishes bound to a slice, never before their start.
  const starts = new Map<number | string, TraceEvent>();
  for (const e of events) if (e.ph === 's') {
    expect(starts.has(e.id!), `flow ${e.id} started twice`).toBe(false);
    starts.set(e.id!, e);
  }
  const finished = new Set<number | string>();
  for (const e of events) if (e.ph === 'f') {
    const s = starts.get(e.id!);
    expect(s, `flow ${e.id} finishes without a start`).toBeDefined();
    expect(e.bp).toBe('e');
    expect(e.ts!).toBeGreaterThan(s!.ts!);
    expect(finished.has(e.id!)).toBe(false);
    finished.add(e.id!);
  }
  // Async client slices pair up by id.
  const open = new Map<string | number, TraceEvent>();
  for (const e of events) {
    if (e.ph === 'b') open.set(e.id!, e);
    if (e.ph === 'e') {
      const b = open.get(e.id!);
      expect(b, `async end ${e.id} without begin`).toBeDefined();
      expect(e.ts!).toBeGreaterThan(b!.ts!);
    }
  }
}

describe('Chrome trace / Perfetto export', () => {
  it('is well-formed JSON in the Trace Event Format with one track per node', () => {
    const { recording } = recordedRun({ faults: ['partition', 'loss'] }, true);
    const file = JSON.parse(exportPerfetto(recording)) as { traceEvents: TraceEvent[]; displayTimeUnit: string };
    expect(file.displayTimeUnit).toBe('ms');
    checkWellFormed(file.traceEvents);
    const threads = file.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => (e.args as { name: string }).name);
    expect(threads).toEqual(expect.arrayContaining(['node 1', 'node 2', 'node 3', 'clients']));
  });

  it('shows roles, terms and messages as flows', () => {
    const { recording } = recordedRun({}, true);
    const events = (JSON.parse(exportPerfetto(recording)) as { traceEvents: TraceEvent[] }).traceEvents;
    const roles = events.filter((e) => e.ph === 'X' && e.cat === 'role');
    expect(roles.some((e) => e.name.startsWith('leader (term '))).toBe(true);
    expect(roles.some((e) => e.name.startsWith('follower (term '))).toBe(true);
    expect(events.some((e) => e.ph === 'C' && e.name.startsWith('term n'))).toBe(true);
    const flows = events.filter((e) => e.ph === 'f').length;
    const sends = events.filter((e) => e.ph === 's').length;
    expect(flows).toBeGreaterThan(100);
    // Some sends are never received (crashed receiver, loss), never the other way round.
    expect(flows).toBeLessThanOrEqual(sends);
    expect(events.some((e) => e.ph === 'i' && e.name.startsWith('crash'))).toBe(true);
  });
});
