// Writes docs/security.md: every case of the security table (security-rows.ts), the tests that cover it and
// their result in the last run, from the Playwright and Vitest JSON reports that `npm test` leaves in .test-results/.
//
//   node e2e/hostile/report.ts [--e2e FILE] [--core FILE] [--out FILE] [--json FILE]
//
// --json writes { rows, covered, uncovered, failing } for scripts/test.ts: a case no test covers fails.
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sections, securityRows, type SecurityRow } from './security-rows.ts';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** One test's result, named as the rows of docs/security.md name it: `e2e:` or `core:` + file › describe › title. */
export interface TestResult {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  /** The rows of docs/security.md its annotations name. */
  readonly rows: readonly string[];
}

interface PlaywrightSuite {
  readonly title: string;
  readonly file?: string;
  readonly suites?: readonly PlaywrightSuite[];
  readonly specs?: readonly {
    readonly title: string;
    readonly file: string;
    readonly tests: readonly { readonly status: string; readonly annotations?: readonly { type: string; description?: string }[] }[];
  }[];
}

/** The browser tests of a Playwright JSON report. */
export function playwrightResults(report: { suites: readonly PlaywrightSuite[] }): TestResult[] {
  const results: TestResult[] = [];
  const walk = (suite: PlaywrightSuite, path: readonly string[]) => {
    // The file's suite is titled with the file name; describe blocks add their titles.
    const here = suite.file && suite.title === suite.file ? path : [...path, suite.title];
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        results.push({
          name: `e2e:${[basename(spec.file), ...here, spec.title].join(' › ')}`,
          status: test.status === 'expected' || test.status === 'flaky' ? 'passed' : test.status === 'skipped' ? 'skipped' : 'failed',
          rows: (test.annotations ?? []).filter((a) => a.type === 'security').map((a) => a.description ?? ''),
        });
      }
    }
    for (const child of suite.suites ?? []) walk(child, here);
  };
  for (const suite of report.suites) walk(suite, []);
  return results;
}

/** The unit tests of a Vitest JSON report (the core's, the BFF's with `kind` `bff`, the demo API's with `api`). */
export function vitestResults(
  report: {
    testResults: readonly { name: string; assertionResults: readonly { ancestorTitles: string[]; title: string; status: string }[] }[];
  },
  kind: 'core' | 'bff' | 'api' = 'core',
): TestResult[] {
  return report.testResults.flatMap((file) =>
    file.assertionResults.map((test) => ({
      name: `${kind}:${[basename(file.name), ...test.ancestorTitles, test.title].join(' › ')}`,
      status: test.status === 'passed' ? ('passed' as const) : test.status === 'failed' ? ('failed' as const) : ('skipped' as const),
      rows: [],
    })),
  );
}

export interface RowCoverage {
  readonly row: SecurityRow;
  /** The tests found in the reports; a test named by the row but absent from them is `not run`. */
  readonly tests: readonly { readonly name: string; readonly status: TestResult['status'] | 'not run' }[];
}

export function coverage(results: readonly TestResult[]): RowCoverage[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  return securityRows.map((row: SecurityRow) => {
    const annotated = results.filter((r) => r.rows.includes(row.id));
    const named = (row.alsoCoveredBy ?? []).map((name) => byName.get(name) ?? { name, status: 'not run' as const });
    return { row, tests: [...annotated, ...named].map(({ name, status }) => ({ name, status })) };
  });
}

const mark = { passed: '✅', failed: '❌', skipped: '⚠️', 'not run': '➖' } as const;

/** `browser: file › title` or `core: file › title`: the describe blocks are left out of the table. */
function shortName(name: string): string {
  const [kind, rest = ''] = name.split(/:(.*)/s);
  const parts = rest.split(' › ');
  return `${kind === 'e2e' ? 'browser' : kind}: ${parts[0]} › ${parts.at(-1)}`;
}

/** A row's result: failed if any of its tests failed, passed if they all ran and passed. */
function rowResult(tests: RowCoverage['tests']): string {
  const ran = tests.filter((t) => t.status !== 'not run');
  if (ran.length === 0) return '❌ no test ran';
  if (ran.some((t) => t.status === 'failed')) return `❌ ${ran.filter((t) => t.status === 'failed').length} of ${ran.length} failed`;
  if (ran.some((t) => t.status === 'skipped')) return '⚠️ skipped';
  return `✅ ${ran.length} passed${ran.length < tests.length ? `, ${tests.length - ran.length} not run` : ''}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdown(rows: readonly RowCoverage[], run: { startTime?: string; browserTests: number; coreTests: number }): string {
  const out = [
    '# Security cases and the tests that cover them',
    '',
    '<!-- Generated by e2e/hostile/report.ts from the last `npm test` run. Do not edit: run the tests. -->',
    '',
    'Every case of SECURITY.md ("What Latchkey must refuse, and what it must survive"), the tests that cover it, and',
    'their result in the last run. Browser tests (`e2e:`) drive the real demo in Chromium; the hostile-provider cases',
    'run against `e2e/hostile`, a provider that misbehaves in one way per issuer (`http://127.0.0.1:PORT/<case>`).',
    "Core tests (`core:`) are the session engine's unit and property tests, for what the demo cannot reach; BFF tests",
    '(`bff:`) drive `@latchkey/bff` against the real dev provider, for what a browser cannot send; API tests (`api:`)',
    "are the demo API's, for the resource server's side of DPoP.",
    '',
    // The day only: a file that changed on every run would always be dirty in the working tree.
    `Last run: ${run.startTime?.slice(0, 10) ?? 'unknown'} — ${run.browserTests} browser tests, ${run.coreTests} unit tests.`,
  ];
  for (const section of sections) {
    out.push('', `## ${section}`, '', '| case | we | tests | result |', '|---|---|---|---|');
    for (const { row, tests } of rows.filter((r) => r.row.section === section)) {
      const list = tests.map((t) => `${mark[t.status]} ${cell(shortName(t.name))}`).join('<br>');
      out.push(`| ${cell(row.case)} | ${cell(row.we)} | ${list || '**none**'} | ${rowResult(tests)} |`);
    }
  }
  out.push('', 'Each test: ✅ passed, ❌ failed, ⚠️ skipped, ➖ not run in the last run.', '');
  return out.join('\n');
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      e2e: { type: 'string', default: root('.test-results/e2e.json') },
      // The many-node BFF tests, which npm test runs on their own after the others.
      nodes: { type: 'string', default: root('.test-results/e2e-nodes.json') },
      core: { type: 'string', default: root('.test-results/core.json') },
      bff: { type: 'string', default: root('.test-results/bff.json') },
      api: { type: 'string', default: root('.test-results/api.json') },
      out: { type: 'string', default: root('docs/security.md') },
      json: { type: 'string' },
    },
  });
  const e2e = (await readJson(values.e2e)) as { suites: PlaywrightSuite[]; stats?: { startTime?: string } } | undefined;
  const core = (await readJson(values.core)) as Parameters<typeof vitestResults>[0] | undefined;
  const nodes = (await readJson(values.nodes)) as { suites: PlaywrightSuite[] } | undefined;
  const browser = [...(e2e ? playwrightResults(e2e) : []), ...(nodes ? playwrightResults(nodes) : [])];
  const bff = (await readJson(values.bff)) as Parameters<typeof vitestResults>[0] | undefined;
  const api = (await readJson(values.api)) as Parameters<typeof vitestResults>[0] | undefined;
  const unit = [...(core ? vitestResults(core) : []), ...(bff ? vitestResults(bff, 'bff') : []), ...(api ? vitestResults(api, 'api') : [])];
  const rows = coverage([...browser, ...unit]);
  await writeFile(values.out, markdown(rows, { startTime: e2e?.stats?.startTime, browserTests: browser.length, coreTests: unit.length }));
  // Covered: it has tests, and every one named for it ran and passed. A skipped or missing one proves nothing.
  const proven = rows.filter((r) => r.tests.length > 0 && r.tests.every((t) => t.status === 'passed'));
  const failing = rows.filter((r) => r.tests.some((t) => t.status === 'failed'));
  const unproven = rows.filter((r) => !proven.includes(r) && !failing.includes(r));
  const covered = proven.length;
  const summary = { rows: rows.length, covered, uncovered: unproven.length, failing: failing.length };
  if (values.json) await writeFile(values.json, JSON.stringify(summary, null, 2));
  console.log(
    `security table: ${values.out}: ${covered} of ${rows.length} cases covered by tests that all ran and passed, ${failing.length} with a failing test`,
  );
  for (const { row, tests } of unproven) {
    const missing = tests.filter((t) => t.status !== 'passed').map((t) => `${t.name} (${t.status})`);
    console.log(`  not proven: ${row.case}: ${missing.length ? missing.join('; ') : 'no test'}`);
  }
}
