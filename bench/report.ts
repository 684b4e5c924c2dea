import type { AppSize } from './bundle-size/run-bundle-size.ts';
import type { MemoryResult } from './memory/run-memory.ts';
import type { SessionBehaviour } from './session-behaviour/run-session-behaviour.ts';
import type { SessionCheckResults } from './session-check/run-session-check.ts';
import type { CheckTiming } from './session-check/timing.ts';
import type { SizeResult } from './size-budget.ts';

export interface BenchResults {
  readonly sessionCheck: SessionCheckResults;
  readonly sizes: readonly AppSize[];
  readonly sizeNotes: Readonly<Record<string, string>>;
  readonly budgets: readonly SizeResult[];
  readonly behaviour: SessionBehaviour;
  readonly memory: MemoryResult;
  /** Installed versions by package name. */
  readonly versions: Readonly<Record<string, string>>;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ns = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : int(n));
/** kB are 1,000 bytes, as size-limit and the Angular CLI count them. */
export const kB = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;
const times = (n: number) => (n >= 100 ? `${int(n)}×` : `${n.toFixed(2)}×`);
const met = (ok: boolean) => (ok ? '✔' : '✘');

/** What each session check calls, by the check's name in `session-check/checks.ts`. */
const CHECK_LABELS: Record<string, (v: Record<string, string>) => string> = {
  latchkey: () => 'Latchkey `session.isAuthenticated()` (core)',
  'latchkey-signal': () => 'Latchkey `auth.authenticated()` (the Angular signal a template reads)',
  'angular-jwt': (v) => `@auth0/angular-jwt ${v['@auth0/angular-jwt']} \`JwtHelperService.isTokenExpired()\``,
  'jwt-decode': (v) => `jwt-decode ${v['jwt-decode']} \`jwtDecode(token).exp\` check`,
  'angular2-jwt': (v) => `angular2-jwt ${v['angular2-jwt']} \`tokenNotExpired()\` (the tutorial's)`,
  'latchkey-compat': () => 'Latchkey compat `tokenNotExpired()` (the slow path it documents)',
};

/** The sizes' libraries, by app name in `bundle-size/run-bundle-size.ts`. */
const SIZE_LABELS: Record<string, (v: Record<string, string>) => string> = {
  latchkey: (v) => `Latchkey ${v['@latchkey/angular']} (provideLatchkey, Auth, authGuard, authInterceptor)`,
  'auth0-angular': (v) => `@auth0/auth0-angular ${v['@auth0/auth0-angular']} (with auth0-spa-js ${v['@auth0/auth0-spa-js']})`,
  'angular-auth-oidc-client': (v) => `angular-auth-oidc-client ${v['angular-auth-oidc-client']}`,
  'angular-oauth2-oidc': (v) => `angular-oauth2-oidc ${v['angular-oauth2-oidc']}`,
  'oidc-client-ts': (v) => `oidc-client-ts ${v['oidc-client-ts']}`,
  'angular-jwt': (v) => `@auth0/angular-jwt ${v['@auth0/angular-jwt']}`,
  'jwt-decode': (v) => `jwt-decode ${v['jwt-decode']}`,
};

type Row = [part: string, measure: string, subject: string, result: string, compared: string, goal: string];

function checkRows(env: string, timings: readonly CheckTiming[], versions: Record<string, string>): Row[] {
  const latchkey = timings.find((t) => t.name === 'latchkey') as CheckTiming;
  return timings.map((t) => {
    const ratio = t.medianNs / latchkey.medianNs;
    const goal = t.name === 'angular-jwt' ? `Latchkey ≥ 1,000× cheaper ${met(ratio >= 1000)}` : '';
    const label = (CHECK_LABELS[t.name] ?? (() => t.name))(versions);
    return [
      '1',
      `session check, ${env}: ns per call (median)`,
      label,
      ns(t.medianNs),
      t.name === 'latchkey' ? '1×' : `${times(ratio)} Latchkey`,
      goal,
    ];
  });
}

function sizeRows(results: BenchResults): Row[] {
  const baseline = results.sizes.find((s) => s.name === 'baseline') as AppSize;
  const latchkey = results.sizes.find((s) => s.name === 'latchkey') as AppSize;
  // All JS (every chunk, lazy ones too), and the initial JS: what a first page load downloads.
  const added = (s: AppSize) => ({ gzip: s.gzipBytes - baseline.gzipBytes, brotli: s.brotliBytes - baseline.brotliBytes });
  const addedInitial = (s: AppSize) => ({
    gzip: s.initial.gzipBytes - baseline.initial.gzipBytes,
    brotli: s.initial.brotliBytes - baseline.initial.brotliBytes,
  });
  const label = (size: AppSize) => {
    const note = results.sizeNotes[size.name];
    return `${(SIZE_LABELS[size.name] ?? (() => size.name))(results.versions)}${note ? ` — ${note}` : ''}`;
  };
  const libraries = results.sizes.filter((s) => s.name !== 'baseline');
  const rows: Row[] = [
    [
      '2',
      'production build, all JS (gzip / brotli)',
      'the same app without auth',
      `${kB(baseline.gzipBytes)} / ${kB(baseline.brotliBytes)}`,
      'baseline',
      '',
    ],
    [
      '2',
      'production build, initial JS: what index.html loads (gzip / brotli)',
      'the same app without auth',
      `${kB(baseline.initial.gzipBytes)} / ${kB(baseline.initial.brotliBytes)}`,
      'baseline',
      '',
    ],
  ];
  for (const size of libraries) {
    const { gzip, brotli } = added(size);
    rows.push([
      '2',
      'bytes added to the app, all JS (gzip / brotli)',
      label(size),
      `+${kB(gzip)} / +${kB(brotli)}`,
      size === latchkey ? '1×' : `${times(gzip / added(latchkey).gzip)} Latchkey`,
      '',
    ]);
  }
  for (const size of libraries) {
    const { gzip, brotli } = addedInitial(size);
    const lazy = added(size).gzip - gzip;
    const ratio = size === latchkey ? '1×' : `${times(gzip / addedInitial(latchkey).gzip)} Latchkey`;
    rows.push([
      '2',
      'bytes added to the app, initial JS: what index.html loads (gzip / brotli)',
      label(size),
      `+${kB(gzip)} / +${kB(brotli)}`,
      // Lazy: loaded through import() on first use, not before the app starts.
      size.lazyFiles > 0 ? `${ratio}; +${kB(lazy)} gzip more in ${size.lazyFiles} lazy chunk${size.lazyFiles === 1 ? '' : 's'}` : ratio,
      '',
    ]);
  }
  rows.push([
    '2',
    'bytes added to the app',
    `angular2-jwt ${results.versions['angular2-jwt']}`,
    'not built',
    'needs @angular/http (removed in Angular 8)',
    '',
  ]);
  // Where Latchkey's bytes go: minified bytes each package adds over the baseline (esbuild metafile),
  // and how many of them are in lazy chunks; gzip shared out in proportion, an estimate (gzip does not add up by file).
  const { gzip } = added(latchkey);
  const deltas = Object.entries(latchkey.byPackage)
    .map(
      ([name, bytes]) =>
        [name, bytes - (baseline.byPackage[name] ?? 0), (latchkey.lazyByPackage[name] ?? 0) - (baseline.lazyByPackage[name] ?? 0)] as const,
    )
    .filter(([, bytes]) => bytes > 0);
  const totalMinified = deltas.reduce((sum, [, bytes]) => sum + bytes, 0);
  const groups = new Map<string, { bytes: number; lazy: number }>();
  for (const [name, bytes, lazy] of deltas) {
    const group = name.startsWith('@angular/') || name === 'rxjs' || name === 'app' ? 'Angular, RxJS and app code it pulls in' : name;
    const sums = groups.get(group) ?? { bytes: 0, lazy: 0 };
    groups.set(group, { bytes: sums.bytes + bytes, lazy: sums.lazy + lazy });
  }
  // @latchkey/core by file (its dist keeps one file per concept), largest first.
  const coreFiles = Object.entries(latchkey.latchkeyFiles)
    .filter(([file, bytes]) => bytes > 0 && !file.startsWith('latchkey-angular'))
    .sort((a, b) => b[1] - a[1]);
  const detail: Record<string, string> = {
    '@latchkey/core': `; by file: ${coreFiles.map(([file, bytes]) => `${file} ${(bytes / 1000).toFixed(1)}`).join(', ')} kB`,
  };
  for (const [group, { bytes, lazy }] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes)) {
    rows.push([
      '2',
      "where Latchkey's added bytes go (minified; ≈ gzip)",
      group,
      `${kB(bytes)} (${Math.round((100 * bytes) / totalMinified)} %)${lazy > 0 ? `, ${kB(lazy)} of it lazy` : ''}`,
      `≈ ${kB((gzip * bytes) / totalMinified)} gzip${detail[group] ?? ''}`,
      '',
    ]);
  }
  return rows;
}

function behaviourRows(b: SessionBehaviour, m: MemoryResult): Row[] {
  const logout = [...b.logoutToOtherTabsMs].sort((x, y) => x - y);
  const slowest = logout[logout.length - 1] as number;
  return [
    [
      '3',
      'requests to the provider while a signed-in page reloads',
      'Latchkey (demo)',
      String(b.reload.providerRequests),
      `signed in on screen ${int(b.reload.signedInAfterMs)} ms after reload`,
      `0 ${met(b.reload.providerRequests === 0)}`,
    ],
    [
      '3',
      'token expiry → Log In on screen, no input (no refresh token)',
      'Latchkey (demo)',
      `${int(b.expiryToLogInMs)} ms`,
      '',
      `≤ 1,000 ms ${met(b.expiryToLogInMs <= 1000)}`,
    ],
    [
      '3',
      'refresh requests when five tabs reach the refresh instant together',
      'Latchkey (demo)',
      String(b.fiveTabs.refreshRequests),
      b.fiveTabs.allStillSignedIn ? 'all five tabs still signed in' : 'a tab lost its session',
      `exactly 1 ${met(b.fiveTabs.refreshRequests === 1 && b.fiveTabs.allStillSignedIn)}`,
    ],
    [
      '3',
      'logout click → Log In in the four other tabs',
      'Latchkey (demo)',
      `${int(slowest)} ms (slowest)`,
      `each: ${logout.map(int).join(', ')} ms`,
      `≤ 1,000 ms (DESIGN.md) ${met(slowest <= 1000)}`,
    ],
    [
      '3',
      'full sign-in round trip: Log In click → signed in (form filled by the bench)',
      'Latchkey (demo)',
      `${int(b.login.totalMs)} ms`,
      `${b.login.providerRequests} requests to the provider, ${b.login.requests} in all; callback → signed in ${int(b.login.callbackToSignedInMs)} ms`,
      '',
    ],
    [
      '5',
      `JS heap over ${m.cycles} sign-in → refresh → sign-out cycles in one page (real provider)`,
      'Latchkey core session',
      `${int(m.objectGrowthPerCycleBytes)} B/cycle of JS objects`,
      `heap incl. compiled code ${int(m.growthPerCycleBytes)} B/cycle (slope); ${int(m.totalMs)} ms for ${m.cycles} cycles`,
      `flat ${met(m.objectGrowthPerCycleBytes < 100)}`,
    ],
  ];
}

function budgetRows(budgets: readonly SizeResult[]): Row[] {
  return budgets.flatMap((b): Row[] => [
    [
      '4',
      'size in npm test: initial + lazy = total (minified + gzip, chunk by chunk)',
      b.name,
      `${kB(b.initial.gzipBytes)} + ${kB(b.lazy.gzipBytes)} = ${kB(b.total.gzipBytes)}`,
      `minified ${kB(b.initial.minifiedBytes)} + ${kB(b.lazy.minifiedBytes)} = ${kB(b.total.minifiedBytes)}`,
      '',
    ],
    ...b.budgets.map((budget): Row => [
      '4',
      `size budget in npm test: ${budget.part} (gzip)`,
      b.name,
      kB(budget.gzipBytes),
      `budget ${kB(budget.budgetBytes)}`,
      `CI fails above the budget ${met(budget.passed)}`,
    ]),
    ...b.budgets.flatMap(({ part, gzipBytes, targetBytes }): Row[] =>
      targetBytes === undefined
        ? []
        : [
            [
              '4',
              `size target: ${part} (gzip)`,
              b.name,
              kB(gzipBytes),
              gzipBytes > targetBytes ? `${kB(gzipBytes - targetBytes)} over` : `${kB(targetBytes - gzipBytes)} under`,
              `≤ ${kB(targetBytes)} ${met(gzipBytes <= targetBytes)}`,
            ],
          ],
    ),
  ]);
}

/** The one table `npm run bench` prints and writes into RESULTS.md. */
export function resultsTable(results: BenchResults): string {
  const rows: Row[] = [
    ...checkRows(`Node ${results.versions['node']}`, results.sessionCheck.node, results.versions),
    ...checkRows(`Chromium ${results.versions['chromium']}`, results.sessionCheck.chromium, results.versions),
    ...sizeRows(results),
    ...behaviourRows(results.behaviour, results.memory),
    ...budgetRows(results.budgets),
  ];
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    '| part | measure | subject | result | compared | goal |',
    '|---|---|---|---|---|---|',
    ...rows.sort((a, b) => a[0].localeCompare(b[0])).map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}
