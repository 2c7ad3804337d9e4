/**
 * Branching from a recording into a live simulated cluster (shared/replay/branch-lab.ts over the
 * shared Simulator). A branch must start exactly where the recording was (every node's role,
 * term, vote, log, commit and KV state, leaders still leading), with the messages then in flight
 * pending; it must then run like a cluster: play elects and commits, client writes are
 * linearizable, a partition stops the minority committing, crashed nodes restart from their disk.
 * Dropping a pending message must change what happens ("what if"), and the same seed and actions
 * must give the same run. Nodes that were down or had compacted their log at the branch point
 * branch too. Time comes from a FrameClock the test drives (the renderer's is a real timer).
 */
import { describe, expect, it } from 'vitest';
import type { BranchLab, FrameClock } from '../../shared/replay/branch-lab';
import { ReplayIndex } from '../../shared/replay/replay-index';
import { checkLinearizability } from '../../shared/check/linearizability';
import { toHistory } from '../../shared/sim/run';
import type { KvResult, LabEvent } from '../../shared/protocol/lab';
import type { Recording } from '../../shared/record/format';
import { factory, recordedRun } from '../record/fixtures';
import { played, playUntil, TestClock } from './test-clock';
import { branchOf, leaderOf } from './branch-helpers';

const { sim, recording } = recordedRun({}, true);
const index = new ReplayIndex(recording, factory);
const end = index.events;

const branchAt = (k: number, seed = 1, clock: FrameClock | null = new TestClock()) => branchOf(index, recording, k, seed, clock);

/** Events of `kind` in the recording, with their 1-based event number. */
function eventsWhere(rec: Recording, pred: (r: Recording['records'][number]['record']) => boolean): number[] {
  const out: number[] = [];
  rec.records.forEach((l, i) => { if (pred(l.record)) out.push(i + 1); });
  return out;
}

describe('BranchLab: the recorded cluster at an event, continued live', () => {
  it('at several events, every node starts exactly as the recording had it: role, leader, term, vote, log end, commit', async () => {
    const ks = [Math.floor(end / 4), Math.floor(end / 2), Math.floor((3 * end) / 4), end];
    let leaders = 0;
    for (const k of ks) {
      const snap = await branchAt(k).snapshot();
      for (const n of index.nodesAt(k)) {
        const s = snap.nodes.find((x) => x.id === n.id);
        if (n.state === 'down') {
          expect(s?.life).toBe('crashed');
          continue;
        }
        const want = n.status!;
        expect({ role: s?.status?.role, leader: s?.status?.leader, term: s?.status?.term, vote: s?.status?.vote, last: s?.status?.lastIndex, commit: s?.status?.commit })
          .toEqual({ role: want.role, leader: want.leader, term: want.term, vote: want.vote, last: want.lastIndex, commit: want.commit });
        if (want.role === 'leader') leaders++;
      }
    }
    // Leaders stay leaders in a branch (no restart in between).
    expect(leaders).toBeGreaterThan(0);
  });

  it('holds the recorded run\'s key-value state on every running node', () => {
    const b = branchAt(end);
    let compared = 0;
    for (const n of index.nodesAt(end)) {
      const live = sim.stateMachine(n.id);
      if (!live || n.state !== 'running') continue;
      for (const [key, value] of live.entries()) expect(b.kvGet(n.id, key)).toBe(value);
      compared += live.entries().length;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('play keeps a leader and commits client writes on every node; concurrent clients are linearizable', async () => {
    const clock = new TestClock();
    const b = branchAt(Math.floor(end / 2), 3, clock);
    await b.setPaused(false);
    await playUntil(clock, async () => (await leaderOf(b)) !== null);
    const results: Promise<KvResult>[] = [];
    for (let i = 0; i < 12; i++) results.push(b.submit({ type: 'put', key: `k${i % 3}`, value: `v${i}` }, { client: `c${i % 4}` }));
    results.push(b.submit({ type: 'get', key: 'k1' }, { client: 'reader' }));
    results.push(b.submit({ type: 'cas', key: 'k2', expected: null, value: 'first' }, { client: 'casser' }));
    let settled = 0;
    for (const r of results) void r.then(() => settled++);
    await playUntil(clock, () => Promise.resolve(settled === results.length));
    const answers = await Promise.all(results);
    expect(answers.slice(0, 12).every((r) => r.ok)).toBe(true);
    // Every running node applies the writes: the last write of each key wins everywhere.
    await playUntil(clock, async () => (await b.snapshot()).nodes.every((n) => n.status === null || n.status.applied === n.status.commit));
    const snap = await b.snapshot();
    for (const n of snap.nodes) if (n.status) expect(b.kvGet(n.id, 'k0')).toBe(b.kvGet(snap.nodes.find((x) => x.status?.role === 'leader')!.id, 'k0'));
    const lin = checkLinearizability(toHistory(b.history()));
    expect(lin.kind).toBe('ok');
    expect(snap.violations).toEqual([]);
  });

  it('a client named like one of the recording\'s goes on from its last request number and gets its own answer', async () => {
    const recordedSeq = Math.max(...sim.history.filter((h) => h.client === 'c1').map((h) => h.seq));
    const clock = new TestClock();
    const b = branchAt(end, 2, clock);
    await b.setPaused(false);
    const w = b.submit({ type: 'put', key: 'a', value: 'mine' }, { client: 'c1' });
    let answer: KvResult | null = null;
    void w.then((r) => { answer = r; });
    await playUntil(clock, () => Promise.resolve(answer !== null));
    expect(answer).toMatchObject({ ok: true, value: 'mine' });
    expect(b.history().map((h) => [h.client, h.seq])).toEqual([['c1', recordedSeq + 1]]);
  });

  it('a partition stops the minority committing while the majority goes on; healed, it catches up', async () => {
    const clock = new TestClock();
    const b = branchAt(end, 4, clock);
    await b.setPaused(false);
    await playUntil(clock, async () => (await leaderOf(b)) !== null);
    const old = (await leaderOf(b))!;
    await b.partition({ kind: 'isolate', node: old });
    const before = (await b.snapshot()).nodes.find((n) => n.id === old)!.status!.commit;
    // A write sent to the isolated leader cannot commit there; the client retries and the majority's new leader commits it.
    const w = b.submit({ type: 'put', key: 'p', value: 'majority' }, { client: 'writer', timeoutMs: 20_000 });
    let answer: KvResult | null = null;
    void w.then((r) => { answer = r; });
    await playUntil(clock, () => Promise.resolve(answer !== null));
    expect(answer).toMatchObject({ ok: true });
    const during = await b.snapshot();
    const minority = during.nodes.find((n) => n.id === old)!.status!;
    const majority = during.nodes.filter((n) => n.id !== old && n.status).map((n) => n.status!.commit);
    expect(minority.commit).toBe(before);
    expect(Math.max(...majority)).toBeGreaterThan(before);
    expect(b.kvGet(old, 'p')).toBeNull();
    await b.partition({ kind: 'heal' });
    await playUntil(clock, () => Promise.resolve(b.kvGet(old, 'p') === 'majority'));
    expect((await b.snapshot()).links).toEqual([]);
  });

  it('what if a vote request had been dropped: delivered, the candidate wins as recorded; dropped, it does not', async () => {
    // A candidate's real (not pre-) vote requests, in the term it then won in the recording.
    const won = eventsWhere(recording, (r) => r.kind === 'ready' && r.softState.role === 'leader').map((e) => index.record(e)).find(() => true);
    if (!won || won.kind !== 'ready') throw new Error('the recorded run elected no leader');
    const [asks] = eventsWhere(recording, (r) => r.kind === 'ready' && r.node === won.node && r.messages.some((m) => m.type === 'RequestVote' && !m.preVote));
    if (asks === undefined) throw new Error('no vote requests before the first leader');
    const term = (index.record(asks) as { messages: readonly { term: number }[] }).messages[0]!.term;

    const deliverAll = async (b: BranchLab, skip: (id: string) => boolean) => {
      for (let i = 0; i < 200; i++) {
        const next = (await b.snapshot()).pending.find((p) => !skip(p.id));
        if (!next) return;
        await b.deliver(next.id);
      }
    };
    const asIs = branchAt(asks, 1, null);
    const requests = (await asIs.snapshot()).pending.filter((p) => p.kind === 'message' && p.message.type === 'RequestVote' && !p.message.preVote);
    expect(requests.length).toBeGreaterThan(0);
    await deliverAll(asIs, () => false);
    const a = (await asIs.snapshot()).nodes.find((n) => n.id === won.node)!.status!;
    expect({ role: a.role, term: a.term }).toEqual({ role: 'leader', term });

    const whatIf = branchAt(asks, 1, null);
    for (const r of requests) await whatIf.drop(r.id);
    await deliverAll(whatIf, () => false);
    const w = (await whatIf.snapshot()).nodes.find((n) => n.id === won.node)!.status!;
    expect(w.role).toBe('candidate');
    expect(w.term).toBe(term);
  });

  it('the same branch, seed and actions give the same run; another seed gives another', async () => {
    const script = async (seed: number) => {
      const clock = new TestClock();
      const b = branchAt(Math.floor(end / 3), seed, clock);
      const events: LabEvent[] = [];
      b.onEvents((es) => events.push(...es));
      await b.setPaused(false);
      clock.run(1500);
      const w = b.submit({ type: 'put', key: 'd', value: 'x' }, { client: 'det' });
      await b.crashNode(1);
      clock.run(1500);
      await b.restartNode(1);
      clock.run(1500);
      await b.setPaused(true);
      return { snap: await b.snapshot(), history: b.history(), events: events.length, answer: await Promise.race([w, Promise.resolve(null)]) };
    };
    const one = await script(9);
    const two = await script(9);
    expect(two).toEqual(one);
    const other = await script(10);
    expect(other.snap).not.toEqual(one.snap);
  });

  it('a node down at the branch point branches as crashed, restarts from its disk and catches up', async () => {
    const crash = eventsWhere(recording, (r) => r.kind === 'crash')[0]!;
    const r = index.record(crash);
    if (r.kind !== 'crash') throw new Error('the run has no crash');
    const clock = new TestClock();
    const b = branchAt(crash, 1, clock);
    const down = (await b.snapshot()).nodes.find((n) => n.id === r.node)!;
    expect(down.life).toBe('crashed');
    await expect(b.readLog(r.node, 1, 2)).rejects.toThrow(`readLog: node ${r.node} is crashed, so its log cannot be read until it runs again`);
    const lastBefore = index.nodesAt(crash - 1).find((n) => n.id === r.node)!.status!;
    await b.restartNode(r.node);
    const back = (await b.snapshot()).nodes.find((n) => n.id === r.node)!.status!;
    expect(back.term).toBe(lastBefore.term);
    expect(back.lastIndex).toBe(lastBefore.lastIndex);
    await b.setPaused(false);
    const w = b.submit({ type: 'put', key: 'after', value: 'restart' }, { timeoutMs: 20_000 });
    let ok = false;
    void w.then((x) => { ok = x.ok; });
    await playUntil(clock, () => Promise.resolve(ok && b.kvGet(r.node, 'after') === 'restart'));
  });

  it('a node that compacted its log branches with its snapshot: same KV state, it serves a new follower, restarts from the snapshot', async () => {
    const compacted = recordedRun({ snapshotEvery: 4, seed: 11 }, true);
    const idx = new ReplayIndex(compacted.recording, factory);
    const k = idx.events;
    const at = idx.nodesAt(k).filter((n) => (n.status?.snapshotIndex ?? 0) > 0);
    expect(at.length).toBeGreaterThan(0);
    const clock = new TestClock();
    const b = branchOf(idx, compacted.recording, k, 2, clock);
    const snap = await b.snapshot();
    for (const n of at) {
      const s = snap.nodes.find((x) => x.id === n.id)!.status!;
      expect(s.snapshotIndex).toBe(n.status!.snapshotIndex);
      for (const [key, value] of compacted.sim.stateMachine(n.id)!.entries()) expect(b.kvGet(n.id, key)).toBe(value);
    }
    // Restart a compacted node: its KV comes back from the snapshot plus the committed entries after it.
    const victim = at[0]!.id;
    const kvBefore = compacted.sim.stateMachine(victim)!.entries();
    await b.crashNode(victim);
    await b.restartNode(victim);
    await b.setPaused(false);
    await playUntil(clock, async () => {
      const s = (await b.snapshot()).nodes.find((n) => n.id === victim)!.status!;
      return s.applied >= at[0]!.status!.applied;
    });
    for (const [key, value] of kvBefore) expect(b.kvGet(victim, key)).toBe(value);
    // A new node joins and learns the log (by snapshot, since the leaders compacted).
    await playUntil(clock, async () => (await leaderOf(b)) !== null);
    // Playing, addNode returns once the node is a member, so the clock runs meanwhile.
    const added = await played(clock, b.addNode({ learner: true }));
    await playUntil(clock, async () => ((await b.snapshot()).nodes.find((n) => n.id === added)?.status?.applied ?? 0) >= at[0]!.status!.snapshotIndex);
    const learnerSnap = (await b.snapshot()).nodes.find((n) => n.id === added)!.status!;
    expect(learnerSnap.snapshotIndex).toBeGreaterThan(0);
    expect((await b.snapshot()).violations).toEqual([]);
  });

  it('a paused node stops ticking and takes no messages; resumed, it gets them and catches up', async () => {
    const clock = new TestClock();
    const b = branchAt(end, 6, clock);
    await b.setPaused(false);
    await playUntil(clock, async () => (await leaderOf(b)) !== null);
    const leader = (await leaderOf(b))!;
    const follower = (await b.snapshot()).nodes.find((n) => n.id !== leader && n.status)!.id;
    await b.setNodePaused(follower, true);
    expect((await b.snapshot()).nodes.find((n) => n.id === follower)?.life).toBe('paused');
    const frozen = (await b.snapshot()).nodes.find((n) => n.id === follower)!.status!;
    const w = b.submit({ type: 'put', key: 'while', value: 'paused' });
    let answer: KvResult | null = null;
    void w.then((r) => { answer = r; });
    await playUntil(clock, () => Promise.resolve(answer !== null));
    clock.run(1000);
    const still = (await b.snapshot()).nodes.find((n) => n.id === follower)!.status!;
    expect(still).toEqual(frozen);
    expect(b.kvGet(follower, 'while')).toBeNull();
    await b.setNodePaused(follower, false);
    await playUntil(clock, () => Promise.resolve(b.kvGet(follower, 'while') === 'paused'));
    expect((await b.snapshot()).violations).toEqual([]);
  });

  it('closing a branch stops its clock and answers its waiting client requests `stopped`', async () => {
    const clock = new TestClock();
    const b = branchAt(end, 1, clock);
    await b.setPaused(false);
    // Paused again before anything could commit: the request waits.
    await b.setPaused(true);
    const w = b.submit({ type: 'put', key: 'never', value: 'x' });
    b.close();
    await expect(w).resolves.toMatchObject({ ok: false, error: 'stopped' });
    await expect(b.tickOnce()).rejects.toThrow('this branch was closed');
  });

  it('refuses what a branch does not do, saying why; bad ids are named', async () => {
    const b = branchAt(end);
    await expect(b.createCluster()).rejects.toThrow('creating a cluster is not available in a branch: leave the branch first');
    await expect(b.exportRun()).rejects.toThrow('a branch is not recorded');
    await expect(b.deliver('nope')).rejects.toThrow('no pending item "nope": not a pending id');
    // The live lab's words for a well-formed id that is not held (the same check, in the engine).
    await expect(b.drop('1.0.999>2')).rejects.toThrow(/^no pending message "1\.0\.999>2" \(pending: /);
    await expect(b.crashNode(42)).rejects.toThrow('node 42 is not in the lab (nodes 1, 2, 3)');
    await expect(b.setSpeed(50)).rejects.toThrow('setPace: speed must be between 0.01 and 10, got 50');
    await expect(branchAt(end, 1, null).setPaused(false)).rejects.toThrow('play needs a clock');
  });

  it('answers readLog from each branch node\'s log (as the recording had it)', async () => {
    const b = branchAt(end);
    let read = 0;
    for (const n of index.nodesAt(end)) {
      if (n.state !== 'running') continue;
      const want = index.logAt(n.id, end);
      const got = await b.readLog(n.id, want.firstIndex, want.lastIndex + 1);
      expect(got.lastIndex).toBe(want.lastIndex);
      expect(got.entries).toEqual(want.entries.slice(want.firstIndex));
      read += got.entries.length;
    }
    expect(read).toBeGreaterThan(0);
    await expect(b.readLog(1, 5, 2)).rejects.toThrow(/ends before it starts/);
    await expect(b.readLog(99, 1, 2)).rejects.toThrow('node 99 is not in the lab (nodes 1, 2, 3)');
  });

  it('refuses to branch after a replay divergence, naming the event', () => {
    const broken = new ReplayIndex({ ...recording, header: { ...recording.header, digest: 'nope' } }, factory);
    expect(() => broken.branchStateAt(5)).toThrow(/replay diverged from the recording at event 0/);
  });
});
