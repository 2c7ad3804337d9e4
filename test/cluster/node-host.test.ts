/**
 * The host rules every engine shares (shared/cluster/node-host.ts): how a Ready is carried out,
 * which state machine a snapshot holds, when to compact, and the snapshot a compaction persists.
 */
import { describe, expect, it } from 'vitest';
import { compactionDue, compactionSnapshot, kvFromSnapshot, NodeHost, type ReadyIo } from '../../shared/cluster/node-host';
import { KvStateMachine, encodeCommand } from '../../shared/kv';
import { RawNode } from '../../shared/raft/raw-node';
import { DEFAULT_RAFT_CONFIG, type Entry, type Message, type Ready } from '../../shared/raft/types';
import { createRng } from '../../shared/util/rng';

/** A one-node cluster that leads and has applied `puts` writes (plus its no-op and nothing else). */
function singleNode(puts: number): { node: RawNode; kv: KvStateMachine } {
  const node = RawNode.bootstrap({ ...DEFAULT_RAFT_CONFIG, id: 1 }, createRng(7), { voters: [1], learners: [] });
  const kv = new KvStateMachine();
  const drain = (): void => {
    while (node.hasReady()) {
      const rd = node.ready();
      for (const e of rd.committedEntries) kv.apply(e);
      node.advance(rd);
    }
  };
  drain();
  node.campaign();
  drain();
  for (let i = 1; i <= puts; i++) {
    const r = node.propose(encodeCommand({ client: 'c', seq: i, op: { type: 'put', key: `k${i}`, value: String(i) } }));
    expect(r.ok).toBe(true);
    drain();
  }
  return { node, kv };
}

describe('node host rules', () => {
  it('kvFromSnapshot: none and the bootstrap snapshot are empty; a real one restores; one without data is refused', () => {
    expect(kvFromSnapshot(null).digest()).toBe(new KvStateMachine().digest());
    expect(kvFromSnapshot({ meta: { index: 0, term: 0, conf: { voters: [1], learners: [] } }, data: '' }).digest()).toBe(new KvStateMachine().digest());
    const { kv } = singleNode(3);
    const restored = kvFromSnapshot({ meta: { index: kv.appliedIndex, term: 1, conf: { voters: [1], learners: [] } }, data: kv.snapshot() });
    expect(restored.digest()).toBe(kv.digest());
    expect(restored.get('k2')).toBe('2');
    expect(() => kvFromSnapshot({ meta: { index: 5, term: 1, conf: { voters: [1], learners: [] } }, data: '' })).toThrow(/index 5 has no state machine data/);
  });

  it('compactionDue: every snapshotEvery applied entries since the last one, never when 0', () => {
    expect(compactionDue(10, 0, 10)).toBe(true);
    expect(compactionDue(9, 0, 10)).toBe(false);
    expect(compactionDue(25, 10, 10)).toBe(true);
    expect(compactionDue(19, 10, 10)).toBe(false);
    expect(compactionDue(1_000_000, 0, 0)).toBe(false);
  });

  it('compactionSnapshot: the term and configuration at the index, the data taken only when it can be made', () => {
    const { node, kv } = singleNode(4);
    const index = kv.appliedIndex;
    let taken = 0;
    const snap = compactionSnapshot(node, index, () => {
      taken++;
      return kv.snapshot();
    });
    expect(snap).toEqual({ meta: { index, term: node.termAt(index), conf: node.confAt(index) }, data: kv.snapshot() });
    expect(taken).toBe(1);
    node.compact(index, snap!.data);
    // Below the new snapshot the core no longer knows the term: nothing is made, no data taken.
    expect(compactionSnapshot(node, index - 2, () => {
      taken++;
      return '';
    })).toBeNull();
    expect(taken).toBe(1);
  });
});

describe('NodeHost carries out a Ready in the same order in every host', () => {
  const put = (index: number, term = 1): Entry => ({ index, term, kind: 'command', data: encodeCommand({ client: 'c', seq: index, op: { type: 'put', key: 'x', value: String(index) } }) });
  const heartbeat: Message = { type: 'AppendEntries', from: 1, to: 2, term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0, readCtx: 0 };
  const ready = (over: Partial<Ready>): Ready => ({
    softState: { role: 'leader', leader: 1 }, hardState: null, entries: [], snapshot: null, messages: [], committedEntries: [], readStates: [], messagesBeforePersist: false, ...over,
  });
  /** An io that logs what the host did, in order; `write` decides how a persist completes. */
  function logIo(write: (behind: boolean) => void | Promise<void>): { io: ReadyIo; log: string[] } {
    const log: string[] = [];
    const io: ReadyIo = {
      persist: (rd, behind) => {
        log.push(`persist${behind ? ' behind' : ''} ${rd.entries.map((e) => e.index).join(',')}`);
        return write(behind);
      },
      send: (ms) => void (ms.length > 0 && log.push(`send ${ms.length}`)),
      applied: (e) => void log.push(`apply ${e.index}`),
      answered: (o) => void log.push(`answer ${o.client}#${o.seq} ${o.kind}`),
      served: (id, index, value) => void log.push(`served ${id}@${index}=${String(value)}`),
    };
    return { io, log };
  }

  it('with an asynchronous write: entries durable before this Ready apply while it runs; sends and the rest wait for it', async () => {
    const host = new NodeHost(null);
    let finish = (): void => undefined;
    const { io, log } = logIo(() => new Promise<void>((resolve) => (finish = resolve)));
    const done = host.carryOut(ready({ hardState: { term: 1, vote: 1, commit: 2 }, entries: [put(2), put(3)], committedEntries: [put(1), put(2)], messages: [heartbeat] }), io);
    expect(done).toBeInstanceOf(Promise);
    await Promise.resolve();
    expect(log).toEqual(['persist 2,3', 'apply 1']);
    finish();
    await done;
    expect(log).toEqual(['persist 2,3', 'apply 1', 'send 1', 'apply 2']);
    expect(host.kv.get('x')).toBe('2');
  });

  it('with a synchronous write: persist, send, apply, all before it returns', () => {
    const host = new NodeHost(null);
    const { io, log } = logIo(() => undefined);
    expect(host.carryOut(ready({ hardState: { term: 1, vote: 1, commit: 1 }, entries: [put(1)], committedEntries: [put(1)], messages: [heartbeat] }), io)).toBeUndefined();
    expect(log).toEqual(['persist 1', 'send 1', 'apply 1']);
  });

  it('a Ready that only moves the commit index is written behind: nothing waits for it', () => {
    const host = new NodeHost(null);
    const { io, log } = logIo(() => new Promise<void>(() => undefined));
    void host.carryOut(ready({ hardState: { term: 1, vote: 1, commit: 0 }, entries: [put(1)] }), io);
    log.length = 0;
    const done = host.carryOut(ready({ hardState: { term: 1, vote: 1, commit: 1 }, committedEntries: [put(1)], messages: [heartbeat] }), io);
    expect(done).toBeUndefined();
    expect(log).toEqual(['persist behind ', 'send 1', 'apply 1']);
  });

  it('a vote is never written behind, even with no entries', () => {
    const host = new NodeHost(null);
    const { io, log } = logIo(() => undefined);
    host.carryOut(ready({ hardState: { term: 2, vote: 3, commit: 0 } }), io);
    expect(log).toEqual(['persist ']);
  });

  it('under the messages-before-persist bug, sends go first', () => {
    const host = new NodeHost(null);
    const { io, log } = logIo(() => undefined);
    host.carryOut(ready({ hardState: { term: 1, vote: 1, commit: 0 }, entries: [put(1)], messages: [heartbeat], messagesBeforePersist: true }), io);
    expect(log).toEqual(['send 1', 'persist 1']);
  });

  it('a read is served once confirmed and applied; an unconfirmed one is forgotten when the node stops leading', () => {
    const host = new NodeHost(null);
    const { io, log } = logIo(() => undefined);
    host.takeRead('r1', 'x');
    host.takeRead('r2', 'x');
    host.carryOut(ready({ readStates: [{ ctx: 'r1', index: 1 }] }), io);
    expect(log).toEqual([]);
    host.carryOut(ready({ hardState: { term: 1, vote: 1, commit: 1 }, entries: [put(1)], committedEntries: [put(1)] }), io);
    expect(log).toEqual(['persist 1', 'apply 1', 'served r1@1=1']);
    log.length = 0;
    host.carryOut(ready({ softState: { role: 'follower', leader: 0 } }), io);
    // Stepped down: r2 is forgotten, so a late confirmation of it answers nothing.
    host.carryOut(ready({ softState: { role: 'leader', leader: 1 }, readStates: [{ ctx: 'r2', index: 1 }] }), io);
    expect(log).toEqual([]);
  });

  it('a request proposed through this node is answered when it applies there, once; others are not', () => {
    const host = new NodeHost(null);
    const { io, log } = logIo(() => undefined);
    host.takeProposal('c', 2);
    host.carryOut(ready({ hardState: { term: 1, vote: 1, commit: 2 }, entries: [put(1), put(2)], committedEntries: [put(1), put(2)] }), io);
    expect(log).toEqual(['persist 1,2', 'apply 1', 'apply 2', 'answer c#2 applied']);
  });

  it('compacts when due: the snapshot is written, then the core drops its log', () => {
    const { node, kv } = singleNode(5);
    const host = new NodeHost(null, kv);
    const written: number[] = [];
    host.maybeCompact(node, 10, (s) => void written.push(s.meta.index));
    expect(written).toEqual([]);
    host.maybeCompact(node, 3, (s) => void written.push(s.meta.index));
    expect(written).toEqual([6]);
    expect(host.compactIndex).toBe(6);
    expect(node.status().snapshotIndex).toBe(6);
  });
});
