/**
 * Vote tallies and "why did it win or lose" (shared/election), fed by the LabEvents of a real
 * simulated cluster (a BranchLab started at the end of a recording in which no election ran yet:
 * every node a follower at term 0, paused), stepped by hand exactly as a person would: fire a
 * timeout, deliver or drop chosen messages, crash a node. The reasons the core never states
 * (log behind, stale term) come from short hand-written event streams in the lab's order.
 */
import { describe, expect, it } from 'vitest';
import { RawNode } from '../../shared/raft/raw-node';
import { BranchLab } from '../../shared/replay/branch-lab';
import { clusterOptionsOf, frameAt } from '../../shared/replay/lab-projection';
import { ReplayIndex } from '../../shared/replay/replay-index';
import { recordSimulation } from '../../shared/record/record-sim';
import { ElectionTracker, tallyOf, type Campaign } from '../../shared/election/tally';
import { explainCampaign, tallyText } from '../../shared/election/explain';
import type { LabEvent, PendingItem } from '../../shared/protocol/lab';
import type { NodeId, NodeStatus, RequestVote } from '../../shared/raft/types';

/** A paused 5-node cluster before its first election, with a tracker listening to its events. */
async function freshCluster(nodes = 5): Promise<{ lab: BranchLab; tracker: ElectionTracker; events: LabEvent[] }> {
  // Long election timeouts: nothing times out in the few ms the recording runs.
  const { recording } = recordSimulation({ nodes, seed: 3, ops: 0, clients: 0, electionTicks: 50, maxTimeMs: 5 }, RawNode, (sim) => sim.advance(5));
  const index = new ReplayIndex(recording, RawNode);
  const k = index.events;
  const lab = new BranchLab({ position: k, states: index.branchStateAt(k), options: clusterOptionsOf(recording), atMs: 0, seed: 1 }, RawNode, null);
  const tracker = new ElectionTracker();
  const events: LabEvent[] = [];
  lab.onEvents((es) => {
    events.push(...es);
    tracker.apply(es);
  });
  const snap = await lab.snapshot();
  expect(snap.nodes.map((n) => `${n.status?.role}@${n.status?.term}`)).toEqual(Array(nodes).fill('follower@0'));
  return { lab, tracker, events };
}

async function pendingVotes(lab: BranchLab, where: (m: PendingItem & { kind: 'message' }) => boolean = () => true): Promise<(PendingItem & { kind: 'message' })[]> {
  const s = await lab.snapshot();
  return s.pending.filter((p): p is PendingItem & { kind: 'message' } => p.kind === 'message').filter(where);
}
const req = (from: NodeId, to: NodeId, pre: boolean) => (p: PendingItem & { kind: 'message' }) =>
  p.message.type === 'RequestVote' && p.message.from === from && p.message.to === to && p.message.preVote === pre;
const resp = (from: NodeId, to: NodeId, pre: boolean) => (p: PendingItem & { kind: 'message' }) =>
  p.message.type === 'RequestVoteResponse' && p.message.from === from && p.message.to === to && p.message.preVote === pre;

async function deliver(lab: BranchLab, pred: (p: PendingItem & { kind: 'message' }) => boolean): Promise<void> {
  const [item] = await pendingVotes(lab, pred);
  if (!item) throw new Error('no such pending message');
  await lab.deliver(item.id);
}

/** Fire `node`'s timeout and deliver its pre-votes and their replies, so it becomes candidate. */
async function winPreVote(lab: BranchLab, node: NodeId, voters: readonly NodeId[]): Promise<void> {
  await lab.fireTimeout(node);
  for (const v of voters) {
    await deliver(lab, req(node, v, true));
    await deliver(lab, resp(v, node, true));
  }
}

function voteKinds(c: Campaign): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [id, v] of c.votes) out[id] = v.kind === 'silent' ? `silent:${v.why.kind}` : v.kind === 'self' ? 'self' : `${v.kind}:${v.reply.kind}`;
  return out;
}

describe('ElectionTracker on a real cluster stepped by hand', () => {
  it('counts pre-votes and votes as they arrive, and explains a win', async () => {
    const { lab, tracker } = await freshCluster();
    await lab.fireTimeout(3);
    let c = tracker.latestOf(3)!;
    expect(c).toMatchObject({ kind: 'pre-vote', term: 1, needed: 3, voters: [1, 2, 3, 4, 5], outcome: { kind: 'open' } });
    expect(voteKinds(c)).toEqual({ 1: 'silent:held', 2: 'silent:held', 3: 'self', 4: 'silent:held', 5: 'silent:held' });

    await deliver(lab, req(3, 1, true));
    c = tracker.latestOf(3)!;
    // Granted, but the grant is still held on its way back: not counted yet.
    expect(voteKinds(c)[1]).toBe('granted:held');
    expect(tallyOf(c)).toMatchObject({ granted: 1, grantedOnTheWay: 1 });
    expect(tallyText(c)).toBe('node 3 has 1 of 3 pre-votes (+1 on the way)');
    await deliver(lab, resp(1, 3, true));
    expect(tallyText(tracker.latestOf(3)!)).toBe('node 3 has 2 of 3 pre-votes');
    await deliver(lab, req(3, 2, true));
    await deliver(lab, resp(2, 3, true));
    // The pre-vote is won: node 3 campaigns for real in term 1.
    const pre = tracker.all().find((x) => x.candidate === 3 && x.kind === 'pre-vote')!;
    expect(pre.outcome.kind).toBe('won');
    expect(explainCampaign(pre)[0]!.text).toBe('Node 3 won the pre-vote for term 1 (3 of 5 pre-votes, 3 needed), so it starts a real election.');

    c = tracker.latestOf(3)!;
    expect(c).toMatchObject({ kind: 'vote', term: 1, outcome: { kind: 'open' } });
    for (const v of [1, 2]) {
      await deliver(lab, req(3, v, false));
      await deliver(lab, resp(v, 3, false));
    }
    c = tracker.latestOf(3)!;
    expect(c.outcome.kind).toBe('won');
    expect(tallyOf(c)).toMatchObject({ granted: 3, needed: 3 });
    const lines = explainCampaign(c).map((l) => l.text);
    expect(lines[0]).toBe('Node 3 won the vote for term 1 (3 of 5 votes, 3 needed) and became leader.');
    expect(lines).toContain('Granted by 1, 2, 3 (itself)');
    expect(lines).toContain('No answer from 4: the request is held (step mode): deliver it in the Step tab');
    expect((await lab.snapshot()).nodes.find((n) => n.id === 3)?.status?.role).toBe('leader');
  });

  it('a split vote by hand: each voter already voted for the other candidate, and both explain why', async () => {
    const { lab, tracker } = await freshCluster();
    await winPreVote(lab, 1, [2, 3]);
    await winPreVote(lab, 4, [5, 3]);
    // Real votes: 2 grants 1, 5 grants 4; 3 grants 1 first, so 4 is refused by 3.
    await deliver(lab, req(1, 2, false));
    await deliver(lab, resp(2, 1, false));
    await deliver(lab, req(4, 5, false));
    await deliver(lab, resp(5, 4, false));
    await deliver(lab, req(1, 3, false));
    await deliver(lab, req(4, 3, false));
    await deliver(lab, resp(3, 4, false));
    // 2 refuses 4 and 5 refuses 1: they already voted in term 1.
    await deliver(lab, req(4, 2, false));
    await deliver(lab, resp(2, 4, false));
    await deliver(lab, req(1, 5, false));
    await deliver(lab, resp(5, 1, false));

    const four = tracker.latestOf(4)!;
    expect(four).toMatchObject({ kind: 'vote', term: 1 });
    expect(voteKinds(four)).toMatchObject({ 2: 'denied:delivered', 3: 'denied:delivered', 4: 'self', 5: 'granted:delivered' });
    const fourLines = explainCampaign(four).map((l) => l.text);
    expect(fourLines).toContain('Denied by 2: already voted for 1 in term 1');
    expect(fourLines).toContain('Denied by 3: already voted for 1 in term 1');
    expect(fourLines).toContain('No answer from 1: the request is held (step mode): deliver it in the Step tab');
    // Two refusals of five: 1's answer could still make 3 votes.
    expect(four.outcome.kind).toBe('open');
    expect(fourLines[0]).toBe('Node 4 is asking for the vote for term 1: it has 2 of 3 needed (5 voters).');
    // 1 is a candidate itself: it refuses too, and 4 steps down.
    await deliver(lab, req(4, 1, false));
    await deliver(lab, resp(1, 4, false));
    const lost = tracker.latestOf(4)!;
    expect(lost.outcome.kind).toBe('lost');
    expect(explainCampaign(lost).map((l) => l.text)).toEqual([
      'Node 4 lost the vote for term 1: 3 of 5 denied, so the 3 needed could not come.',
      'Granted by 4 (itself), 5',
      'Denied by 1: already voted for 1 in term 1',
      'Denied by 2: already voted for 1 in term 1',
      'Denied by 3: already voted for 1 in term 1',
    ]);

    const one = tracker.latestOf(1)!;
    expect(voteKinds(one)).toMatchObject({ 1: 'self', 2: 'granted:delivered', 3: 'granted:held', 4: 'silent:held', 5: 'denied:delivered' });
    expect(explainCampaign(one).map((l) => l.text)).toEqual(expect.arrayContaining([
      'Granted by 1 (itself), 2, 3 (the reply is held: deliver it in the Step tab)',
      'Denied by 5: already voted for 4 in term 1',
    ]));
    expect(tallyText(one)).toBe('node 1 has 2 of 3 votes (+1 on the way)');
  });

  it('a candidate that hears from the winner of its term gives up, and says from whom', async () => {
    const { lab, tracker } = await freshCluster();
    await winPreVote(lab, 1, [2, 3]);
    await winPreVote(lab, 4, [5, 3]);
    await deliver(lab, req(4, 5, false));
    await deliver(lab, resp(5, 4, false));
    for (const v of [2, 3]) {
      await deliver(lab, req(1, v, false));
      await deliver(lab, resp(v, 1, false));
    }
    expect(tracker.latestOf(1)!.outcome.kind).toBe('won');
    await deliver(lab, (p) => p.message.type === 'AppendEntries' && p.message.from === 1 && p.message.to === 4);
    const gaveUp = tracker.latestOf(4)!;
    expect(gaveUp.outcome).toEqual({ kind: 'stepped-down', term: 1, leader: 1, newerTerm: false });
    expect(explainCampaign(gaveUp)[0]!.text).toBe('Node 4 gave up the vote for term 1 (2 of 5 votes, 3 needed): it heard from leader 1 of term 1.');
  });

  it('never answered: crashed voter, request dropped by the user, request cut by a partition', async () => {
    const { lab, tracker } = await freshCluster();
    await lab.partition({ kind: 'isolate', node: 5 });
    await lab.crashNode(2);
    await lab.fireTimeout(1);
    await deliver(lab, req(1, 3, true));
    const [toFour] = await pendingVotes(lab, req(1, 4, true));
    await lab.drop(toFour!.id);
    const c = tracker.latestOf(1)!;
    const byVoter = new Map(explainCampaign(c).filter((l) => l.voter !== null).map((l) => [l.voter, l.text]));
    expect(byVoter.get(2)).toBe('No answer from 2: it is crashed');
    expect(byVoter.get(4)).toBe('No answer from 4: you dropped the request');
    expect(byVoter.get(5)).toBe('No answer from 5: the request was cut by a partition');
    expect(byVoter.get(3)).toBeUndefined();
    expect(voteKinds(c)[3]).toBe('granted:held');
  });

  it('a request that arrives under a leader\'s lease is ignored, and the explanation says so', async () => {
    const { lab, tracker } = await freshCluster();
    await winPreVote(lab, 1, [2, 3]);
    for (const v of [2, 3]) {
      await deliver(lab, req(1, v, false));
      await deliver(lab, resp(v, 1, false));
    }
    // Leader 1's first append reaches 3: 3 now holds a lease for leader 1.
    await deliver(lab, (p) => p.message.type === 'AppendEntries' && p.message.to === 3);
    await lab.fireTimeout(2);
    await deliver(lab, req(2, 3, true));
    const c = tracker.latestOf(2)!;
    expect(c).toMatchObject({ kind: 'pre-vote', term: 2 });
    const line = explainCampaign(c).find((l) => l.voter === 3)!;
    expect(line.text).toMatch(/^No answer from 3: ignored under a leader lease: it heard from leader 1 \d+ of 50 ticks ago \(CheckQuorum\)$/);
    expect(await pendingVotes(lab, resp(3, 2, true))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

const conf = { voters: [1, 2, 3], learners: [] };
function status(id: NodeId, over: Partial<NodeStatus>): NodeStatus {
  return {
    id, role: 'follower', term: 1, vote: 0, leader: 0, commit: 0, applied: 0, firstIndex: 1, lastIndex: 0, lastTerm: 0,
    snapshotIndex: 0, snapshotTerm: 0, conf, electionElapsed: 0, randomizedElectionTicks: 12, heartbeatElapsed: 0,
    progress: [], leadTransferee: 0, pendingConfIndex: 0, ...over,
  };
}
let seq = 0;
type Body = LabEvent extends infer E ? (E extends LabEvent ? Omit<E, 'seq' | 'atMs'> : never) : never;
const ev = (e: Body): LabEvent => ({ ...e, seq: ++seq, atMs: seq }) as LabEvent;
function vote(from: NodeId, to: NodeId, term: number, last: [number, number]): RequestVote {
  return { type: 'RequestVote', from, to, term, preVote: false, lastLogIndex: last[0], lastLogTerm: last[1], transfer: false };
}

describe('denial reasons read off the voter\'s status when the request arrived', () => {
  it('log not up to date, and a candidate whose term is behind', () => {
    const t = new ElectionTracker();
    t.apply([
      ev({ type: 'cluster-created', options: { nodes: 3, tickMs: 100, heartbeatTicks: 1, electionTicks: 10, preVote: false, checkQuorum: true, snapshotEvery: 0, seed: 1 }, nodes: [1, 2, 3] }),
      ev({ type: 'node-status', status: status(1, { term: 2, lastIndex: 5, lastTerm: 2 }) }),
      ev({ type: 'node-status', status: status(2, { term: 2, lastIndex: 6, lastTerm: 3 }) }),
      ev({ type: 'node-status', status: status(3, { term: 4, lastIndex: 6, lastTerm: 3 }) }),
      ev({ type: 'message-sent', msgId: 'a', message: vote(1, 2, 3, [5, 2]) }),
      ev({ type: 'message-sent', msgId: 'b', message: vote(1, 3, 3, [5, 2]) }),
      ev({ type: 'role-change', node: 1, role: 'candidate', term: 3 }),
      ev({ type: 'message-delivered', msgId: 'a', message: vote(1, 2, 3, [5, 2]) }),
      ev({ type: 'message-sent', msgId: 'c', message: { type: 'RequestVoteResponse', from: 2, to: 1, term: 3, preVote: false, granted: false } }),
      ev({ type: 'message-delivered', msgId: 'b', message: vote(1, 3, 3, [5, 2]) }),
      ev({ type: 'message-sent', msgId: 'd', message: { type: 'RequestVoteResponse', from: 3, to: 1, term: 4, preVote: false, granted: false } }),
      ev({ type: 'message-delivered', msgId: 'c', message: { type: 'RequestVoteResponse', from: 2, to: 1, term: 3, preVote: false, granted: false } }),
      ev({ type: 'role-change', node: 1, role: 'follower', term: 3 }),
      ev({ type: 'message-dropped', msgId: 'd', why: 'loss', message: { type: 'RequestVoteResponse', from: 3, to: 1, term: 4, preVote: false, granted: false } }),
    ]);
    const c = t.latestOf(1)!;
    const lines = explainCampaign(c).map((l) => l.text);
    expect(lines).toContain('Denied by 2: log not up to date: last 5/2 against 6/3 (index/term)');
    expect(lines).toContain('Denied by 3: the candidate\'s term is behind its term 4 (but the reply was lost)');
    // One denial of three arrived: a majority was still possible, so 1 did not lose by votes.
    expect(c.outcome).toEqual({ kind: 'stepped-down', term: 3, leader: 0, newerTerm: false });
  });
});

describe('the same tallies in a replay', () => {
  it('a recording\'s frames (what the replay shows) give the recorded election and its winner', () => {
    const { recording } = recordSimulation({ nodes: 5, seed: 11, ops: 0, clients: 0, maxTimeMs: 3_000 }, RawNode, (sim) => sim.advance(3_000));
    const index = new ReplayIndex(recording, RawNode);
    // The first event at which some node leads.
    let k = 1;
    while (k < index.events && !index.nodesAt(k).some((n) => n.status?.role === 'leader')) k++;
    const leader = index.nodesAt(k).find((n) => n.status?.role === 'leader')!.id;
    const tracker = new ElectionTracker();
    tracker.apply(frameAt(index, k).events);
    const c = tracker.latestOf(leader)!;
    expect(c).toMatchObject({ kind: 'vote', outcome: { kind: 'won' } });
    expect(tallyOf(c).granted).toBeGreaterThanOrEqual(3);
    expect(explainCampaign(c)[0]!.text).toMatch(new RegExp(`^Node ${leader} won the vote for term \\d+ \\(\\d of 5 votes, 3 needed\\) and became leader\\.$`));
  });
});

describe('a vote the events show before the voter\'s status does (a running node reports every 100 ms)', () => {
  it('says "already voted" from the grant it saw, though the status still says no vote', () => {
    const t = new ElectionTracker();
    const grant = (from: NodeId, to: NodeId, term: number) => ({ type: 'RequestVoteResponse' as const, from, to, term, preVote: false, granted: true });
    const deny = (from: NodeId, to: NodeId, term: number) => ({ type: 'RequestVoteResponse' as const, from, to, term, preVote: false, granted: false });
    t.apply([
      ev({ type: 'cluster-created', options: { nodes: 3, tickMs: 100, heartbeatTicks: 1, electionTicks: 10, preVote: false, checkQuorum: true, snapshotEvery: 0, seed: 1 }, nodes: [1, 2, 3] }),
      ...[1, 2, 3].map((id) => ev({ type: 'node-status', status: status(id, { term: 0 }) })),
      ev({ type: 'message-sent', msgId: 'a', message: vote(1, 2, 1, [0, 0]) }),
      ev({ type: 'message-sent', msgId: 'b', message: vote(3, 2, 1, [0, 0]) }),
      ev({ type: 'message-delivered', msgId: 'a', message: vote(1, 2, 1, [0, 0]) }),
      ev({ type: 'message-sent', msgId: 'c', message: grant(2, 1, 1) }),
      // No new status from 2 yet: it still reads term 0, no vote.
      ev({ type: 'message-delivered', msgId: 'b', message: vote(3, 2, 1, [0, 0]) }),
      ev({ type: 'message-sent', msgId: 'd', message: deny(2, 3, 1) }),
    ]);
    expect(explainCampaign(t.latestOf(3)!).map((l) => l.text)).toContain('Denied by 2: already voted for 1 in term 1 (the reply is on its way)');
  });
});
