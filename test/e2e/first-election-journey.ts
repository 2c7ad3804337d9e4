/**
 * A newcomer's first election, stage by stage, on any host (the browser spec and the Electron
 * spec run the same stages): a 5-node cluster created paused at the watch pace, whose very first
 * election is stepped by hand (fire a timeout, deliver every PreVote and RequestVote and every
 * reply) until a leader exists; then a write to an isolated old leader through the Client form, a
 * heal, and its entry kept as a ghost "overwritten by leader N, term T"; a follower answering
 * "not leader, leader hint N"; a get of a missing key "not found"; the Events tab searching the
 * whole run; Messages/s at zero while paused; Pause pressed during start-up holding. Each stage
 * ends in a screenshot (test-results/e2e/<prefix>-*.png).
 */
import { expect, type Locator } from '@playwright/test';
import type { LabPage } from './lab-page';

/** The number a Step tab "Fire timeout" button shows: ticks left on that node's election timer. */
async function ticksLeftOnButton(lab: LabPage, id: number): Promise<number> {
  const text = (await lab.page.getByTestId(`fire-${id}`).textContent()) ?? '';
  const m = new RegExp(`^${id} · (\\d+)$`).exec(text.trim());
  if (!m?.[1]) throw new Error(`fire-${id} shows "${text}"`);
  return Number(m[1]);
}

/** Held vote traffic (PreVote / RequestVote requests and replies) in the Step tab. */
function heldVotes(lab: LabPage): Locator {
  return lab.page.locator('[data-testid="pending-message"][data-type^="RequestVote"]');
}

/** Deliver one held item and wait until the lab has settled it (the item is gone from the list). */
async function deliver(lab: LabPage, item: Locator): Promise<void> {
  const id = await item.getAttribute('data-id');
  await item.getByTestId('deliver').click();
  await expect(lab.page.locator(`[data-testid="pending-message"][data-id="${id}"]`)).toHaveCount(0);
}

/** Create 5 nodes paused at the watch pace: nothing has happened, nothing moves. */
export async function createPaused(lab: LabPage): Promise<void> {
  const p = lab.page;
  // CheckQuorum off: an isolated leader keeps believing it leads, so it accepts a write later.
  await lab.createCluster({ nodes: 5, preVote: true, checkQuorum: false, pace: 'watch', startPaused: true });
  await expect(p.getByText('PAUSED · step mode')).toBeVisible();
  await expect(p.getByTestId('pace')).toHaveAttribute('data-pace', 'watch');
  await expect(p.getByTestId('pace-watch')).toHaveAttribute('aria-pressed', 'true');
  await expect(p.getByTestId('pace')).toHaveAttribute('title', '0.2×, each message 100 ms on its link = 500 ms on screen');
  await expect.poll(async () => (await lab.nodes()).map((n) => `${n.role}/${n.life}/t${n.term}`).join(' '))
    .toBe(Array(5).fill('follower/paused/t0').join(' '));
  await lab.tab('Step');
  await expect(p.getByText('Nothing pending.')).toBeVisible();
  // Two seconds later still nothing: no timer ran, no message was sent.
  await p.waitForTimeout(2_000);
  await expect(p.getByText('Nothing pending.')).toBeVisible();
  expect((await lab.nodes()).every((n) => n.role === 'follower' && n.term === 0)).toBe(true);
  await expect(p.getByTestId('metrics')).toContainText(/Messages\/s\s*0\b/);
  await lab.shot('01-created-paused');
}

/** Advance N ticks: every timer moves N ticks, and the Inspector counts ticks left as the Step tab does. */
export async function advanceTicks(lab: LabPage): Promise<void> {
  const p = lab.page;
  const before = await ticksLeftOnButton(lab, 2);
  await p.getByTestId('advance-count').fill('3');
  await p.getByTestId('advance-ticks').click();
  await expect.poll(() => ticksLeftOnButton(lab, 2)).toBe(before - 3);
  await expect(p.getByTestId('last-step')).toContainText('Advanced every node 3 ticks');
  expect((await lab.nodes()).every((n) => n.role === 'follower')).toBe(true);
  const left = await ticksLeftOnButton(lab, 2);
  await lab.selectNode(2);
  await expect(p.getByTestId('inspect-timer')).toContainText(`fires in ${left} ticks`);
  await lab.shot('02-advanced-3-ticks');
}

/** Advance to the first election timeout, fire it, and deliver every PreVote and RequestVote and reply by hand until its node leads. */
export async function stepFirstElection(lab: LabPage): Promise<number> {
  const p = lab.page;
  await lab.tab('Step');
  // The node whose timer runs out first; advancing to the tick before it makes its timeout the
  // first (and only) pending item.
  const due = /^Next election timeout: node (\d+) in (\d+) ticks/.exec((await p.getByTestId('next-due').textContent()) ?? '');
  if (!due?.[1] || !due[2]) throw new Error('no next election timeout shown');
  const first = Number(due[1]);
  await p.getByTestId('advance-to-due').click();
  const timeout = p.getByRole('list', { name: 'Pending messages and timeouts' }).getByRole('listitem').first();
  await expect(timeout).toHaveAttribute('data-testid', 'pending-timeout');
  await expect(timeout).toHaveAttribute('data-type', 'election');
  await expect(timeout).toHaveAttribute('data-to', String(first));
  await expect(p.getByRole('list', { name: 'Pending messages and timeouts' }).getByRole('listitem')).toHaveCount(1);
  expect((await lab.nodes()).every((n) => n.role === 'follower' && n.term === 0)).toBe(true);
  await lab.shot('03a-first-timeout-pending');

  await timeout.getByTestId('fire').click();
  // PreVote first: the node asks every other node, its term unchanged.
  await expect(p.locator(`[data-testid="pending-message"][data-type="RequestVote"][data-prevote="true"][data-from="${first}"]`)).toHaveCount(4);
  await expect.poll(async () => (await lab.node(first)).role).toBe('pre-candidate');
  await lab.shot('03-prevotes-held');

  let stage = 0;
  for (let step = 0; step < 40 && (await lab.node(first)).role !== 'leader'; step++) {
    const next = heldVotes(lab).first();
    await expect(next).toBeVisible();
    const type = await next.getAttribute('data-type');
    const pre = await next.getAttribute('data-prevote');
    await deliver(lab, next);
    const role = (await lab.node(first)).role;
    if (stage === 0 && role === 'candidate') {
      // A majority of pre-votes: a real candidate now, asking for votes in term 1.
      stage = 1;
      await expect(p.locator(`[data-testid="pending-message"][data-type="RequestVote"][data-prevote="false"][data-from="${first}"]`)).toHaveCount(4);
      expect((await lab.node(first)).term).toBe(1);
      await lab.shot('04-candidate-asks-votes');
    }
    expect(type === 'RequestVote' || type === 'RequestVoteResponse', `delivered ${type} (pre ${pre})`).toBe(true);
  }
  await expect.poll(async () => (await lab.node(first)).role).toBe('leader');
  expect((await lab.node(first)).term).toBe(1);
  await expect(p.getByTestId('leader-fact')).toContainText(`leader ${first}`);
  await lab.shot('05-leader-by-hand');
  return first;
}

/** Messages/s falls to zero while paused, and real pace is one click away. */
export async function messagesStopWhenPaused(lab: LabPage): Promise<void> {
  const p = lab.page;
  await lab.setPaused(false);
  // At the watch pace each heartbeat spends 0.5 s on screen crossing its link.
  await p.waitForTimeout(1_200);
  await lab.shot('06a-watch-pace-messages-travel');
  await p.getByTestId('pace-real').click();
  await expect(p.getByTestId('pace')).toHaveAttribute('data-pace', 'real');
  await expect(p.getByTestId('pace-real')).toHaveAttribute('aria-pressed', 'true');
  // Running: heartbeats flow.
  await expect.poll(async () => Number(/Messages\/s\s*(\d+)/.exec((await p.getByTestId('metrics').textContent()) ?? '')?.[1] ?? 0),
    { timeout: 20_000 }).toBeGreaterThan(0);
  await lab.setPaused(true);
  await expect(p.getByTestId('metrics')).toContainText(/Messages\/s\s*0\b/, { timeout: 15_000 });
  await lab.shot('06-paused-no-messages');
  await lab.setPaused(false);
  await expect.poll(async () => (await lab.nodes()).filter((n) => n.commit >= 1).length, { timeout: 30_000 }).toBe(5);
}

/** A write to the isolated old leader, then heal: its entry stays as a ghost, overwritten by the new leader. */
export async function staleLeaderGhost(lab: LabPage, leader: number): Promise<void> {
  const p = lab.page;
  await lab.selectNode(leader);
  await p.getByTestId('isolate-node').click();
  await expect(p.locator(`[data-testid="cluster-view"] [data-node="${leader}"][data-isolated="true"]`)).toHaveCount(1);
  await expect.poll(async () => (await lab.nodes()).filter((n) => n.id !== leader && n.role === 'leader' && n.term > 1).length,
    { timeout: 60_000, message: 'a new leader among the other four' }).toBe(1);
  const fresh = (await lab.nodes()).find((n) => n.id !== leader && n.role === 'leader');
  if (!fresh) throw new Error('new leader vanished');
  const oldLast = (await lab.logs()).find((l) => l.id === leader)?.last ?? 0;

  // Aimed at the old leader, which still believes it leads: it accepts the entry, cannot commit it.
  const stale = await lab.submit('put', 'lost', 'never-committed', leader);
  expect(stale).toMatch(new RegExp(`^to node ${leader}: put lost = never-committed → timeout: node ${leader} accepted it as index ${oldLast + 1}`));
  await expect.poll(async () => (await lab.logs()).find((l) => l.id === leader)?.last).toBe(oldLast + 1);
  await lab.shot('07-write-to-stale-leader');

  await lab.tab('Network');
  await p.getByTestId('heal').click();
  const ghost = p.locator(`[data-testid="log-ghost"][data-node="${leader}"][data-index="${oldLast + 1}"]`);
  await expect(ghost).toHaveCount(1, { timeout: 60_000 });
  await expect(ghost).toContainText('put lost = never-committed');
  await expect(ghost).toContainText(/overwritten by leader \d+, term \d+/);
  await expect(p.getByTestId('log-ghosts')).toContainText(`node ${leader} index ${oldLast + 1}: t1 put lost = never-committed — overwritten by leader`);
  await lab.shot('08-overwritten-ghost');
}

/** A follower answers not leader, with a leader hint; a get of a missing key says not found. */
export async function notLeaderAndNotFound(lab: LabPage): Promise<void> {
  const p = lab.page;
  const current = await lab.waitForOneLeader(5);
  const follower = (await lab.nodes()).find((n) => n.role === 'follower')?.id;
  if (follower === undefined) throw new Error('no follower on screen');
  await expect.poll(async () => lab.submit('put', 'x', '1', follower), { timeout: 30_000 })
    .toMatch(new RegExp(`^to node ${follower}: put x = 1 → not leader, leader hint ${current.id}: node ${follower} does not lead$`));
  await lab.shot('09-not-leader-hint');
  const missing = await lab.submit('get', 'never-written');
  expect(missing).toMatch(/→ not found: no key "never-written"/);
  await expect(p.getByTestId('op-result')).toBeVisible();
  await lab.shot('10-get-not-found');
}

/** The Events tab searches the whole run, not only the recent events. */
export async function searchWholeRun(lab: LabPage): Promise<void> {
  const p = lab.page;
  await lab.tab('Events');
  await p.getByTestId('events-filter').fill('start (bootstrap)');
  await p.getByTestId('search-run').click();
  // The nodes' starts, the run's very first records, long gone from the recent events.
  await expect(p.getByTestId('run-search-summary')).toContainText('5 records of the whole run');
  await expect(p.getByTestId('run-search-line')).toHaveCount(5);
  await lab.shot('11-events-whole-run');
}

/** Pause pressed while the nodes of a new cluster start holds: no election until the person steps. */
export async function pauseDuringStartUp(lab: LabPage): Promise<void> {
  const p = lab.page;
  await lab.createCluster({ nodes: 3, preVote: true, checkQuorum: true, pace: 'real' });
  // The nodes are drawn as soon as the cluster exists, while their processes still start.
  await expect(p.locator('[data-testid="cluster-view"] [data-node][data-life="starting"]').first()).toBeVisible();
  await lab.setPaused(true);
  await expect.poll(async () => (await lab.nodes()).map((n) => n.life).join(' '), { timeout: 60_000 }).toBe('paused paused paused');
  // At real pace an unpaused node would time out within 1-2 s; several seconds later, still none has.
  await p.waitForTimeout(4_000);
  expect((await lab.nodes()).map((n) => `${n.role}/t${n.term}`)).toEqual(['follower/t0', 'follower/t0', 'follower/t0']);
  await lab.tab('Step');
  await expect(p.getByText('Nothing pending.')).toBeVisible();
  await expect(p.getByTestId('metrics')).toContainText(/Messages\/s\s*0\b/);
  await lab.shot('12-paused-during-start-up');
  expect(lab.errors).toEqual([]);
}
