/**
 * A real cluster in worker threads with real files in a temporary folder: elections, commits,
 * crash of the leader, minority partitions, full restart from disk, membership changes under
 * load. The live invariant checker runs throughout; every test ends with zero violations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LabController } from '../../electron/lab/controller';
import type { NodeId } from '../../shared/raft/types';
import { FAST, openLab, waitFor, waitForLeader, type Lab } from './helpers';

let current: Lab | null = null;
afterEach(async () => {
  await current?.dispose();
  current = null;
});

async function put(lab: LabController, key: string, value: string, timeoutMs = 5000): Promise<void> {
  const r = await lab.submit({ type: 'put', key, value }, { timeoutMs });
  expect(r, `put ${key}=${value}`).toMatchObject({ ok: true, value });
}

async function get(lab: LabController, key: string): Promise<string | null> {
  const r = await lab.submit({ type: 'get', key }, { timeoutMs: 5000 });
  if (!r.ok) throw new Error(`get ${key} failed: ${r.error}: ${r.detail}`);
  return r.value;
}

async function commitOf(lab: LabController, ids: readonly NodeId[]): Promise<number[]> {
  const snap = await lab.snapshot();
  return ids.map((id) => snap.nodes.find((n) => n.id === id)?.status?.commit ?? -1);
}

describe('cluster basics', () => {
  it.each([3, 5])('elects a leader and commits client writes on %i nodes', async (nodes) => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes, dataDir: dir });
    await waitForLeader(lab);
    for (let i = 0; i < 5; i++) await put(lab, `k${i}`, `v${i}`);
    expect(await get(lab, 'k3')).toBe('v3');
    // Every node applies the same entries, up to the same commit index.
    const snap = await waitFor('all nodes caught up', async () => {
      const s = await lab.snapshot();
      const commits = new Set(s.nodes.map((n) => n.status?.applied));
      return commits.size === 1 && (s.nodes[0]?.status?.applied ?? 0) >= 7 ? s : null;
    });
    expect(snap.nodes.every((n) => n.life === 'running')).toBe(true);
    expect(snap.violations).toEqual([]);
  });

  it('elects a new leader when the leader is killed, and keeps every acknowledged write', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    const first = await waitForLeader(lab);
    for (let i = 0; i < 10; i++) await put(lab, `k${i}`, `v${i}`);
    await lab.crashNode(first);
    const survivors = [1, 2, 3].filter((n) => n !== first);
    const second = await waitForLeader(lab, survivors);
    expect(second).not.toBe(first);
    const snap = await lab.snapshot();
    expect(snap.nodes.find((n) => n.id === first)).toMatchObject({ life: 'crashed', exit: { reason: 'killed' } });
    for (let i = 0; i < 10; i++) expect(await get(lab, `k${i}`)).toBe(`v${i}`);
    await put(lab, 'after', 'crash');
    expect((await lab.snapshot()).violations).toEqual([]);
  });

  it('commits nothing in a minority partition, keeps committing in the majority, converges after heal', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 5, dataDir: dir });
    const leader = await waitForLeader(lab);
    await put(lab, 'before', '1');
    const minority = [leader, leader === 1 ? 2 : 1];
    const majority = [1, 2, 3, 4, 5].filter((n) => !minority.includes(n));
    await lab.partition({ kind: 'split', groups: [minority, majority] });
    // What was committed anywhere when the cut happened; the minority may learn of it, nothing more.
    const committedAtCut = Math.max(...(await commitOf(lab, [1, 2, 3, 4, 5])));

    // The majority elects its own leader and commits; the old leader cannot commit anything.
    for (let i = 0; i < 5; i++) await put(lab, `during${i}`, `${i}`, 8000);
    const newLeader = await waitForLeader(lab, majority);
    expect(majority).toContain(newLeader);
    const minorityCommitLater = await commitOf(lab, minority);
    minorityCommitLater.forEach((c, i) => expect(c, `minority node ${minority[i]} commit`).toBeLessThanOrEqual(committedAtCut));
    const majorityCommit = await commitOf(lab, majority);
    expect(Math.min(...majorityCommit)).toBeGreaterThan(Math.max(...minorityCommitLater));

    await lab.partition({ kind: 'heal' });
    await put(lab, 'after', 'heal', 8000);
    // Logs converge: every node ends at the same last index and term, and the same commit.
    await waitFor('logs converge', async () => {
      const s = await lab.snapshot();
      const tails = new Set(s.nodes.map((n) => `${n.status?.lastIndex}/${n.status?.lastTerm}/${n.status?.commit}`));
      return tails.size === 1 ? true : null;
    });
    for (let i = 0; i < 5; i++) expect(await get(lab, `during${i}`)).toBe(`${i}`);
    expect((await lab.snapshot()).violations).toEqual([]);
  });

  it('recovers the whole state from the files when every node restarts', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir, snapshotEvery: 8 });
    await waitForLeader(lab);
    for (let i = 0; i < 20; i++) await put(lab, `k${i}`, `v${i}`);
    const before = await lab.snapshot();
    const termBefore = Math.max(...before.nodes.map((n) => n.status?.term ?? 0));
    const commitBefore = Math.max(...before.nodes.map((n) => n.status?.commit ?? 0));
    for (const id of [1, 2, 3]) await lab.crashNode(id);
    await waitFor('all crashed', async () => ((await lab.snapshot()).nodes.every((n) => n.life === 'crashed') ? true : null));
    for (const id of [1, 2, 3]) await lab.restartNode(id);
    const restarted = await lab.snapshot();
    for (const n of restarted.nodes) {
      // Term and vote come back from disk, and the log with them.
      expect(n.status?.term ?? 0, `node ${n.id} term`).toBeGreaterThanOrEqual(termBefore);
      expect(n.status?.lastIndex ?? 0, `node ${n.id} last index`).toBeGreaterThanOrEqual(commitBefore);
    }
    await waitForLeader(lab);
    for (let i = 0; i < 20; i++) expect(await get(lab, `k${i}`)).toBe(`v${i}`);
    expect((await lab.snapshot()).violations).toEqual([]);
  });

  it('adds and removes members while writes flow', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    await waitForLeader(lab);
    const acknowledged: string[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const r = await lab.submit({ type: 'put', key: `w${i}`, value: `${i}` }, { timeoutMs: 8000 });
        if (r.ok) acknowledged.push(`w${i}`);
      }
    })();
    await waitFor('some writes', () => (acknowledged.length >= 5 ? true : null));
    const learner = await lab.addNode({ learner: true });
    expect(learner).toBe(4);
    const promoted = await lab.changeMembership({ type: 'add-voter', node: learner });
    expect(promoted.ok, promoted.detail).toBe(true);
    const removed = await lab.changeMembership({ type: 'remove', node: 1 });
    expect(removed.ok, removed.detail).toBe(true);
    const countAtRemove = acknowledged.length;
    await waitFor('writes after the change', () => (acknowledged.length >= countAtRemove + 5 ? true : null));
    stop = true;
    await writer;

    const snap = await lab.snapshot();
    expect(snap.nodes.find((n) => n.id === 1)?.life).toBe('stopped');
    const leader = await waitForLeader(lab, [2, 3, 4]);
    const conf = snap.nodes.find((n) => n.id === leader)?.status?.conf;
    expect(conf?.voters).toEqual([2, 3, 4]);
    for (const key of acknowledged) expect(await get(lab, key)).toBe(key.slice(1));
    expect((await lab.snapshot()).violations).toEqual([]);
  });
});

describe('node controls', () => {
  it('a paused node stops ticking and holds what it receives; the others elect without it', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    const leader = await waitForLeader(lab);
    await lab.setNodePaused(leader, true);
    const others = [1, 2, 3].filter((n) => n !== leader);
    const next = await waitForLeader(lab, others);
    const snap = await lab.snapshot();
    expect(snap.nodes.find((n) => n.id === leader)?.life).toBe('paused');
    // The paused node holds the new leader's messages as pending items instead of handling them.
    expect(snap.pending.some((p) => p.kind === 'message' && p.message.to === leader && p.message.from === next)).toBe(true);
    await put(lab, 'while', 'paused');
    await lab.setNodePaused(leader, false);
    await waitFor('the old leader follows', async () => {
      const s = (await lab.snapshot()).nodes.find((n) => n.id === leader)?.status;
      return s?.role === 'follower' && s.leader === next ? true : null;
    });
    expect((await lab.snapshot()).violations).toEqual([]);
  });

  it('transfers leadership on request', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    const leader = await waitForLeader(lab);
    await put(lab, 'x', '1');
    const target = leader === 3 ? 2 : 3;
    await lab.transferLeadership(target);
    await waitFor(`node ${target} leads`, async () => ((await waitForLeader(lab)) === target ? true : null));
    await put(lab, 'y', '2');
  });
});

describe('link faults', () => {
  it('apply per direction at the sender: a one-way cut drops only that direction, duplication doubles a link', async () => {
    current = await openLab({ traceMessages: true });
    const { lab, dir, events } = current;
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    const leader = await waitForLeader(lab);
    const [cutTo, dupTo] = [1, 2, 3].filter((n) => n !== leader) as [number, number];
    await lab.setLinkFault({ from: leader, to: cutTo }, { cut: true });
    await lab.setLinkFault({ from: leader, to: dupTo }, { duplicate: 1 });
    // Events after this seq happened after both faults were in place at the sender.
    const cutSeq = (await lab.snapshot()).seq;
    await new Promise((r) => setTimeout(r, 1500));
    // Messages already on the wire at the cut may still arrive; they were sent before it.
    const sentBefore = new Set(events.filter((e) => e.seq <= cutSeq && e.type === 'message-sent').map((e) => (e.type === 'message-sent' ? e.msgId : '')));
    const after = events.filter((e) => e.seq > cutSeq && !('msgId' in e && sentBefore.has(e.msgId)));
    const on = (type: string, a: number, b: number) =>
      after.filter((e) => e.type === type && 'message' in e && e.message.from === a && e.message.to === b);
    // leader > cutTo: everything dropped as "cut", nothing delivered.
    expect(on('message-dropped', leader, cutTo).length).toBeGreaterThan(0);
    expect(on('message-dropped', leader, cutTo).every((e) => e.type === 'message-dropped' && e.why === 'cut')).toBe(true);
    expect(on('message-delivered', leader, cutTo)).toEqual([]);
    // cutTo > leader still works: the cut-off follower's messages (its pre-votes) arrive.
    expect(on('message-delivered', cutTo, leader).length).toBeGreaterThan(0);
    // leader > dupTo: every message goes out twice, under two ids. The leader sends the same
    // heartbeats to both followers, so twice as many as the cut link dropped.
    const isAppend = (e: (typeof after)[number]) => 'message' in e && e.message.type === 'AppendEntries';
    const sentDup = on('message-sent', leader, dupTo).filter(isAppend);
    const droppedCut = on('message-dropped', leader, cutTo).filter(isAppend);
    expect(droppedCut.length).toBeGreaterThan(4);
    expect(sentDup.length).toBeGreaterThanOrEqual(2 * droppedCut.length - 4);
    expect(sentDup.length).toBeLessThanOrEqual(2 * droppedCut.length + 4);
    expect(new Set(sentDup.map((e) => (e.type === 'message-sent' ? e.msgId : ''))).size).toBe(sentDup.length);
    expect((await lab.snapshot()).violations).toEqual([]);
  });
});
