/**
 * The browser host's access token, as a user meets it: the printed address opens a connected
 * lab and the token leaves the address bar (a reload stays connected); the same page opened
 * without the token cannot reach the lab and says what to open instead.
 */
import { test, expect } from '@playwright/test';
import { openTokenPage, startWebHostProcess, type WebHostProcess } from './web-host-process';
import { SHOT_DIR } from './lab-page';

test.describe.serial('browser host: the access token', () => {
  let host: WebHostProcess;

  test.beforeAll(async () => {
    host = await startWebHostProcess();
  });
  test.afterAll(async () => {
    await host?.stop();
  });

  test('the printed address connects, keeps the token for the tab, and hides it', async ({ browser }) => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
    const page = await openTokenPage(browser, host);
    try {
      await expect(page.locator('.conn')).toHaveText(/open/);
      expect(page.url()).toBe(`${host.origin}/`);
      await page.reload();
      await expect(page.locator('.conn')).toHaveText(/open/);
      await page.screenshot({ path: `${SHOT_DIR}/access-with-token.png` });
    } finally {
      await page.close();
    }
  });

  test('a page opened without the token cannot reach the lab and says what to open', async ({ browser }) => {
    const page = await browser.newPage({ baseURL: host.origin, viewport: { width: 1280, height: 800 } });
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    try {
      await page.goto('/');
      await expect(page.getByRole('alert').filter({ hasText: 'no access token' })).toContainText('?token=');
      await expect(page.locator('.conn')).toHaveText(/closed/);
      await page.screenshot({ path: `${SHOT_DIR}/access-without-token.png` });
      expect(sockets).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
