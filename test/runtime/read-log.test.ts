/**
 * LabApi.readLog over real worker nodes: what a page that connects late reads to fill in the log
 * entries it never saw sent. Every node answers from its own log, so committed entries must agree
 * across nodes; bad ranges and nodes that are not running get a clear refusal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCommand } from '../../shared/kv/command';
import { MAX_LOG_READ } from '../../shared/protocol/lab';
import { dispatchLabRequest } from '../../shared/protocol/lab-wire';
import type { Entry } from '../../shared/raft/types';
import { FAST, openLab, waitFor, waitForLeader, type Lab } from './helpers';

let current: Lab | null = null;
afterEach(async () => {
  await current?.dispose();
  current = null;
});

function putKeys(entries: readonly Entry[]): string[] {
  const keys: string[] = [];
  for (const e of entries) {
    if (e.kind !== 'command') continue;
    const op = decodeCommand(e.data).op;
    if (op.type === 'put') keys.push(`${op.key}=${op.value}`);
  }
  return keys;
}

describe('readLog', () => {
  it('returns the committed entries, the same on every node, for whole and partial ranges', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    await waitForLeader(lab);
    const written: string[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await lab.submit({ type: 'put', key: `k${i}`, value: `v${i}` }, { timeoutMs: 5000 });
      expect(r).toMatchObject({ ok: true });
      written.push(`k${i}=v${i}`);
    }
    // Every node has committed everything the cluster holds.
    const commit = await waitFor('all nodes committed the writes', async () => {
      const snap = await lab.snapshot();
      const commits = snap.nodes.map((n) => n.status?.commit ?? -1);
      const last = Math.max(...snap.nodes.map((n) => n.status?.lastIndex ?? 0));
      return commits.every((c) => c === last) && last >= 25 ? last : null;
    });

    const logs = await Promise.all([1, 2, 3].map((n) => lab.readLog(n, 1, commit + 1)));
    for (const log of logs) {
      expect(log.commit).toBeGreaterThanOrEqual(commit);
      expect(log.firstIndex).toBe(1);
      expect(log.entries.map((e) => e.index)).toEqual(Array.from({ length: commit }, (_, i) => i + 1));
      expect(putKeys(log.entries)).toEqual(written);
    }
    expect(logs[1]?.entries).toEqual(logs[0]?.entries);
    expect(logs[2]?.entries).toEqual(logs[0]?.entries);

    const part = await lab.readLog(2, 5, 10);
    expect(part.entries).toEqual(logs[0]?.entries.slice(4, 9));
    const beyond = await lab.readLog(3, commit + 1, commit + 100);
    expect(beyond.entries).toEqual([]);
    expect(beyond.lastIndex).toBeGreaterThanOrEqual(commit);
  }, 30_000);

  it('rejects bad ranges, unknown nodes and stopped nodes with a clear reason', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    await waitForLeader(lab);

    await expect(lab.readLog(1, 0, 5)).rejects.toThrow(/start at index 1 or later/);
    await expect(lab.readLog(1, 10, 5)).rejects.toThrow(/ends before it starts/);
    await expect(lab.readLog(1, 1, 2 + MAX_LOG_READ)).rejects.toThrow(new RegExp(`at most ${MAX_LOG_READ} per call`));
    await expect(lab.readLog(1, 1.5, 4)).rejects.toThrow(/whole numbers/);
    await expect(lab.readLog(9, 1, 5)).rejects.toThrow(/node 9 is not in the lab/);

    // The same checks over the wire answer `bad-request` and never reach the lab.
    const wire = await dispatchLabRequest(lab, 1, 'readLog', [1, 10, 5]);
    expect(wire).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(wire.ok ? '' : wire.error.message).toMatch(/readLog: .*ends before it starts/);
    const ok = await dispatchLabRequest(lab, 2, 'readLog', [1, 1, 3]);
    expect(ok).toMatchObject({ ok: true, result: { node: 1 } });

    await lab.stopNode(3);
    await expect(lab.readLog(3, 1, 5)).rejects.toThrow(/node 3 is stopped/);
    await lab.restartNode(3);
    const back = await waitFor('node 3 readable again', () => lab.readLog(3, 1, 5).catch(() => null));
    expect(back.node).toBe(3);
  }, 30_000);
});
