/**
 * The client router's linearizable reads, with a scripted host instead of node processes: a
 * read follows the leader hint of a node that refuses it, retries at once when the node that
 * took it stops leading (with a new read id), enters the history as a get with its read mode,
 * and is refused for any op but a get.
 */
import { describe, expect, it } from 'vitest';
import { ClientRouter, type ClientHost } from '../../shared/cluster/client-router';
import { wallClock } from '../../electron/lab/wall-clock';
import type { KvOp, KvResult } from '../../shared/protocol/lab';
import type { NodeId } from '../../shared/raft/types';
import type { ReadAskReply } from '../../shared/protocol/node-ipc';

interface Asked { readonly node: NodeId; readonly id: string; readonly lease: boolean }

function host(answer: (asked: Asked, router: () => ClientRouter) => ReadAskReply): { host: ClientHost; asked: Asked[]; invoked: unknown[][]; completed: KvResult[]; router: () => ClientRouter } {
  const asked: Asked[] = [];
  const invoked: unknown[][] = [];
  const completed: KvResult[] = [];
  let r: ClientRouter | null = null;
  const router = (): ClientRouter => r as ClientRouter;
  const h: ClientHost = {
    leaderHint: () => 1,
    liveNodes: () => [1, 2, 3],
    propose: () => Promise.reject(new Error('a read is never proposed')),
    read: (node, id, _key, lease) => {
      const a = { node, id, lease };
      asked.push(a);
      return Promise.resolve(answer(a, router));
    },
    attemptMs: () => 5_000,
    paused: () => false,
    invoked: (...args: unknown[]) => void invoked.push(args),
    lastSeq: () => 0,
    completed: (_opId, result) => void completed.push(result),
  };
  r = new ClientRouter(h, wallClock);
  return { host: h, asked, invoked, completed, router };
}

const get: KvOp = { type: 'get', key: 'x' };

describe('client router: reads at the leader', () => {
  it('follows the leader hint of a node that refuses, and answers with the read index', async () => {
    const t = host((a, router) => {
      if (a.node === 1) return { ok: false, reason: 'not-leader', leader: 2, detail: '' };
      setTimeout(() => router().onReadServed(2, [{ id: a.id, value: 'v', index: 7 }]), 5);
      return { ok: true };
    });
    const r = await t.router().submit(get, { read: 'read-index', timeoutMs: 2000 });
    expect(r).toEqual({ ok: true, value: 'v', index: 7, leader: 2 });
    expect(t.asked.map((a) => [a.node, a.lease])).toEqual([[1, false], [2, false]]);
    expect(t.invoked).toEqual([[expect.any(String), expect.any(String), 0, get, 'read-index']]);
    expect(t.completed).toEqual([r]);
  });

  it('asks again, with a new read id, as soon as the node that took it stops leading', async () => {
    const t = host((a, router) => {
      if (t.asked.length === 1) setTimeout(() => router().onLeaderLost(1), 5);
      else setTimeout(() => router().onReadServed(a.node, [{ id: a.id, value: null, index: 3 }]), 5);
      return { ok: true };
    });
    const started = Date.now();
    const r = await t.router().submit(get, { read: 'lease', timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: true, value: null, index: 3 });
    expect(Date.now() - started).toBeLessThan(1000); // not after the 5 s attempt timeout
    expect(t.asked).toHaveLength(2);
    expect(t.asked[0]?.id).not.toBe(t.asked[1]?.id);
    expect(t.asked.every((a) => a.lease)).toBe(true);
  });

  it('refuses a read mode for anything but a get', async () => {
    const t = host(() => ({ ok: true }));
    await expect(t.router().submit({ type: 'delete', key: 'x' }, { read: 'read-index' })).rejects.toThrow(/read mode read-index is for a get; a delete always goes through the log/);
    expect(t.asked).toEqual([]);
  });
});
