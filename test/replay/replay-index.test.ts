/**
 * The scrubbing model against the recording itself: every state it reports at a position must
 * agree with what the recorded node said at that moment (its Ready's soft and hard state), jumps
 * through checkpoints must agree with a plain scan from the start, and the frame the renderer
 * consumes must end in those same states. Built as a file is read (in chunks, as the replay
 * worker does), it must show exactly the same at every position it calls indexed, refuse the
 * others, and wait for a send that comes later in the file before replaying its receive.
 */
import { describe, expect, it } from 'vitest';
import { ReplayIndex } from '../../shared/replay/replay-index';
import { frameAt } from '../../shared/replay/lab-projection';
import type { NodeStatus } from '../../shared/raft/types';
import type { BodyRecord, Located, Recording } from '../../shared/record/format';
import { readRecording } from '../../shared/record/read';
import { recordSimulation } from '../../shared/record/record-sim';
import { encodeRecording } from '../../shared/record/write';
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

/** An index fed the records in chunks of the given sizes (cycled), as the replay worker reads a file. */
function inChunks(rec: Recording, sizes: readonly number[], each?: (ix: ReplayIndex) => void): ReplayIndex {
  const ix = new ReplayIndex({ header: rec.header, records: [], end: null }, factory, { partial: true, checkpointEvery: CHECKPOINT_EVERY });
  for (let at = 0, c = 0; at < rec.records.length; c++) {
    const size = sizes[c % sizes.length] as number;
    ix.add(rec.records.slice(at, at + size));
    at += size;
    each?.(ix);
  }
  return ix;
}

/** The recording with receive x's stamp pointing at a send the file does not hold. */
function withBogusStamp(rec: Recording, x: number): Recording {
  const records = rec.records.map((l, y) => {
    const r = l.record;
    if (y !== x || r.kind !== 'input' || r.input.type !== 'step' || !r.input.stamp) return l;
    return { ...l, record: { ...r, input: { ...r.input, stamp: { ...r.input.stamp, seq: 1_000_000 } } } };
  });
  return readRecording(encodeRecording({ ...rec, records }));
}

/** The recording with its records in a new order, renumbered, and checked by the reader. */
function reordered(rec: Recording, order: readonly number[]): Recording {
  const records: Located<BodyRecord>[] = order.map((from, i) => ({ line: i + 2, record: rec.records[from]!.record }));
  return readRecording(encodeRecording({ ...rec, records }));
}

describe('ReplayIndex built as the file is read', () => {
  it('shows at every indexed position what the index built at once shows, and refuses the rest until complete', () => {
    let checks = 0;
    const ix = inChunks(recording, [1, 5, 17, 63, 64, 65, 200], (ix) => {
      expect(ix.complete).toBe(false);
      expect(ix.indexed).toBeLessThanOrEqual(ix.events);
      for (const k of [0, Math.floor(ix.indexed / 2), ix.indexed]) {
        expect(ix.nodesAt(k)).toEqual(index.nodesAt(k));
        checks++;
      }
      if (ix.indexed < index.events) expect(() => ix.nodesAt(ix.indexed + 1)).toThrow(/outside|not indexed yet/);
    });
    expect(checks).toBeGreaterThanOrEqual(3 * 15);
    ix.finish(recording.end);
    expect(ix.complete).toBe(true);
    expect(ix.indexed).toBe(index.events);
    expect(ix.violations).toEqual(index.violations);
    expect(ix.divergence).toEqual(index.divergence);
    for (const k of [1, 333, CHECKPOINT_EVERY * 3, index.events]) {
      expect(ix.nodesAt(k)).toEqual(index.nodesAt(k));
      for (const id of index.nodes) expect(ix.logAt(id, k)).toEqual(index.logAt(id, k));
    }
    expect(() => ix.add([])).toThrow('already complete');
  });

  // A receive written before its send (hosts write each process's records as they arrive, so a
  // file need not be in causal order): found in the recording by moving a receive up.
  const send = (() => {
    const rs = recording.records;
    for (let j = 0; j < rs.length; j++) {
      const r = rs[j]!.record;
      if (r.kind !== 'input' || r.input.type !== 'step' || !r.input.stamp) continue;
      const stamp = r.input.stamp;
      const from = r.input.msg.from;
      const i = rs.findIndex((l) => l.record.kind === 'ready' && l.record.node === from && l.record.seq === stamp.seq);
      if (i < 0 || rs.slice(i, j).some((l) => 'node' in l.record && l.record.node === r.node)) continue;
      return { i, j };
    }
    throw new Error('no receive that can move before its send');
  })();
  const order = recording.records.map((_, x) => x);
  order.splice(send.j, 1);
  order.splice(send.i, 0, send.j);
  const early = reordered(recording, order);

  it('a receive read before its send waits for it: the index stops short of it until the send is read', () => {
    // Event send.i + 1 is now the receive, event send.i + 2 its send.
    const ix = new ReplayIndex({ header: early.header, records: [], end: null }, factory, { partial: true });
    ix.add(early.records.slice(0, send.i + 1));
    expect(ix.indexed).toBe(send.i);
    expect(() => ix.nodesAt(send.i + 1)).toThrow(`position ${send.i + 1} is not indexed yet`);
    ix.add(early.records.slice(send.i + 1));
    expect(ix.indexed).toBe(early.records.length);
    ix.finish(early.end);
    expect(ix.divergence).toBeNull();
    // Once both are in, the same records have happened as in the original order.
    const states = (ix: ReplayIndex, k: number) => ix.nodesAt(k).map((n) => ({ id: n.id, state: n.state, status: n.status }));
    for (const k of [send.j + 1, early.records.length]) expect(states(ix, k)).toEqual(states(index, k));
    expect(ix.violations.length).toBe(index.violations.length);
  });

  it('a receive whose send never comes waits until the end, unless the sending instance is over', () => {
    const rs = recording.records;
    const stamped = (x: number) => {
      const r = rs[x]!.record;
      return r.kind === 'input' && r.input.type === 'step' && r.input.stamp !== null;
    };
    // The last receive in the file: its sender's instance is still running, so the send may come.
    let last = rs.length - 1;
    while (!stamped(last)) last--;
    const waits = new ReplayIndex({ header: recording.header, records: [], end: null }, factory, { partial: true });
    waits.add(withBogusStamp(recording, last).records);
    expect(waits.indexed).toBe(last);
    waits.finish(recording.end);
    expect(waits.complete).toBe(true);
    expect(waits.nodesAt(rs.length)).toEqual(index.nodesAt(rs.length));

    // A message its sender sent before crashing, received after: read there, the sending
    // instance is over (down, or restarted since), so a send the file lacks is lost and nothing
    // waits for it. (A run with crash faults, where such deliveries happen.)
    const faulty = recordSimulation({ nodes: 3, seed: 5, faults: ['crash'], ops: 150 }, factory).recording;
    const fr = faulty.records;
    const latestStart = new Map<number, number>();
    const alive = new Map<number, boolean>();
    let lost = -1;
    for (let x = 0; x < fr.length && lost < 0; x++) {
      const r = fr[x]!.record;
      if (r.kind === 'start') { latestStart.set(r.node, r.seq); alive.set(r.node, true); }
      if (r.kind === 'crash') alive.set(r.node, false);
      if (r.kind === 'input' && r.input.type === 'step' && r.input.stamp) {
        const from = r.input.msg.from;
        if ((latestStart.get(from) ?? 0) > r.input.stamp.startSeq || alive.get(from) === false) lost = x;
      }
    }
    expect(lost).toBeGreaterThan(0);
    const gone = new ReplayIndex({ header: faulty.header, records: [], end: null }, factory, { partial: true });
    gone.add(withBogusStamp(faulty, lost).records);
    expect(gone.indexed).toBe(fr.length);
  });
});

describe('violations while a file is indexed', () => {
  // A run with a deliberate bug (nodes may vote twice in a term) that the checker catches.
  const broken = (() => {
    for (let seed = 1; seed <= 60; seed++) {
      const run = recordSimulation({ nodes: 5, seed, faults: ['crash', 'partition'], ops: 200, unsafe: ['double-vote'], stopOnViolation: true }, factory);
      if (run.sim.violations.length > 0) return run.recording;
    }
    throw new Error('no seed in 1..60 broke a safety property with double votes');
  })();
  const whole = new ReplayIndex(broken, factory);

  it('each violation appears once indexing passes the event that reveals it, as the whole index has it', () => {
    expect(whole.violations.length).toBeGreaterThan(0);
    const seen: number[] = [];
    const ix = inChunks(broken, [37], (ix) => {
      expect(ix.violations).toEqual(whole.violations.filter((v) => v.event <= ix.indexed));
      seen.push(ix.violations.length);
    });
    ix.finish(broken.end);
    expect(ix.violations).toEqual(whole.violations);
    // Found part way through, not all at once at the start.
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(whole.violations.length);
  });
});
