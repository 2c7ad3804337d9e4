/**
 * The user journey every host must support, one function per stage, each ending in a
 * screenshot. Specs call them in order on a LabPage (browser.spec.ts through the browser host;
 * an Electron spec can run the same stages in the app window).
 *
 * The cluster is created with PreVote and CheckQuorum off so that stepping shows the textbook
 * election (§5.2): a fired timeout sends real RequestVotes, and an isolated leader keeps
 * believing it leads (it cannot commit: that is what the stage shows).
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { expect } from '@playwright/test';
import { archiveFileNames } from '../../shared/record/export-archive';
import { readRecording } from '../../shared/record/read';
import { SHOT_DIR, type LabPage } from './lab-page';

export interface JourneyState {
  leader: number;
}

export async function createAndElect(lab: LabPage): Promise<JourneyState> {
  await lab.page.goto('/');
  await lab.createCluster({ nodes: 5, preVote: false, checkQuorum: false });
  const leader = await lab.waitForOneLeader(5);
  await expect(lab.page.getByTestId('leader-fact')).toHaveText(`leader ${leader.id}`);
  await lab.shot('01-one-leader');
  return { leader: leader.id };
}

/** Pause, fire one follower's timeout, deliver its RequestVote to another follower only. */
export async function stepOneVote(lab: LabPage, state: JourneyState): Promise<void> {
  const p = lab.page;
  await lab.setPaused(true);
  await expect(p.getByText('PAUSED · step mode')).toBeVisible();
  await lab.tab('Step');
  const followers = (await lab.nodes()).filter((n) => n.role === 'follower').map((n) => n.id);
  const [candidate, voter] = followers;
  if (candidate === undefined || voter === undefined) throw new Error(`need two followers, saw ${followers.join(',')}`);
  // Which follower's election timer runs out first, and in how many ticks.
  await expect(p.getByTestId('next-due')).toHaveText(/^Next election timeout: node \d+ (in \d+ ticks?|is due now)/);
  await expect(p.getByTestId(`fire-${candidate}`)).toHaveText(new RegExp(`^${candidate} · \\d+$`));
  const before = await lab.node(voter);
  const votesBefore = new Map((await lab.nodes()).map((n) => [n.id, n.vote]));
  expect(before.vote).not.toBe(candidate);

  await p.getByTestId(`fire-${candidate}`).click();
  const request = p.locator(`[data-testid="pending-message"][data-type="RequestVote"][data-from="${candidate}"][data-to="${voter}"]`);
  await expect(request).toHaveCount(1);
  await expect(request).toContainText(`grants vote to ${candidate}`);
  await expect.poll(async () => (await lab.node(candidate)).role).toBe('candidate');
  // The step panel says what the step just did: the follower became a candidate and asked for votes.
  const lastStep = p.getByTestId('last-step');
  await expect(lastStep).toContainText(`Fired node ${candidate}'s election timeout`);
  await expect(lastStep).toContainText(`node ${candidate} became candidate`);
  await expect(lastStep).toContainText(`sent ${candidate}->${voter} RequestVote`);
  await lab.shot('02a-request-vote-pending');

  // The inspector shows the held message in full, with what delivering it would do.
  await request.getByRole('button', { name: 'RequestVote' }).click();
  const inspector = p.getByTestId('inspector');
  await expect(inspector.getByRole('heading', { name: 'RequestVote' })).toBeVisible();
  await expect(inspector).toContainText(`Held in ${voter}'s inbox`);
  await expect(inspector).toContainText(`lastLogIndex`);
  await lab.tab('Step');

  await request.getByTestId('deliver').click();
  await expect.poll(async () => (await lab.node(voter)).vote, { message: `node ${voter}'s vote` }).toBe(candidate);
  const after = await lab.node(voter);
  await expect(lastStep).toContainText(`Delivered RequestVote ${candidate}→${voter}`);
  await expect(lastStep.getByTestId('last-step-change').filter({ hasText: `node ${voter}:` }))
    .toContainText(`vote ${before.vote || '–'} → ${candidate}`);
  await expect(lastStep).toContainText(`sent ${voter}->${candidate} RequestVoteResponse`);
  // The reply joins the held items marked new, after the requests still held (which keep their places).
  const held = p.getByRole('list', { name: 'Pending messages and timeouts' }).getByRole('listitem');
  await expect(held.last()).toContainText(`${voter}->${candidate} RequestVoteResponse`);
  await expect(held.last()).toHaveAttribute('data-new', 'true');
  await expect(p.locator(`[data-testid="pending-message"][data-type="RequestVote"][data-from="${candidate}"]`).first()).toHaveAttribute('data-new', 'false');
  expect(after.term).toBeGreaterThan(before.term);
  // Nothing else happened: the other followers' votes are unchanged.
  for (const id of followers.slice(2)) expect((await lab.node(id)).vote).toBe(votesBefore.get(id));
  // The Events tab opens on the newest lines, timed in seconds since the cluster started.
  await lab.tab('Events');
  const reply = p.getByRole('list', { name: 'Event log' }).getByRole('listitem').filter({ hasText: `sent ${voter}->${candidate} RequestVoteResponse` }).last();
  await expect(reply).toBeInViewport();
  expect(await reply.textContent()).toMatch(/^#\d+ \d+\.\d{3}s sent /);
  await lab.selectNode(voter);
  await expect(p.getByTestId('inspect-vote')).toHaveText(String(candidate));
  await lab.shot('02b-vote-changed');

  await lab.setPaused(false);
  state.leader = (await lab.waitForOneLeader(5)).id;
}

/**
 * Paused, a write waits for the person (the Client tab says so and leads to the Step tab): deliver
 * the leader's appends and the followers' replies, oldest first, until the leader commits it;
 * then the request is answered ok.
 */
export async function stepWriteToCommit(lab: LabPage, state: JourneyState): Promise<void> {
  const p = lab.page;
  await lab.setPaused(true);
  // The leader of the newest term (a just-resumed cluster may have elected since state.leader).
  const leader = (await lab.nodes()).filter((n) => n.role === 'leader').sort((a, b) => b.term - a.term)[0];
  if (!leader) throw new Error('no leader when paused');
  const leaderLog = async () => {
    const log = (await lab.logs()).find((l) => l.id === leader.id);
    if (!log) throw new Error(`no log header for leader ${leader.id}`);
    return log;
  };
  const before = await leaderLog();
  await lab.tab('Client');
  await p.getByTestId('op-type').selectOption('put');
  await p.getByTestId('op-key').fill('stepped');
  await p.getByTestId('op-value').fill('by-hand');
  await p.getByTestId('op-submit').click();
  const note = p.getByTestId('paused-request-note');
  await expect(note).toContainText('this request waits for you');
  await lab.shot('02c-write-waits');
  await note.getByRole('button', { name: 'Go to Step' }).click();
  await expect(p.getByRole('tab', { name: /^Step/ })).toHaveAttribute('aria-selected', 'true');
  await expect.poll(async () => (await leaderLog()).last, { message: 'the leader appends the write' }).toBeGreaterThan(before.last);

  const replication = p.locator('[data-testid="pending-message"][data-type="AppendEntries"], [data-testid="pending-message"][data-type="AppendEntriesResponse"]');
  for (let i = 0; (await leaderLog()).commit <= before.last; i++) {
    if (i >= 100) throw new Error('the write did not commit after 100 delivered messages');
    const next = replication.first();
    await expect(next).toBeVisible();
    const id = await next.getAttribute('data-id');
    await next.getByTestId('deliver').click();
    await expect(p.locator(`[data-testid^="pending-"][data-id="${id}"]`)).toHaveCount(0);
  }
  // The step that committed says so. (An entry of the leader's committed just before the pause may
  // commit on the way, so the step that commits the write can start from a later commit than
  // `before.commit`.)
  const committed = (await leaderLog()).commit;
  await expect(p.getByTestId('last-step')).toContainText(new RegExp(`commit \\d+ → ${committed}(?!\\d)`));
  await lab.tab('Client');
  // The form still holds what was typed before the visit to the Step tab.
  await expect(p.getByTestId('op-key')).toHaveValue('stepped');
  await expect(p.getByTestId('op-value')).toHaveValue('by-hand');
  const row = p.locator('table.ops tbody tr', { hasText: 'put stepped = by-hand' }).last();
  await expect(row).toContainText('ok');
  await expect(note).toHaveCount(0);
  await lab.shot('02d-write-stepped-to-commit');
  await lab.setPaused(false);
  state.leader = (await lab.waitForOneLeader(5)).id;
}

/** Isolate the leader: the majority elects another; the old leader commits nothing. */
export async function isolateLeader(lab: LabPage, state: JourneyState): Promise<void> {
  const p = lab.page;
  await lab.tab('Network');
  await p.getByTestId('isolate-leader').click();
  // The lab isolates whoever leads at the moment of the click: read which node that was.
  const isolated = p.locator('[data-testid="cluster-view"] [data-node][data-isolated="true"]');
  await expect(isolated).toHaveCount(1);
  const old = Number(await isolated.getAttribute('data-node'));
  const oldTerm = (await lab.node(old)).term;
  await expect.poll(async () => (await lab.nodes()).filter((n) => n.id !== old && n.role === 'leader' && n.term > oldTerm).length,
    { timeout: 60_000, message: 'a new leader in the majority, in a newer term' }).toBe(1);
  const newLeader = (await lab.nodes()).find((n) => n.id !== old && n.role === 'leader' && n.term > oldTerm);
  if (!newLeader) throw new Error('new leader vanished');
  const oldCommit = (await lab.node(old)).commit;

  const result = await lab.submit('put', 'during-split', 'majority');
  expect(result).toMatch(/→ ok/);
  await expect.poll(async () => (await lab.node(newLeader.id)).commit).toBeGreaterThan(oldCommit);
  // The old leader is cut off in its older term (CheckQuorum is off, so it may still believe it
  // leads): whatever it holds, it commits nothing new.
  const stale = await lab.node(old);
  expect(stale.term).toBeLessThan(newLeader.term);
  expect(stale.commit).toBe(oldCommit);
  await lab.shot('03-leader-isolated');
  state.leader = newLeader.id;
}

/** Heal: one leader again, and every log has the same length and commit index. */
export async function healAndConverge(lab: LabPage, state: JourneyState): Promise<void> {
  await lab.tab('Network');
  await lab.page.getByTestId('heal').click();
  state.leader = (await lab.waitForOneLeader(5)).id;
  await expect.poll(async () => {
    const logs = await lab.logs();
    return new Set(logs.map((l) => `${l.last}/${l.commit}`)).size;
  }, { timeout: 60_000, message: 'logs converge (same last index and commit on every node)' }).toBe(1);
  await expect(lab.page.locator('.cell.divergent')).toHaveCount(0);
  await lab.shot('04-healed-converged');
}

/** Client writes are committed and applied on every node. */
export async function writesEverywhere(lab: LabPage): Promise<void> {
  const results = [];
  for (const [k, v] of [['a', '1'], ['b', '2'], ['c', '3']] as const) results.push(await lab.submit('put', k, v));
  for (const r of results) expect(r).toMatch(/→ ok/);
  const index = Number(/@(\d+)/.exec(results[results.length - 1] ?? '')?.[1]);
  expect(index).toBeGreaterThan(0);
  await expect.poll(async () => (await lab.logs()).every((l) => l.commit >= index && l.applied >= index), { timeout: 60_000, message: `entry ${index} committed and applied everywhere` }).toBe(true);
  const got = await lab.submit('get', 'b');
  expect(got).toMatch(/→ ok "2"/);
  await expect(lab.page.locator('.cell', { hasText: 'put c = 3' })).toHaveCount(5);
  await lab.shot('05-writes-committed');
}

/**
 * A get read linearizably at the leader, chosen in the Client form: by ReadIndex (a heartbeat
 * round) and by lease (no round). Each shows the value, the read index and its latency, and
 * appends nothing to the leader's log; the form says what each mode costs and assumes.
 */
export async function linearizableReads(lab: LabPage): Promise<void> {
  const p = lab.page;
  const put = await lab.submit('put', 'read-me', 'fresh');
  expect(put).toMatch(/→ ok/);
  const written = Number(/@(\d+)/.exec(put)?.[1]);
  await lab.tab('Client');
  await p.getByTestId('op-type').selectOption('get');
  const modes = p.getByTestId('read-mode');
  await expect(modes).toContainText('heartbeat round');
  await expect(modes).toContainText('clocks drift');
  const leaderLast = async () => Math.max(...(await lab.logs()).map((l) => l.last));
  await expect.poll(leaderLast, { message: 'the page shows the write in the logs' }).toBeGreaterThanOrEqual(written);
  for (const [read, name] of [['read-index', 'ReadIndex'], ['lease', 'lease']] as const) {
    const before = await leaderLast();
    const line = await lab.submit('get', 'read-me', '', 'leader', read);
    expect(line).toMatch(new RegExp(`get read-me \\(${name} read, no log entry\\) → ok "fresh" read at index \\d+ \\(${name}, leader \\d\\)`));
    const answer = p.getByTestId('read-answer');
    await expect(answer).toHaveAttribute('data-mode', read);
    await expect(p.getByTestId('read-value')).toHaveText('"fresh"');
    expect(Number(await p.getByTestId('read-index').textContent())).toBeGreaterThanOrEqual(written);
    await expect(p.getByTestId('read-latency')).toHaveText(/^\d+\.\d ms$/);
    expect(await leaderLast()).toBe(before);
    await lab.shot(`05b-read-${read}`);
  }

  // Paused, a ReadIndex read waits for its heartbeat round, which the person delivers by hand.
  await lab.setPaused(true);
  await p.getByTestId('read-mode-read-index').check();
  await p.getByTestId('op-submit').click();
  const note = p.getByTestId('paused-request-note');
  await expect(note).toContainText('heartbeats marked “read”');
  await note.getByRole('button', { name: 'Go to Step' }).click();
  const round = p.locator('[data-testid="pending-message"][data-type="AppendEntries"], [data-testid="pending-message"][data-type="AppendEntriesResponse"]').filter({ hasText: /read \d+/ });
  await expect(round.first()).toBeVisible();
  await lab.shot('05c-read-round-pending');
  // Deliver the whole round (heartbeats, then their replies); the read is answered once a majority replied.
  for (let i = 0; (await round.count()) > 0; i++) {
    if (i >= 20) throw new Error('the read round still had messages after 20 deliveries');
    const next = round.first();
    const id = await next.getAttribute('data-id');
    await next.getByTestId('deliver').click();
    await expect(p.locator(`[data-testid^="pending-"][data-id="${id}"]`)).toHaveCount(0);
  }
  await lab.tab('Client');
  await expect(p.getByTestId('read-answer')).toHaveAttribute('data-mode', 'read-index');
  await expect(p.getByTestId('read-value')).toHaveText('"fresh"');
  await lab.shot('05d-read-round-answered');
  await lab.setPaused(false);
  await p.getByTestId('read-mode-log').check();
}

/** Crash a follower, write without it, restart it: it catches up from its own files and the leader. */
export async function crashAndCatchUp(lab: LabPage, state: JourneyState): Promise<void> {
  const p = lab.page;
  const victim = (await lab.nodes()).find((n) => n.role === 'follower')?.id;
  if (victim === undefined) throw new Error('no follower to crash');
  await lab.selectNode(victim);
  await p.getByTestId('crash-node').click();
  await expect.poll(async () => (await lab.node(victim)).life).toBe('crashed');
  // What cannot be done with a crashed node is greyed out and says why.
  await expect(p.getByTestId('inspector').getByRole('button', { name: 'Make leader' })).toBeDisabled();
  await lab.tab('Members');
  const makeLeader = p.getByTestId(`member-${victim}`).getByTestId('make-leader');
  await expect(makeLeader).toBeDisabled();
  await expect(makeLeader).toHaveAttribute('title', `node ${victim} is crashed: it cannot take over leadership`);
  const stuckAt = (await lab.logs()).find((l) => l.id === victim)?.commit ?? 0;
  expect(await lab.submit('put', 'while-down', 'x')).toMatch(/→ ok/);
  await lab.shot('06a-node-crashed');

  await lab.selectNode(victim);
  await p.getByTestId('restart-node').click();
  await expect.poll(async () => (await lab.node(victim)).life, { timeout: 60_000 }).toBe('running');
  await expect.poll(async () => {
    const ns = await lab.nodes();
    const leader = ns.find((n) => n.role === 'leader');
    const me = ns.find((n) => n.id === victim);
    return leader && me ? me.commit === leader.commit && me.commit > stuckAt : false;
  }, { timeout: 60_000, message: `node ${victim} catches up with the leader` }).toBe(true);
  state.leader = (await lab.waitForOneLeader(5)).id;
  await lab.shot('06b-node-caught-up');
}

/** Membership, one change at a time: add a learner, promote it to voter, remove it again. */
export async function learnerJoinsAndLeaves(lab: LabPage): Promise<void> {
  const p = lab.page;
  const before = (await lab.nodes()).length;
  await lab.tab('Members');
  await p.getByTestId('add-learner').click();
  await expect(p.locator('[data-testid="cluster-view"] [data-node]')).toHaveCount(before + 1, { timeout: 60_000 });
  const id = Math.max(...(await lab.nodes()).map((n) => n.id));
  const row = p.getByTestId(`member-${id}`);
  await expect(row).toHaveAttribute('data-membership', 'learner', { timeout: 60_000 });
  // The learner receives the log: it catches up with the leader's commit index.
  await expect.poll(async () => {
    const ns = await lab.nodes();
    return (ns.find((n) => n.id === id)?.commit ?? -1) >= (ns.find((n) => n.role === 'leader')?.commit ?? Infinity);
  }, { timeout: 60_000, message: `learner ${id} catches up` }).toBe(true);
  await lab.shot('07a-learner-added');

  await row.getByTestId('promote').click();
  await expect(row).toHaveAttribute('data-membership', 'voter', { timeout: 60_000 });
  await row.getByTestId('remove').click();
  await expect(row).toHaveAttribute('data-membership', 'not a member', { timeout: 60_000 });
  expect(await lab.submit('put', 'after-membership', 'ok')).toMatch(/→ ok/);
  await lab.shot('07b-membership-changed');
}

/**
 * The partition editor: put two nodes in group B and apply (the cluster view marks the two sides),
 * cut one link one way from the link matrix, then heal everything.
 */
export async function partitionEditor(lab: LabPage, state: JourneyState): Promise<void> {
  const p = lab.page;
  await lab.tab('Network');
  const running = (await lab.nodes()).filter((n) => n.life === 'running').map((n) => n.id);
  const minority = running.filter((id) => id !== state.leader).slice(0, 2);
  for (const id of minority) await p.getByRole('combobox', { name: `Group of node ${id}` }).selectOption('1');
  await p.getByTestId('apply-split').click();
  const side = (id: number) => p.locator(`[data-testid="cluster-view"] [data-node="${id}"]`).getAttribute('data-side');
  for (const id of minority) await expect.poll(() => side(id)).toBe('B');
  await expect.poll(() => side(state.leader)).toBe('A');
  await lab.shot('08a-split-groups');

  await p.getByTestId('heal').click();
  for (const id of running) await expect.poll(() => side(id)).toBe('');
  const [a, b] = running;
  if (a === undefined || b === undefined) throw new Error('need two running nodes');
  const cell = p.getByRole('button', { name: `Link ${a} to ${b}: open` });
  await cell.click();
  await expect(p.getByRole('button', { name: `Link ${a} to ${b}: cut` })).toHaveAttribute('aria-pressed', 'true');
  await expect(p.getByRole('button', { name: `Link ${b} to ${a}: open` })).toBeVisible();
  await expect(p.locator(`[data-testid="cluster-view"] [data-node="${a}"]`)).toHaveAttribute('aria-label', /one-way cut/);
  await lab.shot('08b-one-way-cut');
  await p.getByTestId('heal').click();
  await expect(p.getByRole('button', { name: `Link ${a} to ${b}: open` })).toBeVisible();
  state.leader = (await lab.waitForOneLeader(running.length)).id;
}

/** The keyboard alone: speed up and down, pause, tick, resume, and open a node in the inspector. */
export async function keyboardOnly(lab: LabPage, state: JourneyState): Promise<void> {
  const p = lab.page;
  await p.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const speed = p.locator('.speed output');
  await p.keyboard.press('+');
  await expect(speed).toHaveText('2×');
  await p.keyboard.press('-');
  await expect(speed).toHaveText('1×');
  await p.keyboard.press(' ');
  await expect(p.getByText('PAUSED · step mode')).toBeVisible();
  await p.keyboard.press('.');
  await expect(p.getByRole('alert')).toHaveCount(0);
  await p.keyboard.press(' ');
  await expect(p.getByText('PAUSED · step mode')).toHaveCount(0);
  const node = p.locator(`[data-testid="cluster-view"] [data-node="${state.leader}"]`);
  await node.focus();
  await p.keyboard.press('Enter');
  await expect(p.getByTestId('inspector').getByRole('heading', { name: new RegExp(`^Node ${state.leader}\\b`) })).toBeVisible();
  await p.keyboard.press('Escape');
  await expect(p.getByTestId('inspector').getByRole('heading')).toHaveCount(0);
}

/**
 * Export from the toolbar's menu: the host writes the file and the page downloads it from the
 * host's /exports/<id> (streamed from disk; the content never passes through the page), once.
 * The replay log reads back with shared/record's reader (which throws on any error), holds the
 * run's nodes and, the run still going, ends with an end record; the archive lists every export
 * and the cluster's node databases (`tar -tf`).
 */
export async function exportRecording(lab: LabPage): Promise<void> {
  const p = lab.page;
  const button = p.getByTestId('export-button');
  await button.click();
  const menu = p.getByRole('menu', { name: 'Export format' });
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem', { name: /Node 1 database/ })).toBeVisible();
  await lab.shot('10-export-menu');

  const replayDownload = p.waitForEvent('download');
  await menu.getByRole('menuitem', { name: /Replay log/ }).click();
  const replay = await replayDownload;
  expect(replay.suggestedFilename()).toMatch(/^recording-\d+\.jsonl$/);
  expect(new URL(replay.url()).pathname).toMatch(/^\/exports\/[A-Za-z0-9_-]{43}$/);
  const replayPath = `${SHOT_DIR}/${lab.shotPrefix}-${replay.suggestedFilename()}`;
  await replay.saveAs(replayPath);
  const recording = readRecording(await readFile(replayPath, 'utf8'));
  expect(recording.header.cluster.nodes).toEqual([1, 2, 3, 4, 5]);
  expect(recording.end?.records).toBe(recording.records.length);
  await expect(p.getByTestId('export-done')).toHaveText(/^Downloading recording-\d+\.jsonl \(\d+(\.\d)? [KMG]?B\)$/);
  await lab.shot('10b-export-downloading');
  // Downloaded once, the host keeps it no longer.
  await expect.poll(async () => (await p.request.get(replay.url())).status()).toBe(404);
  const recorded = new Set(recording.records.flatMap(({ record }) => ('node' in record ? [record.node] : [])));
  for (const id of [1, 2, 3, 4, 5]) expect(recorded.has(id), `records of node ${id}`).toBe(true);
  await expect(p.getByRole('alert')).toHaveCount(0);

  // Keyboard this time: focus the button, open with ↓, move to the last item (the archive).
  await button.focus();
  await p.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem').first()).toBeFocused();
  await p.keyboard.press('End');
  await expect(menu.getByRole('menuitem', { name: /Everything/ })).toBeFocused();
  const archiveDownload = p.waitForEvent('download');
  await p.keyboard.press('Enter');
  const archive = await archiveDownload;
  expect(archive.suggestedFilename()).toMatch(/^recording-\d+\.tar$/);
  expect(new URL(archive.url()).pathname).toMatch(/^\/exports\/[A-Za-z0-9_-]{43}$/);
  const archivePath = `${SHOT_DIR}/${lab.shotPrefix}-${archive.suggestedFilename()}`;
  await archive.saveAs(archivePath);
  const members = execFileSync('tar', ['-tf', archivePath], { encoding: 'utf8' }).trim().split('\n');
  const expected = archiveFileNames('raft-lab-export', [1, 2, 3, 4, 5]);
  for (const name of expected) expect(members).toContain(name);
  for (const name of members) expect(name).toMatch(/^raft-lab-export\/(README\.txt|recording\.jsonl|shiviz\.log|trace\.json|history\.(porcupine\.json|knossos\.edn)|node-\d+\.sqlite)$/);
  await expect(menu).toHaveCount(0);
  await expect(button).toBeFocused();
  await expect(p.getByRole('alert')).toHaveCount(0);
}
