/**
 * The scrubbing model against the recording itself: every state it reports at a position must
 * agree with what the recorded node said at that moment (its Ready's soft and hard state), jumps
 * through checkpoints must agree with a plain scan from the start, and the frame the renderer
 * consumes must end in those same states.
 */
import { describe, expect, it } from 'vitest';
import { ReplayIndex } from '../../shared/replay/replay-index';
import { frameAt } from '../../shared/replay/lab-projection';
import type { NodeStatus } from '../../shared/raft/types';
import { factory, recordedRun } from '../record/fixtures';

const { recording } = recordedRun({}, true);
// Small checkpoints, so that this short run crosses many of them.
const CHECKPOINT_EVERY = 64;
const index = new ReplayIndex(recording, factory, { checkpointEvery: CHECKPOINT_EVERY });

/** The status of each node after events 1..k by scanning from the start (no checkpoints). */
function scan(k: number): Map<number, NodeStatus | null> {
  const out = new Map<number, NodeStatus | null>();
  for (let i = 1; i <= k; i++) {
    const r = index.record(i);
    if (r.kind === 'start' || r.kind === 'input' || r.kind === 'ready' || r.kind === 'crash') out.set(r.node, index.statusAfter(i));
  }
  return out;
}

describe('ReplayIndex', () => {
  it('replays the whole recording without divergence and spans several checkpoints', () => {
    expect(index.divergence).toBeNull();
    expect(index.events).toBe(recording.records.length);
    expect(index.events).toBeGreaterThan(3 * CHECKPOINT_EVERY);
    expect(index.nodes).toEqual([1, 2, 3]);
  });

  it('at every ready record, the node shows the role, leader and term the recording says it had', () => {
    let readies = 0;
    for (let i = 1; i <= index.events; i++) {
      const r = index.record(i);
      if (r.kind !== 'ready') continue;
      readies++;
      const at = index.nodesAt(i).find((n) => n.id === r.node);
      expect(at?.state).toBe('running');
      expect(at?.status?.role).toBe(r.softState.role);
      expect(at?.status?.leader).toBe(r.softState.leader);
      if (r.hardState) {
        expect(at?.status?.term).toBe(r.hardState.term);
        expect(at?.status?.commit).toBe(r.hardState.commit);
      }
    }
    expect(readies).toBeGreaterThan(100);
  });

  it('a crashed node is down until its restart record', () => {
    let crashes = 0;
    for (let i = 1; i <= index.events; i++) {
      const r = index.record(i);
      if (r.kind !== 'crash') continue;
      crashes++;
      expect(index.nodesAt(i).find((n) => n.id === r.node)?.state).toBe('down');
      expect(index.nodesAt(i - 1).find((n) => n.id === r.node)?.state).toBe('running');
    }
    expect(crashes).toBeGreaterThanOrEqual(2);
  });

  it('jumping through checkpoints gives the same states as scanning from the start', () => {
    const positions = [0, 1, CHECKPOINT_EVERY - 1, CHECKPOINT_EVERY, CHECKPOINT_EVERY + 1, 2 * CHECKPOINT_EVERY + 17, index.events - 1, index.events];
    for (const k of positions) {
      const expected = scan(k);
      for (const n of index.nodesAt(k)) expect(n.status).toEqual(expected.get(n.id) ?? null);
    }
  });

  it('a node log at a position ends in the term its status reports, with no unknown entries above the first index', () => {
    for (const k of [200, 500, 800, index.events]) {
      for (const n of index.nodesAt(k)) {
        if (!n.status || n.status.lastIndex === 0) continue;
        const log = index.logAt(n.id, k);
        expect(log.lastIndex).toBe(n.status.lastIndex);
        expect(log.entries[log.lastIndex]?.term).toBe(n.status.lastTerm);
        for (let i = log.firstIndex; i <= log.lastIndex; i++) expect(log.entries[i]?.index).toBe(i);
      }
    }
  });

  it('rejects positions outside the recording with a message naming the range', () => {
    expect(() => index.nodesAt(index.events + 1)).toThrow(`outside 0..${index.events}`);
    expect(() => index.nodesAt(-1)).toThrow(RangeError);
  });
});

describe('frameAt', () => {
  it('starts with a reset and leaves every node in its state at k', () => {
    const k = 2 * CHECKPOINT_EVERY + 5;
    const frame = frameAt(index, k, 50);
    expect(frame.events[0]?.type).toBe('cluster-created');
    const seqs = frame.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const last = new Map<number, NodeStatus>();
    for (const e of frame.events) if (e.type === 'node-status') last.set(e.status.id, e.status);
    for (const n of index.nodesAt(k)) if (n.status) expect(last.get(n.id)).toEqual(n.status);
    expect(frame.logs.map((l) => l.node)).toEqual(index.nodes);
  });

  it('replays the window as the messages the nodes sent and received', () => {
    const frame = frameAt(index, index.events, 300);
    const sent = frame.events.filter((e) => e.type === 'message-sent').length;
    let expected = 0;
    for (let i = index.events - 299; i <= index.events; i++) {
      const r = index.record(i);
      if (r.kind === 'ready') expected += r.messages.length;
    }
    expect(sent).toBe(expected);
  });
});
