/**
 * The lab in a browser, as a user drives it: through the browser host (`npm run web`) with
 * worker-thread nodes, in Debian's chromium at 1280x800. One cluster, stage after stage
 * (see journey.ts); screenshots of each stage in test-results/e2e/.
 */
import { test, expect } from '@playwright/test';
import { openHostedPage, type HostedPage } from './web-host-process';
import type { LabPage } from './lab-page';
import * as journey from './journey';

test.describe.serial('browser host: a user journey through a 5-node cluster', () => {
  let hosted: HostedPage | undefined;
  let lab: LabPage;
  const state: journey.JourneyState = { leader: 0 };

  test.beforeAll(async ({ browser }) => {
    hosted = await openHostedPage(browser, 'browser');
    ({ lab } = hosted);
  });
  test.afterAll(async () => {
    await hosted?.close();
  });

  test('create a 5-node cluster and see one leader', async () => {
    Object.assign(state, await journey.createAndElect(lab));
  });
  test('pause and step a RequestVote to a chosen node: its vote changes', async () => {
    await journey.stepOneVote(lab, state);
  });
  test('pause, write, and step its replication by hand until it commits', async () => {
    await journey.stepWriteToCommit(lab, state);
  });
  test('isolate the leader: a new leader in the majority, the old one cannot commit', async () => {
    await journey.isolateLeader(lab, state);
  });
  test('heal: logs converge', async () => {
    await journey.healAndConverge(lab, state);
  });
  test('writes are committed on every node', async () => {
    await journey.writesEverywhere(lab);
  });
  test('read linearizably at the leader: ReadIndex and lease, with value, index and latency', async () => {
    await journey.linearizableReads(lab);
  });
  test('crash and restart a node: it catches up', async () => {
    await journey.crashAndCatchUp(lab, state);
  });
  test('add a learner, promote it, remove it', async () => {
    await journey.learnerJoinsAndLeaves(lab);
  });
  test('partition editor: groups, a one-way cut, heal', async () => {
    await journey.partitionEditor(lab, state);
  });
  test('keyboard only: speed, pause, tick, resume, inspect a node', async () => {
    await journey.keyboardOnly(lab, state);
  });
  test('export a recording and check the downloaded file', async () => {
    await journey.exportRecording(lab);
  });
  test('no console errors during the whole journey', async () => {
    expect(lab.errors).toEqual([]);
  });
});
