import { defineConfig } from '@playwright/test';
import { join } from 'node:path';
import { chromiumArgs, chromiumPath } from '../../scripts/ensure-apt.ts';

/**
 * The pack test (pack.spec.ts): the packages as npm would install them, in a small Angular 22 app
 * (tests/pack-fixture), built with the Angular CLI and opened in Debian's Chromium. One worker, in order:
 * each step needs the one before.
 */
export default defineConfig({
  testDir: '.',
  testMatch: 'pack.spec.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  forbidOnly: !!process.env['CI'],
  retries: 0,
  reporter: [
    ['list'],
    ['json', { outputFile: process.env['PACK_JSON_REPORT'] ?? join(import.meta.dirname, '../../.test-results/pack.json') }],
  ],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath, args: [...chromiumArgs] },
    trace: 'retain-on-failure',
  },
});
