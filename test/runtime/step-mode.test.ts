/**
 * Step mode across real processes: from a paused cluster, a scripted sequence of deliveries,
 * drops and timeouts produces exactly the expected election, message by message, and nothing
 * else happens in between (no ticks, no deliveries the script did not ask for).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LabController } from '../../electron/lab/controller';
import type { PendingItem } from '../../shared/protocol/lab';
import { FAST, openLab, waitForLeader, type Lab } from './helpers';

let current: Lab | null = null;
afterEach(async () => {
  await current?.dispose();
  current = null;
});

/** One line per pending item, sorted: `1>2 RequestVote pre t1`, `t:3:election`. */
function describePending(items: readonly PendingItem[]): string[] {
  return items
    .map((item) => {
      if (item.kind === 'timeout') return item.id;
      const m = item.message;
      const flags = m.type === 'RequestVote' || m.type === 'RequestVoteResponse' ? (m.preVote ? ' pre' : '') : '';
      const granted = m.type === 'RequestVoteResponse' ? (m.granted ? ' yes' : ' no') : '';
      return `${m.from}>${m.to} ${m.type}${flags}${granted} t${m.term}`;
    })
    .sort();
}

async function pendingNow(lab: LabController): Promise<string[]> {
  return describePending((await lab.snapshot()).pending);
}

/** The id of the one pending message matching `line`. */
async function pendingId(lab: LabController, line: string): Promise<string> {
  const items = (await lab.snapshot()).pending;
  const found = items.filter((item) => describePending([item])[0] === line);
  if (found.length !== 1) throw new Error(`expected exactly one pending "${line}", have: ${describePending(items).join(' | ')}`);
  const [item] = found;
  if (item === undefined) throw new Error('unreachable');
  return item.id;
}

describe('step mode', () => {
  it('a scripted sequence of deliveries and timeouts produces exactly the expected election', async () => {
    current = await openLab({ traceMessages: true });
    const { lab, dir, events } = current;
    // Slow ticks: nobody's election timeout comes near before the cluster is paused.
    await lab.createCluster({ ...FAST, tickMs: 1000, electionTicks: 20, nodes: 3, dataDir: dir });
    await lab.setPaused(true);
    const start = await lab.snapshot();
    expect(start.paused).toBe(true);
    expect(start.nodes.every((n) => n.life === 'paused' && n.status?.role === 'follower')).toBe(true);
    const t0 = start.nodes[0]?.status?.term ?? -1;
    expect(start.nodes.every((n) => n.status?.term === t0)).toBe(true);
    expect(await pendingNow(lab)).toEqual([]);

    // 1. Node 1's election timeout: with PreVote it asks for pre-votes for term t0+1, term unchanged.
    await lab.fireTimeout(1);
    expect(await pendingNow(lab)).toEqual([`1>2 RequestVote pre t${t0 + 1}`, `1>3 RequestVote pre t${t0 + 1}`]);
    let snap = await lab.snapshot();
    expect(snap.nodes.map((n) => [n.status?.role, n.status?.term])).toEqual([['pre-candidate', t0], ['follower', t0], ['follower', t0]]);

    // 2. Node 2 grants the pre-vote; nothing else moves.
    await lab.deliver(await pendingId(lab, `1>2 RequestVote pre t${t0 + 1}`));
    expect(await pendingNow(lab)).toEqual([`1>3 RequestVote pre t${t0 + 1}`, `2>1 RequestVoteResponse pre yes t${t0 + 1}`]);

    // 3. With 2 of 3 pre-votes, node 1 becomes a real candidate in t0+1 and asks for votes.
    await lab.deliver(await pendingId(lab, `2>1 RequestVoteResponse pre yes t${t0 + 1}`));
    expect(await pendingNow(lab)).toEqual([
      `1>2 RequestVote t${t0 + 1}`,
      `1>3 RequestVote pre t${t0 + 1}`,
      `1>3 RequestVote t${t0 + 1}`,
    ]);
    snap = await lab.snapshot();
    expect(snap.nodes[0]?.status).toMatchObject({ role: 'candidate', term: t0 + 1, vote: 1 });

    // 4. Drop the stale pre-vote to node 3; node 2 votes for node 1.
    await lab.drop(await pendingId(lab, `1>3 RequestVote pre t${t0 + 1}`));
    await lab.deliver(await pendingId(lab, `1>2 RequestVote t${t0 + 1}`));
    expect(await pendingNow(lab)).toEqual([`1>3 RequestVote t${t0 + 1}`, `2>1 RequestVoteResponse yes t${t0 + 1}`]);
    snap = await lab.snapshot();
    expect(snap.nodes[1]?.status).toMatchObject({ role: 'follower', term: t0 + 1, vote: 1 });

    // 5. The vote arrives: node 1 leads term t0+1 and sends its first AppendEntries to both.
    await lab.deliver(await pendingId(lab, `2>1 RequestVoteResponse yes t${t0 + 1}`));
    snap = await lab.snapshot();
    expect(snap.nodes[0]?.status).toMatchObject({ role: 'leader', term: t0 + 1, leader: 1 });
    const afterWin = await pendingNow(lab);
    expect(afterWin.filter((l) => l.startsWith('1>2 '))).toEqual([`1>2 AppendEntries t${t0 + 1}`]);
    expect(afterWin.filter((l) => l.startsWith('1>3 ')).sort()).toEqual([`1>3 AppendEntries t${t0 + 1}`, `1>3 RequestVote t${t0 + 1}`]);
    // Node 3 has heard nothing: still a follower in the old term, no vote.
    expect(snap.nodes[2]?.status).toMatchObject({ role: 'follower', term: t0, vote: 0 });

    // Nothing happens while nobody asks: no ticks, no deliveries.
    const quiet = JSON.stringify((await lab.snapshot()).nodes.map((n) => n.status));
    await new Promise((r) => setTimeout(r, 1500));
    expect(JSON.stringify((await lab.snapshot()).nodes.map((n) => n.status))).toBe(quiet);
    expect(await pendingNow(lab)).toEqual(afterWin);

    // The event stream saw the messages one by one, with the same ids.
    const delivered = events.filter((e) => e.type === 'message-delivered').map((e) => (e.type === 'message-delivered' ? e.message.type : ''));
    expect(delivered).toEqual(['RequestVote', 'RequestVoteResponse', 'RequestVote', 'RequestVoteResponse']);

    // Resume: everything held is delivered, node 1 stays leader and commits.
    await lab.setSpeed(10);
    await lab.setPaused(false);
    expect(await waitForLeader(lab)).toBe(1);
    const r = await lab.submit({ type: 'put', key: 'x', value: 'stepped' }, { timeoutMs: 8000 });
    expect(r).toMatchObject({ ok: true, leader: 1 });
    expect((await lab.snapshot()).violations).toEqual([]);
  });

  it('a write submitted while paused is proposed once: waiting for the user to step it adds no copies to the log', async () => {
    current = await openLab();
    const { lab, dir } = current;
    // Election timeout 150 ms: a client attempt gives up on an entry after 3 timeouts (450 ms).
    await lab.createCluster({ ...FAST, nodes: 3, dataDir: dir });
    const leader = await waitForLeader(lab);
    const warm = await lab.submit({ type: 'put', key: 'warm', value: '1' });
    expect(warm.ok).toBe(true);
    await lab.setPaused(true);
    const before = (await lab.snapshot()).nodes.find((n) => n.id === leader)?.status?.lastIndex ?? -1;
    const answer = lab.submit({ type: 'put', key: 'x', value: 'held' }, { timeoutMs: 20_000 });
    // Several attempt lengths pass with the cluster paused.
    await new Promise((r) => setTimeout(r, 2000));
    const held = await lab.readLog(leader, before + 1, before + 100);
    const copies = held.entries.filter((e) => e.kind === 'command' && e.data.includes('held'));
    expect(copies).toHaveLength(1);
    // Resumed, the one copy commits and answers the client.
    await lab.setPaused(false);
    expect(await answer).toMatchObject({ ok: true });
    const after = await lab.readLog(leader, before + 1, before + 100);
    expect(after.entries.filter((e) => e.kind === 'command' && e.data.includes('held'))).toHaveLength(1);
  });

  it('tickOnce advances every node by exactly one tick, and a due timeout is reported as pending', async () => {
    current = await openLab();
    const { lab, dir } = current;
    await lab.createCluster({ ...FAST, tickMs: 1000, electionTicks: 4, heartbeatTicks: 1, nodes: 3, dataDir: dir });
    await lab.setPaused(true);
    const before = (await lab.snapshot()).nodes.map((n) => n.status?.electionElapsed ?? -1);
    await lab.tickOnce();
    const after = (await lab.snapshot()).nodes.map((n) => n.status?.electionElapsed ?? -1);
    after.forEach((e, i) => expect(e).toBe((before[i] ?? 0) + 1));
    // Tick until some node's timeout is due: it shows up as a pending timeout, and firing it starts a pre-vote.
    let pending: PendingItem[] = [];
    for (let i = 0; i < 8 && pending.length === 0; i++) {
      pending = [...(await lab.snapshot()).pending].filter((p) => p.kind === 'timeout');
      if (pending.length === 0) await lab.tickOnce();
    }
    const due = pending[0];
    if (due === undefined || due.kind !== 'timeout') throw new Error('no election timeout became due');
    expect(due.timeout).toBe('election');
    await lab.deliver(due.id);
    const snap = await lab.snapshot();
    expect(snap.nodes.find((n) => n.id === due.node)?.status?.role).toBe('pre-candidate');
    expect(describePending(snap.pending).filter((l) => l.includes('RequestVote pre')).length).toBe(2);
  });
});
