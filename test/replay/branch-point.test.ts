/**
 * The branch point computed from a recording: nodes rebuilt from their scripts must be in exactly
 * the state the recording says they were in (the state digest of their last record), and the
 * messages in flight at an event must be exactly those sent by then and received later, whether
 * or not the receives carry send stamps.
 */
import { describe, expect, it } from 'vitest';
import { RawNode } from '../../shared/raft/raw-node';
import { branchPointAt, inFlightAt, rebuildNode } from '../../shared/replay/branch-point';
import { STATUS_DIGEST } from '../../shared/record/digest';
import type { BodyRecord, Located, Recording } from '../../shared/record/format';
import { recordedRun } from '../record/fixtures';

const { recording } = recordedRun({}, true);
const records = recording.records;
const n = records.length;

/** The last record of `node` among events 1..k. */
function lastOf(rec: Recording, node: number, k: number): BodyRecord | null {
  for (let i = k; i >= 1; i--) {
    const r = rec.records[i - 1]!.record;
    if ('node' in r && r.node === node) return r;
  }
  return null;
}

describe('branch point', () => {
  it('every running node rebuilt from its script has the state digest its last record at k reports', () => {
    let compared = 0;
    for (let k = 1; k <= n; k += 7) {
      for (const s of branchPointAt(records, k)) {
        const last = lastOf(recording, s.node, k);
        // After a Ready the host also advances (the rebuilt node did): compare at inputs and starts.
        if (s.state !== 'running' || last === null || (last.kind !== 'input' && last.kind !== 'start')) continue;
        const rebuilt = rebuildNode(s, RawNode);
        expect(STATUS_DIGEST.compute(rebuilt.api!), `node ${s.node} at event ${k}`).toBe(last.digest);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('messages in flight at k: sent at or before k, received after k (or never, at the tail of their link)', () => {
    for (const k of [50, Math.floor(n / 3), Math.floor(n / 2), n - 5]) {
      const flying = [...inFlightAt(records, k).values()].flat();
      const receivedLater = new Set<string>();
      const receivedBy = new Set<string>();
      records.forEach((l, i) => {
        const r = l.record;
        if (r.kind === 'input' && r.input.type === 'step') (i + 1 > k ? receivedLater : receivedBy).add(JSON.stringify(r.input.msg));
      });
      for (const f of flying) {
        expect(f.sentAt).toBeLessThanOrEqual(k);
        const key = JSON.stringify(f.message);
        // Either received after k, or never received at all (then no later copy was either).
        if (!receivedLater.has(key)) expect(receivedBy.has(key)).toBe(false);
      }
      // Completeness: every message sent by k whose only receive is after k is in flight.
      const sentBy = new Set<string>();
      records.slice(0, k).forEach((l) => { if (l.record.kind === 'ready') for (const m of l.record.messages) sentBy.add(JSON.stringify(m)); });
      const flyingKeys = new Set(flying.map((f) => JSON.stringify(f.message)));
      for (const key of receivedLater) if (sentBy.has(key) && !receivedBy.has(key)) expect(flyingKeys.has(key)).toBe(true);
      expect(flying.length).toBeGreaterThan(0);
    }
  });

  it('without send stamps (a host that does not carry them), the same messages are in flight', () => {
    const unstamped: Located<BodyRecord>[] = records.map((l) => {
      const r = l.record;
      return r.kind === 'input' && r.input.type === 'step' ? { line: l.line, record: { ...r, input: { ...r.input, stamp: null } } } : l;
    });
    for (const k of [40, Math.floor(n / 2), n]) {
      const a = [...inFlightAt(records, k).values()].flat().map((f) => JSON.stringify(f.message)).sort();
      const b = [...inFlightAt(unstamped, k).values()].flat().map((f) => JSON.stringify(f.message)).sort();
      expect(b).toEqual(a);
    }
  });

  it('a node not started yet starts fresh from its bootstrap; at event 0 every node does', () => {
    const at0 = branchPointAt(records, 0);
    expect(at0.map((s) => [s.node, s.state, s.script.mode.type, s.script.steps.length])).toEqual([[1, 'running', 'bootstrap', 0], [2, 'running', 'bootstrap', 0], [3, 'running', 'bootstrap', 0]]);
    expect(at0.flatMap((s) => s.inbound)).toEqual([]);
  });
});
