// npm test: every test — core unit tests, Angular unit tests, size budgets, browser tests in Chromium — then one
// closing line with the totals of all runners: "N passed, N failed". A skipped test counts as failed.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { ensureChromium, ensureGlewlwyd, ensureRedis } from './ensure-apt.ts';
import e2eConfig from '../e2e/playwright.config.ts';
import { run } from './run.ts';

const results = '.test-results';
await rm(results, { recursive: true, force: true });
await mkdir(results, { recursive: true });

interface Totals {
  passed: number;
  failed: number;
}
const suites: Record<string, Totals> = {};

async function vitestTotals(file: string): Promise<Totals> {
  const report = JSON.parse(await readFile(file, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  // A skipped or todo test proves nothing: it counts as failed, as a skipped browser test does.
  return { passed: report.numPassedTests, failed: report.numFailedTests + report.numPendingTests + report.numTodoTests };
}

async function playwrightTotals(file: string): Promise<Totals> {
  const { stats } = JSON.parse(await readFile(file, 'utf8')) as {
    stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  };
  return { passed: stats.expected + stats.flaky, failed: stats.unexpected + stats.skipped };
}

async function budgetTotals(file: string): Promise<Totals> {
  const { passed, failed } = JSON.parse(await readFile(file, 'utf8')) as Totals;
  return { passed, failed };
}

async function suite(
  name: string,
  command: string,
  args: string[],
  totals: () => Promise<Totals>,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
) {
  console.log(`\n━━ ${name} ━━`);
  let crashed = false;
  await run(command, args, options).catch((error: unknown) => {
    crashed = true;
    console.error(`test: ${name}: ${error instanceof Error ? error.message : error}`);
  });
  const counted = await totals().catch(() => undefined);
  // A runner that died before reporting is one failure, never silently zero.
  suites[name] = counted
    ? { passed: counted.passed, failed: counted.failed + (crashed && counted.failed === 0 ? 1 : 0) }
    : { passed: 0, failed: 1 };
}

ensureChromium();
ensureGlewlwyd();
ensureRedis();
console.log('━━ build ━━');
await run('npm', ['run', 'build']);

await suite(
  'core (vitest)',
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=../../${results}/core.json`],
  () => vitestTotals(`${results}/core.json`),
  {
    cwd: 'packages/core',
  },
);
await suite(
  'bff (vitest)',
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=../../${results}/bff.json`],
  () => vitestTotals(`${results}/bff.json`),
  { cwd: 'packages/bff' },
);
await suite(
  'api (vitest)',
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=../../${results}/api.json`],
  () => vitestTotals(`${results}/api.json`),
  { cwd: 'apps/api' },
);
await suite(
  'angular (ng test)',
  'npx',
  ['ng', 'test', 'angular', '--watch=false', '--reporters=default', '--reporters=json', `--output-file=${results}/angular.json`],
  () => vitestTotals(`${results}/angular.json`),
);
// One check per budget: a change that grows the bundle past it fails here (bench/size-budget.ts).
await suite('size budgets', process.execPath, ['bench/size-budget.ts', '--json', `${results}/size.json`], () =>
  budgetTotals(`${results}/size.json`),
);
// The packages as published: npm pack of each, installed into the app in tests/pack-fixture, built with the
// Angular CLI and opened in Chromium, and @latchkey/bff imported from its tarball (e2e/pack).
await suite(
  'packages (npm pack)',
  'npx',
  ['playwright', 'test', '--forbid-only', '--config', 'pack/playwright.config.ts'],
  () => playwrightTotals(`${results}/pack.json`),
  { cwd: 'e2e' },
);
// --forbid-only: a stray test.only would filter out every other test without reporting them skipped.
// The projects that wait for the others (the many-node BFF tests: serial and last) run in a second run of their
// own with --no-deps, so that a failure in an earlier project fails only itself, never skips them.
const projects = e2eConfig.projects ?? [];
const projectArgs = (last: boolean) =>
  projects.filter((p) => Boolean(p.dependencies?.length) === last).flatMap((p) => ['--project', p.name ?? '']);
await suite(
  'browser (playwright)',
  'npx',
  ['playwright', 'test', '--forbid-only', ...projectArgs(false)],
  () => playwrightTotals(`${results}/e2e.json`),
  { cwd: 'e2e' },
);
await suite(
  'browser, many BFF nodes (playwright)',
  'npx',
  ['playwright', 'test', '--forbid-only', '--no-deps', ...projectArgs(true)],
  () => playwrightTotals(`${results}/e2e-nodes.json`),
  { cwd: 'e2e', env: { ...process.env, E2E_JSON_REPORT: `../${results}/e2e-nodes.json`, E2E_OUTPUT_DIR: 'test-results-nodes' } },
);
// docs/security.md from this run: each SECURITY.md case, its tests, their result. A case fails here unless
// every test named for it ran and passed (a failing one already fails in its own suite).
await suite('security table', process.execPath, ['e2e/hostile/report.ts', '--json', `${results}/security.json`], async () => ({
  passed: 0,
  failed: (JSON.parse(await readFile(`${results}/security.json`, 'utf8')) as { uncovered: number }).uncovered,
}));

const passed = Object.values(suites).reduce((sum, s) => sum + s.passed, 0);
const failed = Object.values(suites).reduce((sum, s) => sum + s.failed, 0);
console.log('\n━━ totals ━━');
for (const [name, s] of Object.entries(suites)) console.log(`  ${name}: ${s.passed} passed, ${s.failed} failed`);
await writeFile(`${results}/summary.json`, JSON.stringify({ passed, failed, suites }, null, 2));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
