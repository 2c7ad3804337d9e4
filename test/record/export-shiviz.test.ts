import { describe, expect, it } from 'vitest';
import { hostName } from '../../shared/record/export-shiviz';
import { exportShiViz } from './reference/whole-text';
import { recordedRun } from './fixtures';

interface Parsed {
  readonly host: string;
  readonly clock: Record<string, number>;
  readonly event: string;
  readonly line: number;
}

/** Parse the file the way ShiViz does: first line is the regex, second the delimiter, then the log. */
function parseLikeShiViz(text: string): Parsed[] {
  const [regexLine, delimiter, ...rest] = text.split('\n');
  expect(delimiter).toBe('');
  const re = new RegExp(regexLine!, 'g');
  const log = rest.join('\n');
  const out: Parsed[] = [];
  for (const m of log.matchAll(re)) {
    const g = m.groups!;
    out.push({ host: g.host!, clock: JSON.parse(g.clock!) as Record<string, number>, event: g.event!, line: log.slice(0, m.index).split('\n').length });
  }
  // Every non-empty log line is one event: nothing is silently skipped by the regex.
  expect(out.length).toBe(rest.filter((l) => l !== '').length);
  return out;
}

/**
 * ShiViz's acceptance rules (model graph construction): per host the own clock runs 1, 2, 3, ...;
 * every entry names a host that logs events and stays within that host's event count; and the
 * clocks are consistent: an event's clock dominates the clock of every event it names, so the
 * recomputed happened-before closure matches.
 */
function checkShiVizRules(events: readonly Parsed[]): void {
  const byHost = new Map<string, Parsed[]>();
  for (const e of events) {
    expect(e.clock[e.host], `own entry at log line ${e.line}`).toBeGreaterThan(0);
    byHost.set(e.host, [...(byHost.get(e.host) ?? []), e]);
  }
  for (const [host, list] of byHost) {
    const times = list.map((e) => e.clock[host]!).sort((a, b) => a - b);
    expect(times).toEqual(times.map((_, i) => i + 1));
  }
  const at = (host: string, t: number) => byHost.get(host)!.find((e) => e.clock[host] === t)!;
  for (const e of events) {
    for (const [h, t] of Object.entries(e.clock)) {
      expect(byHost.has(h), `unknown host ${h} at log line ${e.line}`).toBe(true);
      expect(t).toBeLessThanOrEqual(byHost.get(h)!.length);
      const named = at(h, t);
      for (const [h2, t2] of Object.entries(named.clock)) expect(e.clock[h2] ?? 0, `clock at log line ${e.line} vs ${h}:${t}`).toBeGreaterThanOrEqual(t2);
    }
    // The previous event on the same host is dominated too (local order).
    const own = e.clock[e.host]!;
    if (own > 1) for (const [h2, t2] of Object.entries(at(e.host, own - 1).clock)) expect(e.clock[h2] ?? 0).toBeGreaterThanOrEqual(t2);
  }
}

describe('ShiViz export', () => {
  it('produces a log ShiViz accepts: regex header, one event per line, consistent vector clocks', () => {
    const { recording } = recordedRun({ faults: ['partition', 'loss'] }, true);
    const events = parseLikeShiViz(exportShiViz(recording));
    expect(events.length).toBeGreaterThan(100);
    checkShiVizRules(events);
  });

  it('makes every receive happen after its send, across hosts', () => {
    const { recording } = recordedRun({}, true);
    const events = parseLikeShiViz(exportShiViz(recording));
    const receives = events.filter((e) => e.event.startsWith('recv '));
    expect(receives.length).toBeGreaterThan(50);
    for (const r of receives) {
      const from = /from (\S+)/.exec(r.event)![1]!;
      // The receiver knows at least one event of the sender: the send.
      expect(r.clock[from] ?? 0, `receive at log line ${r.line}`).toBeGreaterThan(0);
    }
    expect(new Set(events.map((e) => e.host))).toEqual(new Set([1, 2, 3].map(hostName)));
    expect(events.some((e) => e.event.startsWith('crash'))).toBe(true);
    expect(events.some((e) => e.event.includes('becomes leader'))).toBe(true);
  });

  it('is checked by a validator that does reject a broken clock', () => {
    const { recording } = recordedRun();
    const events = parseLikeShiViz(exportShiViz(recording));
    const i = events.findIndex((e) => e.event.startsWith('recv '));
    const broken = events.map((e, j) => (j === i ? { ...e, clock: { ...e.clock, [e.host]: e.clock[e.host]! + 1 } } : e));
    expect(() => checkShiVizRules(broken)).toThrow();
  });
});
