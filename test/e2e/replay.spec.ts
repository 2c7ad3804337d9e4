/**
 * Replay in the browser, as a user does it: open a real recording (a simulated 3-node run with
 * crashes, recorded through the real core) with the file input, jump, scrub, step back and
 * forward, and check that what the views show at an event is what the recording says the nodes
 * reported there. Then open broken files and see the error name the line while the open
 * recording stays on screen. Screenshots in test-results/e2e/replay-*.png.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { encodeRecording } from '../../shared/record/write';
import type { InputRecord, ReadyRecord, Recording } from '../../shared/record/format';
import { decodeCommand } from '../../shared/kv/command';
import { recordedRun } from '../record/fixtures';
import { openHostedPage, type HostedPage } from './web-host-process';
import type { LabPage } from './lab-page';

/** Event number (1-based body record) of each ready record, with the record. */
function readies(recording: Recording): { event: number; r: ReadyRecord }[] {
  const out: { event: number; r: ReadyRecord }[] = [];
  recording.records.forEach((l, i) => { if (l.record.kind === 'ready') out.push({ event: i + 1, r: l.record }); });
  return out;
}

test.describe.serial('replay: open a recording, scrub and step through it', () => {
  let hosted: HostedPage | undefined;
  let page: Page;
  let lab: LabPage;
  let dir: string;
  const { recording } = recordedRun({}, true);
  const total = recording.records.length;
  const text = encodeRecording(recording);
  const all = readies(recording);
  // The first Ready in which some node reports itself leader, and that node's Ready before it.
  const firstLead = all.find((x) => x.r.softState.role === 'leader');
  const beforeLead = firstLead && [...all].reverse().find((x) => x.event < firstLead.event && x.r.node === firstLead.r.node);
  // Its term: from the latest hard state that node's Readies reported up to then.
  const leadTerm = firstLead && [...all].reverse().find((x) => x.event <= firstLead.event && x.r.node === firstLead.r.node && x.r.hardState)?.r.hardState?.term;

  test.beforeAll(async ({ browser }) => {
    dir = mkdtempSync(join(tmpdir(), 'raft-lab-replay-e2e-'));
    writeFileSync(join(dir, 'run.jsonl'), text);
    hosted = await openHostedPage(browser, 'replay');
    ({ page, lab } = hosted);
    await page.goto('/');
  });
  test.afterAll(async () => {
    try {
      await hosted?.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('open: the REPLAY badge, the event count, every node on screen', async () => {
    await page.getByTestId('replay-file').setInputFiles(join(dir, 'run.jsonl'));
    await expect(page.getByTestId('replay-badge')).toHaveText('REPLAY');
    await expect(page.getByTestId('replay-position')).toHaveText(`0 / ${total}`);
    await expect(page.locator('[data-testid="cluster-view"] [data-node]')).toHaveCount(3);
    await lab.shot('opened');
  });

  test('jump to the first Ready of a leader: that node is leader in the recorded term', async () => {
    if (!firstLead || !beforeLead || leadTerm === undefined) throw new Error('the recorded run elected no leader');
    await page.getByTestId('replay-jump').fill(String(firstLead.event));
    await page.getByTestId('replay-jump').press('Enter');
    await expect(page.getByTestId('replay-position')).toHaveText(`${firstLead.event} / ${total}`);
    await expect(page.getByTestId('replay-event')).toContainText(`node ${firstLead.r.node} #${firstLead.r.seq}: ready leader`);
    const node = page.locator(`[data-testid="cluster-view"] [data-node="${firstLead.r.node}"]`);
    await expect(node).toHaveAttribute('data-role', 'leader');
    await expect(node).toHaveAttribute('data-term', String(leadTerm));
    await lab.shot('leader');

    // Its Ready before that one: not yet leader, as the recording says.
    await page.getByTestId('replay-jump').fill(String(beforeLead.event));
    await page.getByTestId('replay-jump').press('Enter');
    await expect(page.getByTestId('replay-position')).toHaveText(`${beforeLead.event} / ${total}`);
    await expect(node).toHaveAttribute('data-role', beforeLead.r.softState.role);
    expect(beforeLead.r.softState.role).not.toBe('leader');
  });

  test('step forward and back (buttons and arrow keys): the event text follows the recording', async () => {
    const at = beforeLead?.event ?? 1;
    const label = (k: number) => {
      const r = recording.records[k - 1]?.record;
      return r && 'node' in r ? `node ${r.node} #${r.seq}:` : '';
    };
    await page.getByTestId('replay-forward').click();
    await expect(page.getByTestId('replay-position')).toHaveText(`${at + 1} / ${total}`);
    await expect(page.getByTestId('replay-event')).toContainText(label(at + 1));
    await page.getByTestId('replay-back').click();
    await page.getByTestId('replay-back').click();
    await expect(page.getByTestId('replay-position')).toHaveText(`${at - 1} / ${total}`);
    await expect(page.getByTestId('replay-event')).toContainText(label(at - 1));
    await page.locator('body').click({ position: { x: 5, y: 790 } });
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('replay-position')).toHaveText(`${at + 1} / ${total}`);
    await page.keyboard.press('ArrowLeft');
    await expect(page.getByTestId('replay-position')).toHaveText(`${at} / ${total}`);
  });

  test('scrub: the logs show each node\'s commit as its Ready at that event recorded it', async () => {
    // A late Ready with a hard state: by then the log has entries.
    const late = [...all].reverse().find((x) => x.r.hardState !== null && x.r.hardState.commit > 0);
    if (!late?.r.hardState) throw new Error('no committed entries in the recorded run');
    await page.getByTestId('replay-scrub').fill(String(late.event));
    await expect(page.getByTestId('replay-position')).toHaveText(`${late.event} / ${total}`);
    await expect.poll(async () => (await lab.logs()).find((l) => l.id === late.r.node)?.commit).toBe(late.r.hardState.commit);
    await lab.shot('scrubbed');

    // The newest accepted proposal by then: its entry shows in its node's log, term and key.
    let proposal: { r: InputRecord; index: number; term: number } | null = null;
    recording.records.slice(0, late.event).forEach((l) => {
      const r = l.record;
      if (r.kind === 'input' && r.input.type === 'propose' && r.result && 'index' in r.result && r.result.ok) proposal = { r, index: r.result.index, term: r.result.term };
    });
    if (!proposal) throw new Error('no accepted proposal in the recorded run');
    const p: { r: InputRecord; index: number; term: number } = proposal;
    const data = p.r.input.type === 'propose' ? p.r.input.data : '';
    const key = (decodeCommand(data).op as { key: string }).key;
    const cell = page.locator('[data-testid="log-table"] .row').filter({ has: page.locator('.ix', { hasText: new RegExp(`^${p.index}$`) }) }).locator('.cell').nth(p.r.node - 1);
    const expectCell = async () => {
      await expect(cell).toContainText(`t${p.term}`);
      await expect(cell).toContainText(key);
    };
    await expectCell();

    // Back to the start: no node has a log yet; then half way; then back: the same entry again.
    await page.getByTestId('replay-first').click();
    await expect(page.getByTestId('replay-position')).toHaveText(`0 / ${total}`);
    await expect.poll(async () => Math.max(...(await lab.logs()).map((l) => l.last))).toBe(0);
    await page.getByTestId('replay-scrub').fill(String(Math.floor(late.event / 2)));
    await expect(page.getByTestId('replay-position')).toHaveText(`${Math.floor(late.event / 2)} / ${total}`);
    await page.getByTestId('replay-scrub').fill(String(late.event));
    await expect(page.getByTestId('replay-position')).toHaveText(`${late.event} / ${total}`);
    await expectCell();
  });

  test('the live controls are refused while replaying: nothing reaches the lab', async () => {
    const before = await page.getByTestId('replay-position').textContent();
    await page.getByTestId('tick').click();
    await expect(page.getByRole('alert').filter({ hasText: 'not available while replaying a recording' })).toBeVisible();
    await expect(page.getByTestId('replay-position')).toHaveText(before ?? '');
  });

  test('a corrupt file: an error naming the line, and the open recording stays', async () => {
    await page.getByTestId('replay-jump').fill('40');
    await page.getByTestId('replay-jump').press('Enter');
    await expect(page.getByTestId('replay-position')).toHaveText(`40 / ${total}`);
    const lines = text.split('\n');
    lines[4] = '{"kind":"input","node":1,';
    writeFileSync(join(dir, 'corrupt.jsonl'), lines.join('\n'));
    await page.getByTestId('replay-file').setInputFiles(join(dir, 'corrupt.jsonl'));
    await expect(page.getByTestId('replay-error')).toContainText('corrupt.jsonl: line 5: not valid JSON');
    await expect(page.getByTestId('replay-position')).toHaveText(`40 / ${total}`);
    await expect(page.getByTestId('replay-badge')).toBeVisible();
    await lab.shot('corrupt');

    // Truncated (no end record) and a wrong version: named too.
    writeFileSync(join(dir, 'truncated.jsonl'), text.split('\n').slice(0, 100).join('\n') + '\n');
    await page.getByTestId('replay-file').setInputFiles(join(dir, 'truncated.jsonl'));
    await expect(page.getByTestId('replay-error')).toContainText('truncated.jsonl: line 101: the recording ends without its end record');
    writeFileSync(join(dir, 'v9.jsonl'), text.replace(/"version":\d+/, '"version":9'));
    await page.getByTestId('replay-file').setInputFiles(join(dir, 'v9.jsonl'));
    await expect(page.getByTestId('replay-error')).toContainText('v9.jsonl: line 1: unsupported recording version 9');
    await expect(page.getByTestId('replay-position')).toHaveText(`40 / ${total}`);
    expect(lab.errors).toEqual([]);
  });

  test('branch at the last event: the recorded terms and roles; the messages then in flight dropped, a fired timeout and delivered votes elect a leader', async () => {
    const terms = new Map<number, number>();
    const roles = new Map<number, string>();
    for (const x of all) {
      if (x.r.hardState) terms.set(x.r.node, x.r.hardState.term);
      roles.set(x.r.node, x.r.softState.role);
    }
    await page.getByTestId('replay-last').click();
    await expect(page.getByTestId('replay-position')).toHaveText(`${total} / ${total}`);
    await page.getByTestId('replay-branch').click();
    await expect(page.getByTestId('branch-badge')).toContainText(`BRANCH from event ${total}`);
    for (const [id, term] of terms) await expect(page.locator(`[data-testid="cluster-view"] [data-node="${id}"]`)).toHaveAttribute('data-term', String(term));
    // Nodes are rebuilt exactly, not restarted: each keeps the role of its last Ready (a leader leads on).
    for (const [id, role] of roles) await expect(page.locator(`[data-testid="cluster-view"] [data-node="${id}"]`)).toHaveAttribute('data-role', role);
    const before = Math.max(...terms.values());
    // A leader at the end (if any) is crashed in the branch, so that an election can happen.
    const [oldLeader] = await lab.leaders();
    if (oldLeader) {
      await lab.selectNode(oldLeader.id);
      await page.getByTestId('crash-node').click();
      await expect(page.locator(`[data-testid="cluster-view"] [data-node="${oldLeader.id}"]`)).toHaveAttribute('data-life', 'crashed');
    }
    // What if the messages in flight at the end (the old leader's last appends) had been lost? Drop them all.
    await lab.tab('Step');
    const pendingMsgs = page.locator('[data-testid="pending-message"]');
    await expect(pendingMsgs.first()).toBeVisible();
    await lab.shot('branch-pending');
    for (let i = 0; i < 100 && (await pendingMsgs.count()) > 0; i++) await pendingMsgs.first().getByTestId('drop').click();
    await expect(pendingMsgs).toHaveCount(0);
    // Followers refuse votes while they still trust a leader: let one election timeout pass, tick by tick.
    for (let i = 0; i < 12; i++) await page.getByTestId('tick').click();

    // The most up-to-date survivor campaigns by hand; every pending message is delivered one by one.
    const survivors = (await lab.logs()).filter((l) => l.id !== oldLeader?.id).sort((x, y) => y.last - x.last);
    const who = survivors[0]!.id;
    await page.getByTestId(`fire-${who}`).click();
    await expect(pendingMsgs.first()).toBeVisible();
    await lab.shot('branch-campaign');
    for (let i = 0; i < 300 && (await pendingMsgs.count()) > 0; i++) await pendingMsgs.first().getByTestId('deliver').click();
    await expect.poll(async () => (await lab.leaders()).filter((n) => n.term > before).length).toBe(1);
    const [elected] = await lab.leaders();
    await lab.shot('branch-elected');
    const leader = page.locator(`[data-testid="cluster-view"] [data-node="${elected!.id}"]`);

    // Back to the recording, at the event the branch started from.
    await page.getByTestId('branch-back').click();
    await expect(page.getByTestId('replay-badge')).toBeVisible();
    await expect(page.getByTestId('replay-position')).toHaveText(`${total} / ${total}`);
    await expect(leader).toHaveAttribute('data-term', String(terms.get(elected!.id)));
    expect(lab.errors).toEqual([]);
  });

  test('branch mid-run into a live cluster: Run, a client write from the UI commits in the logs, isolate the leader, crash a node, add a learner, back to replay', async () => {
    // A mid-run Ready of a leader: the branch starts with that leader leading.
    const leads = all.filter((x) => x.r.softState.role === 'leader');
    const mid = leads[Math.floor(leads.length / 2)];
    if (!mid) throw new Error('no leader in the recorded run');
    await page.getByTestId('replay-jump').fill(String(mid.event));
    await page.getByTestId('replay-jump').press('Enter');
    await expect(page.getByTestId('replay-position')).toHaveText(`${mid.event} / ${total}`);
    await page.getByTestId('replay-branch').click();
    await expect(page.getByTestId('branch-badge')).toHaveText(`BRANCH from event ${mid.event}`);
    await expect(page.getByTestId('branch-info')).toContainText(`from event ${mid.event} of run.jsonl`);
    await expect(page.getByTestId('branch-back')).toContainText(`Back to replay (event ${mid.event})`);
    await expect(page.locator(`[data-testid="cluster-view"] [data-node="${mid.r.node}"]`)).toHaveAttribute('data-role', 'leader');
    await lab.shot('branch-start');

    // Run: the branch plays on its own (time moves, heartbeats flow, the leader stays).
    await lab.setPaused(false);
    const result = await lab.submit('put', 'whatif', 'branched');
    const m = /^put whatif = branched → ok .*@(\d+) \(leader (\d+)\)$/.exec(result);
    if (!m) throw new Error(`the write did not succeed: ${result}`);
    const [ix, by] = [Number(m[1]), Number(m[2])];
    // The logs view: the entry at that index holds the key, and the leader's commit reaches it.
    const cell = page.locator('[data-testid="log-table"] .row').filter({ has: page.locator('.ix', { hasText: new RegExp(`^${ix}$`) }) }).locator('.cell').nth(by - 1);
    await expect(cell).toContainText('whatif');
    await expect.poll(async () => (await lab.logs()).find((l) => l.id === by)?.commit ?? 0).toBeGreaterThanOrEqual(ix);
    await lab.shot('branch-write');

    // Isolate the leader: the other two elect a new one in a newer term.
    const oldTerm = (await lab.node(by)).term;
    await lab.tab('Network');
    await page.getByTestId('isolate-leader').click();
    await expect.poll(async () => (await lab.nodes()).some((n) => n.id !== by && n.role === 'leader' && n.term > oldTerm), { timeout: 30_000 }).toBe(true);
    await lab.shot('branch-partition');
    await page.getByTestId('heal').click();

    // Crash a follower from the inspector, then restart it.
    const victim = (await lab.nodes()).find((n) => n.role !== 'leader')!.id;
    await lab.selectNode(victim);
    await page.getByTestId('crash-node').click();
    await expect(page.locator(`[data-testid="cluster-view"] [data-node="${victim}"]`)).toHaveAttribute('data-life', 'crashed');
    await lab.shot('branch-crash');
    await page.getByTestId('restart-node').click();
    await expect(page.locator(`[data-testid="cluster-view"] [data-node="${victim}"]`)).toHaveAttribute('data-life', 'running');

    // Members: a new node joins the branch as a learner and receives the log up to the commit.
    await lab.tab('Members');
    await page.getByTestId('add-learner').click();
    await expect(page.getByTestId('member-4')).toHaveAttribute('data-membership', 'learner');
    await expect.poll(async () => (await lab.node(4)).commit, { timeout: 30_000 }).toBeGreaterThanOrEqual(ix);
    await lab.shot('branch-learner');

    // Back to the recording, at the event the branch started from; the branch stops.
    await page.getByTestId('branch-back').click();
    await expect(page.getByTestId('replay-badge')).toBeVisible();
    await expect(page.getByTestId('replay-position')).toHaveText(`${mid.event} / ${total}`);
    await expect(page.locator(`[data-testid="cluster-view"] [data-node="${mid.r.node}"]`)).toHaveAttribute('data-role', 'leader');
    expect(lab.errors).toEqual([]);
  });
});
