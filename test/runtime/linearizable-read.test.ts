/**
 * Linearizable reads on real worker-thread nodes (SubmitOptions.read): a ReadIndex read and a
 * lease read are answered by the leader with the value and the index they were served at, append
 * nothing to the log, enter the client history as gets the linearizability checker accepts, and
 * are refused for anything but a get. A follower asked directly answers not-leader with its hint;
 * a stale leader cut off from the majority cannot serve a ReadIndex read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkLinearizability } from '../../shared/check/linearizability';
import { historyFromEvents } from '../../shared/check/linearizability-history';
import type { LabController } from '../../electron/lab/controller';
import type { NodeId } from '../../shared/raft/types';
import { replayRecording } from '../../shared/record/replay';
import { RawNode } from '../../shared/raft/raw-node';
import { FAST, openLab, waitFor, waitForLeader, type Lab } from './helpers';

let current: Lab | null = null;
afterEach(async () => {
  await current?.dispose();
  current = null;
});

async function lastIndex(lab: LabController, node: NodeId): Promise<number> {
  const snap = await lab.snapshot();
  return snap.nodes.find((n) => n.id === node)?.status?.lastIndex ?? -1;
}

describe('linearizable reads at the leader', () => {
  it('ReadIndex and lease reads answer the written value at an index, with no log entry, and check as gets', async () => {
    current = await openLab();
    const { lab, dir, events } = current;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    const leader = await waitForLeader(lab);
    const put = await lab.submit({ type: 'put', key: 'x', value: '1' }, { timeoutMs: 5000 });
    expect(put).toMatchObject({ ok: true });
    const putIndex = put.ok ? put.index : 0;
    const before = await lastIndex(lab, leader);

    const viaRound = await lab.submit({ type: 'get', key: 'x' }, { read: 'read-index', timeoutMs: 5000 });
    expect(viaRound).toMatchObject({ ok: true, value: '1', leader });
    expect(viaRound.ok ? viaRound.index : 0).toBeGreaterThanOrEqual(putIndex);
    const viaLease = await lab.submit({ type: 'get', key: 'x' }, { read: 'lease', timeoutMs: 5000 });
    expect(viaLease).toMatchObject({ ok: true, value: '1', leader });
    expect(viaLease.ok ? viaLease.index : 0).toBeGreaterThanOrEqual(putIndex);
    // Neither read became a log entry (heartbeats may still carry nothing new).
    expect(await lastIndex(lab, leader)).toBe(before);

    await waitFor('both reads completed in the stream', () => (events.filter((e) => e.type === 'client-complete').length >= 3 ? true : null));
    const invokes = events.filter((e) => e.type === 'client-invoke');
    expect(invokes.map((e) => (e.type === 'client-invoke' ? [e.op.type, e.read ?? 'log'] : []))).toEqual([['put', 'log'], ['get', 'read-index'], ['get', 'lease']]);
    const verdict = checkLinearizability(historyFromEvents(events));
    expect(verdict.kind).toBe('ok');
    expect((await lab.snapshot()).violations).toEqual([]);

    // The recording keeps each read's mode (client invoke) and what the leader was asked (input),
    // and replays exactly.
    const recording = await lab.recording();
    if (recording === null) throw new Error('no recording');
    const modes = recording.records.flatMap((r) => (r.record.kind === 'invoke' ? [r.record.read ?? 'log'] : []));
    expect(modes).toEqual(['log', 'read-index', 'lease']);
    const asked = recording.records.flatMap((r) => (r.record.kind === 'input' && r.record.input.type === 'read-index' ? [r.record.input.lease] : []));
    expect(asked).toEqual([false, true]);
    expect(replayRecording(recording, RawNode).firstDivergence).toBeNull();
  });

  it('refuses a read mode for a write, naming the problem', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 1, dataDir: dir });
    await expect(lab.submit({ type: 'put', key: 'x', value: '1' }, { read: 'read-index' })).rejects.toThrow(/read mode read-index is for a get; a put always goes through the log/);
  });

  it('a follower asked directly answers not-leader with its hint', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    const leader = await waitForLeader(lab);
    const follower = await waitFor('a follower that knows the leader', async () => {
      const snap = await lab.snapshot();
      return snap.nodes.find((n) => n.id !== leader && n.status?.leader === leader)?.id ?? null;
    });
    const r = await lab.submit({ type: 'get', key: 'x' }, { read: 'read-index', node: follower, timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: false, error: 'not-leader', leaderHint: leader });
  });

  it('a stale leader cut off from the majority cannot serve a ReadIndex read', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, checkQuorum: false, nodes: 3, dataDir: dir });
    const old = await waitForLeader(lab);
    await lab.partition({ kind: 'isolate', node: old });
    await waitForLeader(lab, [1, 2, 3].filter((n) => n !== old));
    expect(await lab.submit({ type: 'put', key: 'x', value: 'new' }, { timeoutMs: 5000 })).toMatchObject({ ok: true });
    const r = await lab.submit({ type: 'get', key: 'x' }, { read: 'read-index', node: old, timeoutMs: 600 });
    expect(r).toMatchObject({ ok: false, error: 'timeout' });
  });
});
