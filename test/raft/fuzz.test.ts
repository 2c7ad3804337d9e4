/**
 * Randomized safety test of the core: real RawNodes on a seeded, hostile in-memory network (loss,
 * duplication, reordering, partitions), with crashes and restarts from persisted state,
 * proposals, membership changes (including joiners and removed nodes), compaction, leadership
 * transfer and ReadIndex reads. After every step it checks the paper's safety properties; at the end it
 * heals everything and checks the cluster makes progress again. A failure names its seed.
 */
import { describe, expect, it } from 'vitest';
import { RawNode } from '../../shared/raft/raw-node';
import type { ConfChange, Entry, Message, NodeId, RaftConfig, UnsafeOptions } from '../../shared/raft/types';
import { DEFAULT_RAFT_CONFIG } from '../../shared/raft/types';
import type { Rng } from '../../shared/util/rng';
import { createRng } from '../../shared/util/rng';
import { SimDisk } from '../../shared/sim/disk';

interface FNode {
  node: RawNode;
  store: SimDisk;
  up: boolean;
  /** Last entry index applied by this incarnation's state machine. */
  applied: number;
}

class Violation extends Error {}

class Fuzz {
  readonly nodes = new Map<NodeId, FNode>();
  queue: Message[] = [];
  groups = new Map<NodeId, number>();
  readonly appliedAt = new Map<number, string>();
  /**
   * Per applied index, the lowest current term of a node when it applied it: an upper bound on
   * the term in which the entry was committed (the committing leader applies first).
   */
  readonly committedBy = new Map<number, number>();
  readonly leaderOf = new Map<number, NodeId>();
  readonly committed: Entry[] = [];
  readonly cfg: Omit<RaftConfig, 'id'>;
  steps = 0;

  /** What happened, to show the run exercised what it claims to. */
  readonly stats = { applied: 0, leaders: 0, confApplied: 0, snapshotsInstalled: 0, restarts: 0, reads: 0 };
  /** ReadIndex requests in flight: ctx -> highest index known committed anywhere when asked. */
  readonly readsAsked = new Map<string, number>();

  constructor(
    readonly rng: Rng,
    preVote: boolean,
    checkQuorum: boolean,
    unsafe: UnsafeOptions = {},
    leaseRead = false,
    /** Skewed clocks: node k's ticks come k*k times as often as node 1's (unbounded drift). */
    readonly skewedClocks = false,
  ) {
    this.cfg = { ...DEFAULT_RAFT_CONFIG, preVote, checkQuorum, electionTicks: 10, heartbeatTicks: 2, maxEntriesPerMsg: 4, maxInflightMsgs: 3, unsafe, leaseRead };
    const conf = { voters: [1, 2, 3], learners: [] };
    for (const id of [1, 2, 3]) this.add(id, RawNode.bootstrap({ ...this.cfg, id }, rng.fork(), conf));
  }

  add(id: NodeId, node: RawNode): void {
    this.nodes.set(id, { node, store: new SimDisk(), up: true, applied: 0 });
    this.flush(id);
  }

  fail(msg: string): never {
    throw new Violation(`step ${this.steps}: ${msg}`);
  }

  flush(id: NodeId): void {
    const n = this.nodes.get(id);
    if (n === undefined || !n.up) return;
    while (n.node.hasReady()) {
      const rd = n.node.ready();
      n.store.persist(rd);
      if (rd.softState.role === 'leader') {
        const term = rd.hardState?.term ?? n.node.status().term;
        const other = this.leaderOf.get(term);
        if (other !== undefined && other !== id) this.fail(`Election Safety: ${other} and ${id} lead term ${term}`);
        if (!this.leaderOf.has(term)) this.stats.leaders++;
        this.leaderOf.set(term, id);
        // Leader Completeness: an entry committed in an earlier term is in the new leader's log.
        // (A leader of an older term can still be elected late through delayed votes.)
        const st = n.node.status();
        for (const [index, key] of this.appliedAt) {
          if (index <= st.snapshotIndex || (this.committedBy.get(index) as number) >= term) continue;
          const t = n.node.termAt(index);
          if (t === null || `${t}` !== key.split('/')[0]) this.fail(`Leader Completeness: leader ${id} of term ${term} lacks applied entry ${index} (${key})`);
        }
      }
      for (const m of rd.messages) this.queue.push(m);
      if (rd.snapshot !== null) {
        n.applied = rd.snapshot.meta.index;
        if (rd.snapshot.meta.index > 0) this.stats.snapshotsInstalled++;
      }
      for (const e of rd.committedEntries) {
        if (e.index !== n.applied + 1) this.fail(`node ${id} applies ${e.index} after ${n.applied}`);
        n.applied = e.index;
        this.stats.applied++;
        if (e.kind === 'conf') this.stats.confApplied++;
        const key = `${e.term}/${e.kind === 'command' ? e.data : e.kind}`;
        const seen = this.appliedAt.get(e.index);
        const nodeTerm = n.node.status().term;
        this.committedBy.set(e.index, Math.min(this.committedBy.get(e.index) ?? nodeTerm, nodeTerm));
        if (seen === undefined) this.appliedAt.set(e.index, key);
        else if (seen !== key) this.fail(`State Machine Safety: index ${e.index} applied as ${seen} and as ${key} (node ${id})`);
      }
      for (const rs of rd.readStates) {
        // Linearizable reads: the read point covers everything committed before the request.
        const floor = this.readsAsked.get(rs.ctx);
        if (floor === undefined) this.fail(`node ${id} released unknown read ${rs.ctx}`);
        if (rs.index < floor) this.fail(`ReadIndex: read ${rs.ctx} at ${rs.index} misses entries committed up to ${floor}`);
        this.readsAsked.delete(rs.ctx);
        this.stats.reads++;
      }
      n.node.advance(rd);
    }
  }

  /** The highest index any node knows committed. */
  globalCommit(): number {
    let c = 0;
    for (const n of this.nodes.values()) c = Math.max(c, n.node.status().commit);
    return c;
  }

  cut(m: Message): boolean {
    const to = this.nodes.get(m.to);
    if (to === undefined || !to.up) return true;
    return this.groups.size > 0 && this.groups.get(m.from) !== this.groups.get(m.to);
  }

  deliverOne(): void {
    if (this.queue.length === 0) return;
    // Mostly in order, sometimes out of order.
    const i = this.rng.next() < 0.8 ? 0 : this.rng.int(this.queue.length);
    const m = this.queue.splice(i, 1)[0] as Message;
    if (this.rng.next() < 0.05) return; // lost
    if (this.rng.next() < 0.03) this.queue.push(m); // duplicated
    if (this.cut(m)) return;
    (this.nodes.get(m.to) as FNode).node.step(m);
    this.flush(m.to);
  }

  leader(): FNode | null {
    let best: FNode | null = null;
    for (const n of this.nodes.values()) {
      if (!n.up) continue;
      const s = n.node.status();
      if (s.role === 'leader' && (best === null || s.term > best.node.status().term)) best = n;
    }
    return best;
  }

  /** A node chosen with weight id*id: higher ids' clocks run faster. */
  skewedPick(ids: NodeId[]): NodeId {
    let total = 0;
    for (const id of ids) total += id * id;
    let x = this.rng.int(total);
    for (const id of ids) {
      x -= id * id;
      if (x < 0) return id;
    }
    return ids[ids.length - 1] as NodeId;
  }

  randomId(): NodeId {
    return 1 + this.rng.int(5);
  }

  step(): void {
    this.steps++;
    const r = this.rng.next();
    const ids = [...this.nodes.keys()];
    const pick = ids[this.rng.int(ids.length)] as NodeId;
    const n = this.nodes.get(pick) as FNode;
    if (r < 0.45) {
      this.deliverOne();
    } else if (r < 0.75) {
      const ticked = this.skewedClocks ? this.skewedPick(ids) : pick;
      const t = this.nodes.get(ticked) as FNode;
      if (t.up) {
        t.node.tick();
        this.flush(ticked);
      }
    } else if (r < 0.83) {
      const l = this.leader();
      if (l !== null) {
        l.node.propose(`v${this.steps}`);
        this.flush(l.node.id);
      }
    } else if (r < 0.85) {
      if (n.up && this.rng.next() < 0.5) n.up = false;
      else if (!n.up) {
        n.node = RawNode.restore({ ...this.cfg, id: pick }, this.rng.fork(), n.store.load());
        this.stats.restarts++;
        n.up = true;
        n.applied = n.store.load().snapshot?.meta.index ?? 0;
        this.flush(pick);
      }
    } else if (r < 0.87) {
      if (this.groups.size > 0) this.groups.clear();
      else for (const id of ids) this.groups.set(id, this.rng.int(2));
    } else if (r < 0.89) {
      const l = this.leader();
      if (l !== null) {
        const target = this.randomId();
        const conf = l.node.status().conf;
        const types: ConfChange['type'][] = ['add-voter', 'add-learner', 'remove'];
        const change: ConfChange = { type: types[this.rng.int(3)] as ConfChange['type'], node: target };
        // Keep at least three voters so the cluster can still make progress.
        if (change.type === 'remove' && conf.voters.length <= 3) return;
        if (!this.nodes.has(target) && change.type !== 'remove') this.add(target, RawNode.join({ ...this.cfg, id: target }, this.rng.fork()));
        l.node.proposeConfChange(change);
        this.flush(l.node.id);
      }
    } else if (r < 0.91) {
      if (n.up) {
        const s = n.node.status();
        if (s.applied > s.snapshotIndex) {
          const at = s.snapshotIndex + 1 + this.rng.int(s.applied - s.snapshotIndex);
          // Persist the snapshot first (with the configuration in effect at its index), then compact.
          n.store.compact(at, n.node.termAt(at) as number, n.node.confAt(at), `state@${at}`);
          n.node.compact(at, `state@${at}`);
        }
      }
    } else if (r < 0.92) {
      const l = this.leader();
      if (l !== null) {
        l.node.transferLeadership(this.randomId());
        this.flush(l.node.id);
      }
    } else if (r < 0.93) {
      if (n.up) {
        n.node.campaign();
        this.flush(pick);
      }
    } else if (r < 0.95) {
      // A read at any live node that believes it leads, stale or not.
      if (n.up && n.node.status().role === 'leader') {
        const ctx = `r${this.steps}`;
        this.readsAsked.set(ctx, this.globalCommit());
        n.node.readIndex(ctx);
        this.flush(pick);
      }
    } else {
      this.deliverOne();
    }
    this.checkLogs();
  }

  /** Log Matching on the live logs: same index and term implies the same entry. */
  checkLogs(): void {
    if (this.steps % 50 !== 0) return;
    const logs = [...this.nodes.values()].filter((n) => n.up).map((n) => {
      const s = n.node.status();
      return n.node.entries(s.firstIndex, s.lastIndex + 1);
    });
    const byIndexTerm = new Map<string, string>();
    for (const log of logs) {
      for (const e of log) {
        const k = `${e.index}/${e.term}`;
        const v = JSON.stringify(e);
        const seen = byIndexTerm.get(k);
        if (seen === undefined) byIndexTerm.set(k, v);
        else if (seen !== v) this.fail(`Log Matching: two different entries at ${k}`);
      }
    }
  }

  /** Heal everything and run until a leader commits a fresh entry on a majority. */
  settle(): boolean {
    this.groups.clear();
    for (const [id, n] of this.nodes) {
      if (!n.up) {
        n.node = RawNode.restore({ ...this.cfg, id }, this.rng.fork(), n.store.load());
        n.up = true;
        n.applied = n.store.load().snapshot?.meta.index ?? 0;
        this.flush(id);
      }
    }
    let proposed: { id: NodeId; index: number; term: number } | null = null;
    for (let round = 0; round < 3000; round++) {
      for (const [id, n] of this.nodes) {
        n.node.tick();
        this.flush(id);
      }
      let guard = 0;
      while (this.queue.length > 0 && guard++ < 10_000) {
        const m = this.queue.shift() as Message;
        if (this.cut(m)) continue;
        (this.nodes.get(m.to) as FNode).node.step(m);
        this.flush(m.to);
      }
      const l = this.leader();
      if (l === null) continue;
      if (proposed === null || proposed.id !== l.node.id) {
        const res = l.node.propose('final');
        this.flush(l.node.id);
        if (res.ok) proposed = { id: l.node.id, index: res.index, term: res.term };
      } else if (l.node.status().commit >= proposed.index && l.node.termAt(proposed.index) === proposed.term) {
        return true;
      }
    }
    return false;
  }
}

type Stats = Fuzz['stats'];

function runSeed(seed: number, steps: number, preVote: boolean, checkQuorum: boolean): Stats {
  const f = new Fuzz(createRng(seed), preVote, checkQuorum);
  try {
    for (let i = 0; i < steps; i++) f.step();
    if (!f.settle()) throw new Violation(`no progress after healing (step ${f.steps})`);
  } catch (e) {
    if (e instanceof Error) e.message = `seed ${seed} (preVote=${preVote}, checkQuorum=${checkQuorum}): ${e.message}`;
    throw e;
  }
  return f.stats;
}

function total(all: Stats[]): Stats {
  const t = { applied: 0, leaders: 0, confApplied: 0, snapshotsInstalled: 0, restarts: 0, reads: 0 };
  for (const s of all) for (const k of Object.keys(t) as (keyof Stats)[]) t[k] += s[k];
  return t;
}

/** The runs must have done what the test names claim, or passing means little. */
function expectBusy(t: Stats, seeds: number): void {
  expect(t.applied).toBeGreaterThan(seeds * 50);
  expect(t.leaders).toBeGreaterThan(seeds * 2);
  expect(t.confApplied).toBeGreaterThan(seeds / 2);
  expect(t.snapshotsInstalled).toBeGreaterThan(0);
  expect(t.restarts).toBeGreaterThan(seeds);
  expect(t.reads).toBeGreaterThan(seeds);
}

/** Runs seeds until one violates a check; returns the violation messages (at most one). */
function catches(unsafe: UnsafeOptions, leaseRead = false, maxSeeds = 80): string[] {
  const caught: string[] = [];
  for (let seed = 1; seed <= maxSeeds && caught.length === 0; seed++) {
    const f = new Fuzz(createRng(seed), leaseRead, leaseRead, unsafe, leaseRead, leaseRead);
    try {
      for (let i = 0; i < 3000; i++) f.step();
    } catch (e) {
      if (e instanceof Violation) caught.push(e.message);
      else throw e;
    }
  }
  return caught;
}

// More seeds for a deeper (slower) run: RAFT_FUZZ_SEEDS=500 npx vitest run test/raft/fuzz.test.ts
const SEEDS = Number(process.env['RAFT_FUZZ_SEEDS'] ?? 40);
// Steps per seed; longer runs reach deeper states: RAFT_FUZZ_STEPS=20000.
const STEPS = Number(process.env['RAFT_FUZZ_STEPS'] ?? 3000);

describe('raft under a hostile network (seeded)', () => {
  it('keeps Election Safety, Log Matching, Leader Completeness and State Machine Safety, and recovers (PreVote + CheckQuorum)', () => {
    const all: Stats[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) all.push(runSeed(seed, STEPS, true, true));
    expectBusy(total(all), SEEDS);
  });

  it('the same with PreVote and CheckQuorum off', () => {
    const all: Stats[] = [];
    for (let seed = 1001; seed < 1001 + SEEDS; seed++) all.push(runSeed(seed, STEPS, false, false));
    expectBusy(total(all), SEEDS);
  });

  // The same checks catch each deliberate bug on some seed: they are not vacuous.
  it('catches unsafe.skipVoteLogCheck', () => {
    expect(catches({ skipVoteLogCheck: true })).toEqual([expect.stringMatching(/Safety|Completeness|Matching/)]);
  });
  it('catches unsafe.allowDoubleVote', () => {
    expect(catches({ allowDoubleVote: true })).toEqual([expect.stringMatching(/Safety|Completeness|Matching/)]);
  });
  it('catches lease reads once their bounded-clock-drift assumption fails (skewed clocks)', () => {
    // Stale lease reads need a partitioned leader, drifting clocks and a read in the wrong
    // window all at once, so the search may take a few hundred seeds (it stops at the first).
    expect(catches({}, true, 300)).toEqual([expect.stringMatching(/ReadIndex/)]);
  });
  // unsafe.commitPreviousTermByCount needs Figure 8's precise interleaving, which these random
  // runs do not reliably produce; testdata/figure8-unsafe.txt shows it being caught.
});
