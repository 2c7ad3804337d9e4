// Playwright for `npm run smoke` (smoke.ts runs it after building): the app itself, launched
// with the installed Electron.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: /smoke\.spec\.ts$/,
  outputDir: '../../test-results/smoke/output',
  workers: 1,
  retries: 0,
  timeout: 5 * 60_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
});
