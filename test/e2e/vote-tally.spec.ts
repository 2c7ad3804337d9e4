/**
 * A newcomer steps the very first elections of a 5-node cluster by hand in the browser host and
 * reads the vote tallies and the explanations: pips and "2 of 3 needed" on the candidate, the
 * tally in Last step and in the Inspector, the ✓/✗ on vote replies, why a candidate lost (a
 * split vote: each voter already voted for the other), why one won, and the legend on `?`.
 *
 * Deterministic: the cluster starts paused (or, where the create form has no such option, with
 * election timeouts of minutes, paused at once), so nothing happens but what the spec steps.
 */
import { test, expect, type Locator, type Page } from '@playwright/test';
import { openHostedPage, type HostedPage } from './web-host-process';
import type { LabPage } from './lab-page';

type Kind = 'PreVote' | 'RequestVote';

function pending(p: Page, type: 'RequestVote' | 'RequestVoteResponse', from: number, to: number, pre: boolean): Locator {
  const prevote = type === 'RequestVote' ? `[data-prevote="${pre}"]` : '';
  return p.locator(`[data-testid="pending-message"][data-type="${type}"][data-from="${from}"][data-to="${to}"]${prevote}`);
}

/** Deliver the request from `from` to `to`, then (when `reply`) the voter's answer back. */
async function ask(lab: LabPage, kind: Kind, from: number, to: number, reply = true): Promise<void> {
  const p = lab.page;
  const pre = kind === 'PreVote';
  const request = pending(p, 'RequestVote', from, to, pre);
  await expect(request).toHaveCount(1);
  await request.getByTestId('deliver').click();
  if (!reply) return;
  const answer = pending(p, 'RequestVoteResponse', to, from, pre);
  await expect(answer).toHaveCount(1);
  await answer.getByTestId('deliver').click();
  await expect(answer).toHaveCount(0);
}

async function drop(lab: LabPage, kind: Kind, from: number, to: number): Promise<void> {
  const request = pending(lab.page, 'RequestVote', from, to, kind === 'PreVote');
  await expect(request).toHaveCount(1);
  await request.getByTestId('drop').click();
  await expect(request).toHaveCount(0);
}

async function fire(lab: LabPage, node: number): Promise<void> {
  await lab.tab('Step');
  await lab.page.getByTestId(`fire-${node}`).click();
  await expect(pending(lab.page, 'RequestVote', node, node === 1 ? 2 : 1, true)).toHaveCount(1);
}

function pips(p: Page, node: number): Locator {
  return p.locator(`[data-testid="cluster-view"] [data-node="${node}"] [data-testid="vote-pips"]`);
}

/** The Inspector's election section for a node, as its lines. */
async function explanation(lab: LabPage, node: number): Promise<string[]> {
  await lab.selectNode(node);
  const section = lab.page.getByTestId('election');
  await expect(section).toBeVisible();
  return section.locator('li').allInnerTexts();
}

test.describe.serial('browser host: vote tallies and why a node won or lost', () => {
  let hosted: HostedPage;
  let lab: LabPage;

  test.beforeAll(async ({ browser }) => {
    hosted = await openHostedPage(browser, 'vote-tally');
    lab = hosted.lab;
  });
  test.afterAll(async () => {
    await hosted?.close();
  });

  test('create 5 nodes paused, step a split vote by hand and read both candidates\' explanations', async () => {
    const p = lab.page;
    await p.goto('/');
    const form = p.getByRole('form', { name: 'Create cluster' });
    await form.getByRole('radio', { name: '5', exact: true }).check();
    const startPaused = form.getByTestId('start-paused');
    const canStartPaused = (await startPaused.count()) > 0;
    if (canStartPaused) await startPaused.check();
    // Without "start paused": election timeouts of minutes, so nothing happens before the pause.
    else await form.getByRole('spinbutton', { name: 'Election timeout (ticks)' }).fill('2000');
    await form.getByTestId('create-cluster').click();
    await expect(p.locator('[data-testid="cluster-view"] [data-node]')).toHaveCount(5, { timeout: 60_000 });
    if (!canStartPaused) await lab.setPaused(true);
    await expect.poll(async () => (await lab.nodes()).map((n) => `${n.role}@${n.term}`).join(' '), { timeout: 60_000 })
      .toBe('follower@0 follower@0 follower@0 follower@0 follower@0');
    await expect(p.getByTestId('members-fact')).toHaveText('5 voters · quorum 3');
    await expect(p.getByTestId('leader-fact')).toHaveText('no leader');
    await lab.shot('01-created-paused');

    // Node 1 asks for pre-votes: pips appear, one granted (itself), "1 of 3 needed".
    await fire(lab, 1);
    await expect(pips(p, 1)).toHaveAttribute('data-tally', '1 of 3 needed');
    await expect(pips(p, 1)).toHaveAttribute('data-kind', 'pre-vote');
    await expect(pips(p, 1).locator('circle.granted')).toHaveCount(1);
    await expect(pips(p, 1).locator('circle.none')).toHaveCount(4);
    await lab.shot('02-prevote-asked');

    // 2's pre-vote grant is on its way back, drawn with a ✓ and counted only when it arrives.
    await pending(p, 'RequestVote', 1, 2, true).getByTestId('deliver').click();
    await expect(pending(p, 'RequestVoteResponse', 2, 1, true)).toHaveCount(1);
    await expect(pips(p, 1).locator('circle.granted.coming')).toHaveCount(1);
    await expect(p.getByTestId('last-step')).toContainText('node 1 has 1 of 3 pre-votes (+1 on the way)');
    await lab.shot('03-prevote-grant-on-its-way');
    await pending(p, 'RequestVoteResponse', 2, 1, true).getByTestId('deliver').click();
    await expect(p.getByTestId('last-step')).toContainText('node 1 has 2 of 3 pre-votes');
    await expect(pips(p, 1)).toHaveAttribute('data-tally', '2 of 3 needed');
    await ask(lab, 'PreVote', 1, 3);
    await expect.poll(async () => (await lab.node(1)).role).toBe('candidate');
    await expect(pips(p, 1)).toHaveAttribute('data-kind', 'vote');

    // Node 4 too: the pre-votes of 5 and 3 make it a candidate of the same term.
    await fire(lab, 4);
    await ask(lab, 'PreVote', 4, 5);
    await ask(lab, 'PreVote', 4, 3);
    await expect.poll(async () => `${(await lab.node(1)).role}@${(await lab.node(1)).term} ${(await lab.node(4)).role}@${(await lab.node(4)).term}`)
      .toBe('candidate@1 candidate@1');
    await lab.shot('04-two-candidates');

    // The real votes: 2 for 1, 5 for 4; each candidate refuses the other; 2 and 5 refuse the
    // second asker; 3's requests are dropped: nobody reaches 3 of 5.
    await ask(lab, 'RequestVote', 1, 2);
    await ask(lab, 'RequestVote', 4, 5);
    await expect(pips(p, 1)).toHaveAttribute('data-tally', '2 of 3 needed');
    await expect(pips(p, 4)).toHaveAttribute('data-tally', '2 of 3 needed');
    await pending(p, 'RequestVote', 4, 1, false).getByTestId('deliver').click();
    // A refusal in flight wears a ✗; the Inspector says which election a reply belongs to.
    const refusal = pending(p, 'RequestVoteResponse', 1, 4, false);
    await expect(refusal).toHaveCount(1);
    await refusal.getByRole('button', { name: 'Vote denied' }).click();
    await expect(p.getByTestId('message-election')).toHaveText('In this election node 4 has 2 of 3 votes.');
    await lab.shot('05-denial-in-flight');
    await lab.tab('Step');
    await refusal.getByTestId('deliver').click();
    await ask(lab, 'RequestVote', 1, 4);
    await ask(lab, 'RequestVote', 1, 5);
    await ask(lab, 'RequestVote', 4, 2);
    await drop(lab, 'RequestVote', 1, 3);
    await drop(lab, 'RequestVote', 4, 3);
    await expect(pips(p, 1).locator('circle.denied')).toHaveCount(2);
    await expect(pips(p, 4).locator('circle.denied')).toHaveCount(2);
    await lab.shot('06-split-vote');

    const one = await explanation(lab, 1);
    expect(one).toEqual([
      'Node 1 is asking for the vote for term 1: it has 2 of 3 needed (5 voters).',
      'Granted by 1 (itself), 2',
      'Denied by 4: already voted for 4 in term 1',
      'Denied by 5: already voted for 4 in term 1',
      'No answer from 3: you dropped the request',
    ]);
    await expect(p.getByTestId('election-tally')).toHaveText('node 1 has 2 of 3 votes');
    await lab.shot('07-explain-node-1');
    const four = await explanation(lab, 4);
    expect(four).toEqual([
      'Node 4 is asking for the vote for term 1: it has 2 of 3 needed (5 voters).',
      'Granted by 4 (itself), 5',
      'Denied by 1: already voted for 1 in term 1',
      'Denied by 2: already voted for 1 in term 1',
      'No answer from 3: you dropped the request',
    ]);
    await lab.shot('08-explain-node-4');
    expect(lab.errors).toEqual([]);
  });

  test('a new election breaks the tie: the tally reaches a majority, and the loser says why it lost', async () => {
    const p = lab.page;
    // Node 1 times out first and runs for term 2 (its pre-votes from 2 and 3).
    await fire(lab, 1);
    await ask(lab, 'PreVote', 1, 2);
    await ask(lab, 'PreVote', 1, 3);
    await expect.poll(async () => `${(await lab.node(1)).role}@${(await lab.node(1)).term}`).toBe('candidate@2');
    await ask(lab, 'RequestVote', 1, 2);
    await expect(pips(p, 1)).toHaveAttribute('data-tally', '2 of 3 needed');
    await ask(lab, 'RequestVote', 1, 3);
    // The third vote is the majority: node 1 leads term 2.
    await expect.poll(async () => `${(await lab.node(1)).role}@${(await lab.node(1)).term}`).toBe('leader@2');
    await expect(p.getByTestId('last-step')).toContainText('node 1 has 3 of 3 votes');
    await expect(p.getByTestId('leader-fact')).toHaveText('leader 1');
    await expect(p.getByTestId('term-fact')).toHaveText('· term 2');
    await lab.shot('09-majority');
    const won = await explanation(lab, 1);
    expect(won[0]).toBe('Node 1 won the vote for term 2 (3 of 5 votes, 3 needed) and became leader.');
    expect(won).toContain('Granted by 1 (itself), 2, 3');
    await lab.shot('10-explain-winner');

    // Node 4, still a candidate of term 1, hears term 2 and gives up: its explanation says so.
    await lab.tab('Step');
    await ask(lab, 'RequestVote', 1, 4);
    await expect.poll(async () => `${(await lab.node(4)).role}@${(await lab.node(4)).term}`).toBe('follower@2');
    const lost = await explanation(lab, 4);
    expect(lost[0]).toBe('Node 4 gave up the vote for term 1 (2 of 5 votes, 3 needed): it saw the newer term 2.');
    expect(lost).toContain('Denied by 2: already voted for 1 in term 1');
    expect(lost).toContain('No answer from 3: you dropped the request');
    await lab.shot('11-explain-loser');

    // Last step keeps the step's effects apart from what the person did right after it.
    await lab.tab('Step');
    await p.locator('[data-testid="pending-message"][data-type="AppendEntries"][data-from="1"][data-to="2"]').first().getByTestId('deliver').click();
    await expect(p.getByTestId('last-step-effects')).toContainText('sent 2->1 AppendEntriesResponse');
    await lab.selectNode(5);
    await p.getByTestId('crash-node').click();
    await expect.poll(async () => (await lab.node(5)).life).toBe('crashed');
    await lab.tab('Step');
    await expect(p.getByTestId('last-step')).toContainText('Last step: Delivered Append ×1 1→2');
    await expect(p.getByTestId('last-step-yours')).toContainText('Then you crashed node 5: node 5 crashed (killed)');
    await expect(p.getByTestId('last-step-effects')).not.toContainText('crashed');
    await lab.shot('12-last-step-and-your-crash');
    expect(lab.errors).toEqual([]);
  });

  test('the legend opens with ? and with its button, and explains the node text, colours and timer ring', async () => {
    const p = lab.page;
    await p.locator('body').click({ position: { x: 5, y: 790 } });
    await p.keyboard.press('?');
    const legend = p.getByRole('dialog', { name: 'Legend' });
    await expect(legend).toBeVisible();
    await expect(legend).toContainText('t2 v1');
    await expect(legend).toContainText('election timer');
    await expect(legend).toContainText('quorum');
    await lab.shot('13-legend');
    await p.keyboard.press('Escape');
    await expect(legend).toBeHidden();
    await p.getByRole('button', { name: 'Legend (?)' }).click();
    await expect(legend).toBeVisible();
    await legend.getByRole('button', { name: 'Close' }).click();
    await expect(legend).toBeHidden();
    // Node text is at least 12 px on screen.
    const smallest = await p.locator('[data-testid="cluster-view"] [data-node] text').evaluateAll((els) => Math.min(...els.map((el) => {
      const t = el as SVGTextElement;
      const scale = t.getScreenCTM()?.a ?? 1;
      return parseFloat(getComputedStyle(t).fontSize) * scale;
    })));
    expect(smallest).toBeGreaterThanOrEqual(12);
    expect(lab.errors).toEqual([]);
  });

  test('a learner is labelled LEARNER, and the toolbar counts members, not processes', async () => {
    const p = lab.page;
    await lab.setPaused(false);
    await lab.tab('Members');
    await p.getByTestId('add-learner').click();
    await expect(p.getByTestId('member-6')).toHaveAttribute('data-membership', 'learner', { timeout: 60_000 });
    const tag = p.locator('[data-testid="cluster-view"] [data-node="6"] [data-testid="role-tag"]');
    await expect(tag).toHaveText('LEARNER', { timeout: 60_000 });
    await expect(p.getByTestId('members-fact')).toHaveText('5 voters + 1 learner · quorum 3');
    await lab.shot('14-learner');
    // Remove the crashed voter: four voters remain (its process is not a member any more).
    await p.getByTestId('member-5').getByTestId('remove').click();
    await expect(p.getByTestId('members-fact')).toHaveText('4 voters + 1 learner · quorum 3', { timeout: 60_000 });
    await lab.shot('15-after-removal');
    expect(lab.errors).toEqual([]);
  });

  test('running, not stepped: crash the leader, and the next leader explains its win', async () => {
    const p = lab.page;
    const old = (await lab.leaders())[0]!.id;
    await lab.selectNode(old);
    await p.getByTestId('crash-node').click();
    await expect.poll(async () => (await lab.leaders()).filter((n) => n.id !== old).length, { timeout: 60_000 }).toBe(1);
    const next = (await lab.leaders()).find((n) => n.id !== old)!.id;
    const lines = await explanation(lab, next);
    expect(lines[0]).toMatch(new RegExp(`^Node ${next} won the vote for term \\d+ \\(3 of 4 votes, 3 needed\\) and became leader\\.$`));
    expect(lines).toContain(`No answer from ${old}: it is crashed`);
    await lab.shot('16-running-new-leader-explained');
    expect(lab.errors).toEqual([]);
  });
});
