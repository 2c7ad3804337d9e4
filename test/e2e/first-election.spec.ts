/**
 * The first-election journey (first-election-journey.ts) in the browser host at 1280x800.
 * Screenshots of every stage: test-results/e2e/first-election-*.png.
 */
import { test } from '@playwright/test';
import { openHostedPage, type HostedPage } from './web-host-process';
import type { LabPage } from './lab-page';
import * as journey from './first-election-journey';

test.describe.serial('first election, stepped by hand from a cluster created paused', () => {
  let hosted: HostedPage | undefined;
  let lab: LabPage;
  let leader = 0;

  test.beforeAll(async ({ browser }) => {
    hosted = await openHostedPage(browser, 'first-election');
    ({ lab } = hosted);
  });
  test.afterAll(async () => {
    await hosted?.close();
  });

  test('create 5 nodes paused at the watch pace: nothing has happened, nothing moves', async () => {
    await lab.page.goto('/');
    await journey.createPaused(lab);
  });
  test('advance N ticks: every timer moves N ticks, and the Inspector counts ticks left as the Step tab does', async () => {
    await journey.advanceTicks(lab);
  });
  test('advance to the first election timeout, fire it, and deliver every PreVote and RequestVote and reply by hand until its node leads', async () => {
    leader = await journey.stepFirstElection(lab);
  });
  test('Messages/s falls to zero while paused, and real pace is one click away', async () => {
    await journey.messagesStopWhenPaused(lab);
  });
  test('a write to the isolated old leader, then heal: its entry stays as a ghost, overwritten by the new leader', async () => {
    await journey.staleLeaderGhost(lab, leader);
  });
  test('a follower answers not leader, with a leader hint; a get of a missing key says not found', async () => {
    await journey.notLeaderAndNotFound(lab);
  });
  test('the Events tab searches the whole run, not only the recent events', async () => {
    await journey.searchWholeRun(lab);
  });
  test('Pause pressed while the nodes of a new cluster start holds: no election until the person steps', async () => {
    await journey.pauseDuringStartUp(lab);
  });
});
