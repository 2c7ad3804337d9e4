import { describe, expect, it } from 'vitest';
import { RawNode } from '../../shared/raft/raw-node';
import { stateDigest } from '../../shared/raft/digest';
import { DEFAULT_RAFT_CONFIG } from '../../shared/raft/types';
import type { Message, PersistedState, RaftConfig, Ready } from '../../shared/raft/types';
import { createRng } from '../../shared/util/rng';

const cfg = (id: number, extra: Partial<RaftConfig> = {}): RaftConfig => ({ ...DEFAULT_RAFT_CONFIG, id, ...extra });
const conf3 = { voters: [1, 2, 3], learners: [] };

/** Drive a small cluster to a leader with direct delivery; returns every Ready seen. */
function cluster(extra: Partial<RaftConfig> = {}, seed = 1) {
  const nodes = new Map([1, 2, 3].map((id) => [id, RawNode.bootstrap(cfg(id, extra), createRng(seed * 10 + id), conf3)]));
  const readies: { id: number; rd: Ready }[] = [];
  let queue: Message[] = [];
  const pump = () => {
    for (const [id, n] of nodes) {
      while (n.hasReady()) {
        const rd = n.ready();
        readies.push({ id, rd });
        queue.push(...rd.messages);
        n.advance(rd);
      }
    }
  };
  const settle = () => {
    pump();
    for (let i = 0; i < 100 && queue.length > 0; i++) {
      const batch = queue;
      queue = [];
      for (const m of batch) nodes.get(m.to)?.step(m);
      pump();
    }
  };
  return { nodes, readies, settle, pump };
}

describe('RawNode', () => {
  it('a bootstrapped node hands out its bootstrap snapshot and hard state in its first Ready', () => {
    const n = RawNode.bootstrap(cfg(1), createRng(1), conf3);
    expect(n.hasReady()).toBe(true);
    const rd = n.ready();
    expect(rd.snapshot).toEqual({ meta: { index: 0, term: 0, conf: conf3 }, data: '' });
    expect(rd.hardState).toEqual({ term: 0, vote: 0, commit: 0 });
    expect(rd.messages).toEqual([]);
    n.advance(rd);
    expect(n.hasReady()).toBe(false);
  });

  it('refuses a bad bootstrap configuration with a clear error', () => {
    expect(() => RawNode.bootstrap(cfg(1), createRng(1), { voters: [], learners: [] })).toThrow(/at least one voter/);
    expect(() => RawNode.bootstrap(cfg(1), createRng(1), { voters: [2, 1], learners: [] })).toThrow(/ascending/);
    expect(() => RawNode.bootstrap(cfg(1, { electionTicks: 1 }), createRng(1), conf3)).toThrow(/electionTicks/);
  });

  it('a joiner has no configuration and never campaigns', () => {
    const n = RawNode.join(cfg(4), createRng(4));
    for (let i = 0; i < 200; i++) n.tick();
    const rd = n.ready();
    expect(rd.messages).toEqual([]);
    expect(n.status().conf).toEqual({ voters: [], learners: [] });
    expect(n.status().role).toBe('follower');
  });

  it('draws each election timeout in [electionTicks, 2*electionTicks-1] from the injected rng', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const n = RawNode.bootstrap(cfg(1), createRng(seed), conf3);
      const t = n.status().randomizedElectionTicks;
      expect(t).toBeGreaterThanOrEqual(10);
      expect(t).toBeLessThanOrEqual(19);
      seen.add(t);
    }
    expect(seen.size).toBe(10);
    // Same seed, same draws: determinism.
    const a = RawNode.bootstrap(cfg(1), createRng(7), conf3);
    const b = RawNode.bootstrap(cfg(1), createRng(7), conf3);
    expect(a.status().randomizedElectionTicks).toBe(b.status().randomizedElectionTicks);
  });

  it('elects a leader, commits its no-op, and refuses proposals on followers naming the leader', () => {
    const c = cluster();
    c.nodes.get(1)?.campaign();
    c.settle();
    expect(c.nodes.get(1)?.status().role).toBe('leader');
    expect(c.nodes.get(1)?.status().commit).toBe(1);
    expect(c.nodes.get(2)?.propose('x')).toEqual({ ok: false, refusal: { reason: 'not-leader', leader: 1 } });
    const res = c.nodes.get(1)?.propose('x');
    expect(res).toEqual({ ok: true, index: 2, term: 1 });
    c.settle();
    for (const n of c.nodes.values()) expect(n.status().applied).toBe(2);
  });

  it('puts what a message depends on in the same Ready, to be persisted before it is sent', () => {
    const c = cluster({ preVote: false });
    c.nodes.get(1)?.campaign();
    c.settle();
    c.nodes.get(1)?.propose('x');
    c.settle();
    let checked = 0;
    for (const { rd } of c.readies) {
      for (const m of rd.messages) {
        if (m.type === 'RequestVoteResponse' && m.granted && !m.preVote) {
          // The vote is durable (in this Ready's hard state) before the grant leaves.
          expect(rd.hardState?.vote).toBe(m.to);
          checked++;
        }
        if (m.type === 'AppendEntriesResponse' && m.success && m.matchIndex > 0) {
          const lastPersisted = rd.entries.length > 0 ? rd.entries[rd.entries.length - 1]?.index : undefined;
          if (lastPersisted !== undefined) expect(lastPersisted).toBeGreaterThanOrEqual(m.matchIndex);
          checked++;
        }
      }
      expect(rd.messagesBeforePersist).toBe(false);
    }
    expect(checked).toBeGreaterThan(3);
  });

  it('flags messagesBeforePersist only under the replyBeforePersist deliberate bug', () => {
    const n = RawNode.bootstrap(cfg(1, { unsafe: { replyBeforePersist: true } }), createRng(1), conf3);
    expect(n.ready().messagesBeforePersist).toBe(true);
  });

  it('emits only plain JSON messages (recordings and IPC carry them as they are)', () => {
    const c = cluster();
    c.nodes.get(1)?.campaign();
    c.settle();
    c.nodes.get(1)?.propose('x');
    c.nodes.get(1)?.readIndex('r');
    c.settle();
    for (const { rd } of c.readies) {
      expect(JSON.parse(JSON.stringify(rd))).toEqual(rd);
    }
  });

  it('refuses to compact beyond what was applied, changing nothing', () => {
    const c = cluster();
    c.nodes.get(1)?.campaign();
    c.settle();
    const n = c.nodes.get(1) as RawNode;
    const before = n.status();
    expect(() => n.compact(5, 'x')).toThrow(/compact: index 5 is beyond the applied index 1/);
    expect(n.status()).toEqual(before);
  });

  it('confAt gives the configuration a snapshot at that index must carry', () => {
    const c = cluster();
    c.nodes.get(1)?.campaign();
    c.settle();
    const n = c.nodes.get(1) as RawNode;
    expect(n.proposeConfChange({ type: 'add-learner', node: 4 })).toEqual({ ok: true, index: 2, term: 1 });
    // In effect at once (status), but not at index 1, where a snapshot must not include it.
    expect(n.status().conf).toEqual({ voters: [1, 2, 3], learners: [4] });
    expect(n.confAt(1)).toEqual({ voters: [1, 2, 3], learners: [] });
    expect(n.confAt(2)).toEqual({ voters: [1, 2, 3], learners: [4] });
    expect(() => n.confAt(3)).toThrow(/confAt: index 3 is outside the log \[0, 2\]/);
  });

  it('refuses a second ready() before advance()', () => {
    const n = RawNode.bootstrap(cfg(1), createRng(1), conf3);
    n.ready();
    expect(() => n.ready()).toThrow(/before advance/);
  });

  it('restores from persisted state: applied restarts at the snapshot, committed entries come out again', () => {
    const persisted: PersistedState = {
      hardState: { term: 2, vote: 1, commit: 3 },
      snapshot: { meta: { index: 1, term: 1, conf: conf3 }, data: 'sm@1' },
      entries: [
        { kind: 'command', term: 1, index: 2, data: 'a' },
        { kind: 'noop', term: 2, index: 3 },
        { kind: 'command', term: 2, index: 4, data: 'b' },
      ],
    };
    const n = RawNode.restore(cfg(2), createRng(2), persisted);
    const s = n.status();
    expect([s.term, s.vote, s.commit, s.applied, s.lastIndex, s.snapshotIndex]).toEqual([2, 1, 3, 1, 4, 1]);
    const rd = n.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([2, 3]);
    expect(rd.entries).toEqual([]); // already durable
    expect(rd.hardState).toBeNull();
  });

  it('rejects inconsistent persisted state, naming the problem, and leaves it untouched', () => {
    const good: PersistedState = {
      hardState: { term: 2, vote: 0, commit: 1 },
      snapshot: { meta: { index: 0, term: 0, conf: conf3 }, data: '' },
      entries: [{ kind: 'noop', term: 1, index: 1 }],
    };
    const bad: [PersistedState, RegExp][] = [
      [{ ...good, entries: [{ kind: 'noop', term: 1, index: 2 }] }, /contiguous from 1: found index 2/],
      [{ ...good, hardState: { term: 2, vote: 0, commit: 5 } }, /commit 5 is beyond the last log index 1/],
      [{ ...good, hardState: { term: 0, vote: 0, commit: 0 } }, /beyond hardState.term/],
      [{ ...good, entries: [{ kind: 'noop', term: 2, index: 1 }, { kind: 'noop', term: 1, index: 2 }] }, /lower than the previous/],
      [{ ...good, snapshot: { meta: { index: 0, term: 0, conf: { voters: [1, 1], learners: [] } }, data: '' } }, /snapshot configuration/],
    ];
    for (const [p, why] of bad) {
      const before = JSON.stringify(p);
      expect(() => RawNode.restore(cfg(1), createRng(1), Object.freeze(p))).toThrow(why);
      expect(JSON.stringify(p)).toBe(before);
    }
    expect(() => RawNode.restore(cfg(1), createRng(1), good)).not.toThrow();
  });

  it('stateDigest is deterministic and changes with the state', () => {
    const a = cluster({}, 3);
    const b = cluster({}, 3);
    for (const c of [a, b]) {
      c.nodes.get(2)?.campaign();
      c.settle();
    }
    const da = stateDigest(a.nodes.get(2) as RawNode);
    expect(da).toMatch(/^[0-9a-f]{16}$/);
    expect(stateDigest(b.nodes.get(2) as RawNode)).toBe(da);
    a.nodes.get(2)?.tick();
    expect(stateDigest(a.nodes.get(2) as RawNode)).not.toBe(da);
  });
});
