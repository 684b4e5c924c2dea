import type { BffProxyResult } from './bff-proxy/run-bff-proxy.ts';
import type { BffScaleResult } from './bff-scale/run-bff-scale.ts';
import type { AppSize } from './bundle-size/run-bundle-size.ts';
import type { DpopBenchResult } from './dpop/run-dpop.ts';
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
  readonly bffProxy: BffProxyResult;
  readonly bffScale: BffScaleResult;
  readonly dpop: DpopBenchResult;
  /** Installed versions by package name. */
  readonly versions: Readonly<Record<string, string>>;
}

export const int = (n: number) => Math.round(n).toLocaleString('en-US');
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
  'latchkey-bff': (v) => `Latchkey ${v['@latchkey/angular']} in BFF mode (provideLatchkeyBff, Auth, authGuard, authInterceptor)`,
  'auth0-angular': (v) => `@auth0/auth0-angular ${v['@auth0/auth0-angular']} (with auth0-spa-js ${v['@auth0/auth0-spa-js']})`,
  'angular-auth-oidc-client': (v) => `angular-auth-oidc-client ${v['angular-auth-oidc-client']}`,
  'angular-oauth2-oidc': (v) => `angular-oauth2-oidc ${v['angular-oauth2-oidc']}`,
  'oidc-client-ts': (v) => `oidc-client-ts ${v['oidc-client-ts']}`,
  'angular-jwt': (v) => `@auth0/angular-jwt ${v['@auth0/angular-jwt']}`,
  'jwt-decode': (v) => `jwt-decode ${v['jwt-decode']}`,
};

/** What BFF mode's browser side may add to the app, gzip: a goal reported beside the figure, never enforced. */
const BFF_ADDED_GOAL_BYTES = 7_000;

export type Row = [part: string, measure: string, subject: string, result: string, compared: string, goal: string];

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
  const bffGoal = (size: AppSize, gzip: number) =>
    size.name === 'latchkey-bff' ? `≤ ${kB(BFF_ADDED_GOAL_BYTES)} gzip added ${met(gzip <= BFF_ADDED_GOAL_BYTES)}` : '';
  for (const size of libraries) {
    const { gzip, brotli } = added(size);
    const ratio = size === latchkey ? '1×' : `${times(gzip / added(latchkey).gzip)} Latchkey`;
    const { files, gzipBytes } = size.unreachable;
    rows.push([
      '2',
      'bytes added to the app, all JS (gzip / brotli)',
      label(size),
      `+${kB(gzip)} / +${kB(brotli)}`,
      // A chunk esbuild emits for an import() that tree-shaking removed: in dist/, never downloaded.
      files > 0
        ? `${ratio}; ${kB(gzipBytes)} gzip more in ${files} emitted chunk${files === 1 ? '' : 's'} no code loads, not counted`
        : ratio,
      bffGoal(size, gzip),
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
      bffGoal(size, gzip),
    ]);
  }
  for (const size of libraries.filter((s) => s.excluded)) {
    const modules = size.modules.filter((m) => /(^|\/)packages\/(core|angular)\//.test(m)).length;
    rows.push([
      '2',
      "modules in the chunks the app can load (Angular's build metafile)",
      label(size),
      `metafile: none of ${(size.excluded ?? []).join(', ')}`,
      `${modules} Latchkey modules, of ${size.modules.length} in all; the browser-mode app of this run has each of them`,
      'none: the bench throws otherwise ✔',
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
  rows.push(...breakdownRows(latchkey, baseline, "where Latchkey's added bytes go (minified; ≈ gzip)", added(latchkey).gzip));
  const bff = results.sizes.find((s) => s.name === 'latchkey-bff');
  if (bff) rows.push(...breakdownRows(bff, baseline, "where BFF mode's added bytes go (minified; ≈ gzip)", added(bff).gzip));
  return rows;
}

/**
 * Where an app's added bytes go: minified bytes each package adds over the baseline (esbuild metafile),
 * and how many of them are in lazy chunks; gzip shared out in proportion, an estimate (gzip does not add up by file).
 */
function breakdownRows(app: AppSize, baseline: AppSize, measure: string, gzip: number): Row[] {
  const rows: Row[] = [];
  const deltas = Object.entries(app.byPackage)
    .map(
      ([name, bytes]) =>
        [name, bytes - (baseline.byPackage[name] ?? 0), (app.lazyByPackage[name] ?? 0) - (baseline.lazyByPackage[name] ?? 0)] as const,
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
  const coreFiles = Object.entries(app.latchkeyFiles)
    .filter(([file, bytes]) => bytes > 0 && !file.startsWith('latchkey-angular'))
    .sort((a, b) => b[1] - a[1]);
  const detail: Record<string, string> = {
    '@latchkey/core': `; by file: ${coreFiles.map(([file, bytes]) => `${file} ${(bytes / 1000).toFixed(1)}`).join(', ')} kB`,
  };
  for (const [group, { bytes, lazy }] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes)) {
    rows.push([
      '2',
      measure,
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

/** BFF / bare pass-through throughput the BFF's proxy should keep: a goal, reported. */
const BFF_PROXY_GOAL_RATIO = 0.8;

function proxyRows(p: BffProxyResult, versions: Record<string, string>): Row[] {
  const measure = `proxied requests per second, median of ${p.bff.roundsRps.length} alternating rounds (${p.load.concurrency} keep-alive clients, ${p.bodyBytes}-byte JSON answer)`;
  const rounds = (rps: readonly number[]) => `rounds ${int(Math.min(...rps))}–${int(Math.max(...rps))} req/s`;
  return [
    [
      '6',
      measure,
      `Latchkey BFF proxy (@latchkey/bff ${versions['@latchkey/bff']}, \`latchkeyBff\` on Express ${versions['express']}, memoryStore, one signed-in session)`,
      `${int(p.bff.medianRps)} req/s`,
      `${times(p.ratio)} bare (median pair: ${times(p.pairRatio)}); ${rounds(p.bff.roundsRps)}`,
      `≥ ${times(BFF_PROXY_GOAL_RATIO)} bare ${met(p.ratio >= BFF_PROXY_GOAL_RATIO)}`,
    ],
    [
      '6',
      measure,
      'bare pass-through on the same adapter and fetch stack (toRequest → fetch → sendResponse)',
      `${int(p.bare.medianRps)} req/s`,
      `1×; ${rounds(p.bare.roundsRps)}`,
      '',
    ],
  ];
}

/** Lookups per second the BFF should reach against express-session + connect-redis on the same Redis: a goal, reported. */
const BFF_LOOKUP_GOAL_RATIO = 1.2;
/** Heap growth per session lookup, after forced GC, a BFF node may show. */
const BFF_HEAP_GOAL_BYTES = 10;

/** Redis commands per lookup, as `get 1.00, eval 1.00` (PINGs of the hub's keep-alive left out). */
const perLookup = (commands: Readonly<Record<string, number>>) =>
  Object.entries(commands)
    .filter(([name, calls]) => name !== 'ping' && calls >= 0.005)
    .map(([name, calls]) => `${name.toUpperCase()} ${calls.toFixed(2)}`)
    .join(' + ');

/** Part 7's rows for a refresh storm (bench/bff-scale/refresh-storm.ts). */
export function stormRows(storm: BffScaleResult['storm'], versions: Record<string, string>): Row[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const nodes = `Latchkey BFF, 2 nodes (@latchkey/bff ${versions['@latchkey/bff']}, \`latchkeyBff\` on Express, redisStore + redisHub, one thread each)`;
  const storming = `${int(storm.load.sessions)} sessions from real sign-ins, tokens all due; ${int(storm.requests)} concurrent proxied requests over 2 nodes on one Redis`;
  const statuses = Object.entries(storm.statuses)
    .map(([status, count]) => `${int(count)} × ${status === '0' ? 'no answer' : status}`)
    .join(', ');
  return [
    [
      '7',
      `refresh requests the provider got: ${storming}`,
      nodes,
      int(storm.providerRefreshes),
      `the nodes sent ${storm.sentByNode.map(int).join(' + ')}; ${int(storm.due)} of ${int(storm.load.sessions)} due; sign-ins ${s(storm.signInMs)}, storm ${s(storm.stormMs)}`,
      `exactly ${int(storm.load.sessions)}, one per session ${met(storm.providerRefreshes === storm.load.sessions && storm.due === storm.load.sessions)}`,
    ],
    [
      '7',
      `refresh requests the provider refused (a reused rotated token revokes the grant): ${storming}`,
      nodes,
      int(storm.refused),
      "the dev provider's own count (its grant events, `GET /__test/grants`)",
      `0 ${met(storm.refused === 0)}`,
    ],
    [
      '7',
      `failed proxied requests: ${storming}`,
      nodes,
      `${int(storm.failed)} of ${int(storm.requests)}`,
      `${statuses}; ${int(storm.mixedTokens)} sessions whose requests did not all carry one new token${storm.firstFailure ? `; first failure: ${storm.firstFailure}` : ''}`,
      `0 ${met(storm.failed === 0 && storm.mixedTokens === 0)}`,
    ],
  ];
}

/** Part 7's rows for the session lookups (bench/bff-scale/session-lookups.ts). */
export function lookupRows(lookups: BffScaleResult['lookups'], versions: Record<string, string>): Row[] {
  const { bff, bffPost, expressSession } = lookups.rates;
  const measure = `\`{base}/session\` lookups per second on Redis, median of ${bff.roundsRps.length} alternating rounds (${lookups.load.concurrency} keep-alive clients)`;
  const latency = (rate: typeof bff) =>
    `p50 ${rate.p50Ms.toFixed(1)} ms, p99 ${rate.p99Ms.toFixed(1)} ms; rounds ${int(Math.min(...rate.roundsRps))}–${int(Math.max(...rate.roundsRps))}`;
  // A look reads the session once and writes nothing; anything but GET (and the hub's PING) would be a write.
  const reads = bff.commandsPerLookup['get'] ?? 0;
  const writes = Object.entries(bff.commandsPerLookup).reduce(
    (sum, [name, calls]) => sum + (name === 'get' || name === 'ping' ? 0 : calls),
    0,
  );
  const oneRead = reads <= 1.005 && writes <= 0.005 && lookups.noLocalCache;
  return [
    [
      '7',
      measure,
      `Latchkey BFF \`GET {base}/session\` (a look, not activity; \`latchkeyBff\` on Express, redisStore)`,
      `${int(bff.medianRps)} req/s`,
      `${times(lookups.ratio)} express-session (median set ${times(lookups.pairRatio)}); ${latency(bff)}`,
      `≥ ${times(BFF_LOOKUP_GOAL_RATIO)} express-session ${met(lookups.ratio >= BFF_LOOKUP_GOAL_RATIO)}`,
    ],
    [
      '7',
      measure,
      'Latchkey BFF `POST {base}/session` (activity: the idle end slides, its write throttled to one a minute)',
      `${int(bffPost.medianRps)} req/s`,
      `${times(lookups.postRatio)} express-session; ${latency(bffPost)}`,
      `≥ ${times(BFF_LOOKUP_GOAL_RATIO)} express-session ${met(lookups.postRatio >= BFF_LOOKUP_GOAL_RATIO)}`,
    ],
    [
      '7',
      measure,
      `express-session ${versions['express-session']} + connect-redis ${versions['connect-redis']} (redis ${versions['redis']}; resave: false, saveUninitialized: false, rolling: true), the same session's fields`,
      `${int(expressSession.medianRps)} req/s`,
      `1×; ${latency(expressSession)}`,
      '',
    ],
    [
      '7',
      "Redis commands per lookup (INFO commandstats around every counted round; a script's own calls counted too)",
      'BFF GET; BFF POST; express-session GET',
      `${perLookup(bff.commandsPerLookup)}; ${perLookup(bffPost.commandsPerLookup)}; ${perLookup(expressSession.commandsPerLookup)}`,
      `session in Redis: ${int(lookups.storedBytes.bff)} B (BFF), ${int(lookups.storedBytes.expressSession)} B (express-session); key deleted in Redis → the next BFF lookup ${lookups.noLocalCache ? 'answered anonymous: no node-local cache' : 'still answered the session: a node-local cache'}`,
      `GET: one read, no write, no node-local cache ${met(oneRead)}`,
    ],
  ];
}

/** Part 7's row for a node's heap (bench/bff-scale/heap.ts). */
export function heapRows(heap: BffScaleResult['heap']): Row[] {
  const MB = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
  const growth = heap.heapAfterBytes - heap.heapBeforeBytes;
  return [
    [
      '7',
      `JS heap of a BFF node over ${int(heap.load.lookups)} \`GET {base}/session\` lookups on Redis (own process, forced GC at ${heap.load.samples + 1} points, after ${int(heap.load.warmupLookups)} warm-up lookups)`,
      `Latchkey BFF node (\`bff.handle\`, redisStore + redisHub, ${heap.load.concurrency} lookups in flight)`,
      `${heap.slopeBytesPerLookup.toFixed(2)} B/lookup (slope)`,
      `heap after GC ${MB(heap.heapBeforeBytes)} → ${MB(heap.heapAfterBytes)} (${growth >= 0 ? '+' : ''}${kB(growth)}); ${int(heap.lookupsPerSecond)} lookups/s`,
      `≤ ${BFF_HEAP_GOAL_BYTES} B/lookup ${met(heap.slopeBytesPerLookup <= BFF_HEAP_GOAL_BYTES)}`,
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

/** Part 8's rows: DPoP in browser mode (bench/dpop/run-dpop.ts). */
export function dpopRows(d: DpopBenchResult): Row[] {
  const us = (n: number) => `${n < 100 ? n.toFixed(1) : int(n)} µs`;
  const signed = (bytes: number) => `${bytes < 0 ? '−' : '+'}${kB(Math.abs(bytes))}`;
  const { timings: t, load } = d.chromium;
  const batches = (x: (typeof t)['proof']) => `batches ${us(x.minUs)}–${us(x.maxUs)}`;
  const measure = `µs per call in Chromium, median of ${t.proof.batches} interleaved batch means of ${load.batch}`;
  const call = `${measure}: a \`fetch\` of a loopback API of another origin (preflight cached; the API does not verify the proof)`;
  const b = d.bytes;
  const app = "Latchkey, the demo's imports (size-budget.ts's check)";
  const modules = b.modules.map((m) => `${m.path.replace(/^.*\/dist\//, '')} ${kB(m.minifiedBytes)}`).join(', ');
  return [
    [
      '8',
      `${measure}: one DPoP proof`,
      `Latchkey \`createDpopProof\` (ES256 over WebCrypto; GET, \`ath\` of a ${d.chromium.accessTokenLength}-character token, no nonce)`,
      us(t.proof.medianUs),
      `${((100 * t.proof.medianUs) / t.bearerCall.medianUs).toFixed(1)} % of a Bearer call; ${batches(t.proof)}; a ${d.chromium.proofLength}-character \`DPoP\` header`,
      '',
    ],
    ['8', call, '`Authorization: Bearer`, no proof', us(t.bearerCall.medianUs), `1×; ${batches(t.bearerCall)}`, ''],
    [
      '8',
      call,
      'a proof, then `Authorization: DPoP` and the `DPoP` header',
      us(t.dpopCall.medianUs),
      `+${us(d.chromium.pairedAddedUs)} a call (median of the rounds' differences); ${batches(t.dpopCall)}`,
      '',
    ],
    [
      '8',
      'bytes DPoP adds to the initial chunks (gzip)',
      app,
      signed(b.initialAddedBytes),
      `${kB(b.initialGzipBytes)}, against ${kB(b.preDpop.initial)} at ${b.preDpop.commit} (npm run size, to 10 bytes); 0.13 kB of it since is authGuard's options and SKIP_LATCHKEY_TOKEN (11.54 kB with DPoP alone, at 0e04bd3)`,
      `≤ +${kB(b.goalBytes)} ${met(b.goalMet)}`,
    ],
    [
      '8',
      'bytes DPoP adds to the lazy chunks (gzip)',
      app,
      signed(b.lazyAddedBytes),
      `${kB(b.lazyGzipBytes)}, against ${kB(b.preDpop.lazy)} at ${b.preDpop.commit}; core's DPoP modules, minified: ${modules}`,
      `core's DPoP modules all lazy ${met(b.modules.length > 0 && b.modules.every((m) => !m.initial))}`,
    ],
  ];
}

/** The one table `npm run bench` prints and writes into RESULTS.md. */
export function resultsTable(results: BenchResults): string {
  const rows: Row[] = [
    ...checkRows(`Node ${results.versions['node']}`, results.sessionCheck.node, results.versions),
    ...checkRows(`Chromium ${results.versions['chromium']}`, results.sessionCheck.chromium, results.versions),
    ...sizeRows(results),
    ...behaviourRows(results.behaviour, results.memory),
    ...budgetRows(results.budgets),
    ...proxyRows(results.bffProxy, results.versions),
    ...stormRows(results.bffScale.storm, results.versions),
    ...lookupRows(results.bffScale.lookups, results.versions),
    ...heapRows(results.bffScale.heap),
    ...dpopRows(results.dpop),
  ];
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    '| part | measure | subject | result | compared | goal |',
    '|---|---|---|---|---|---|',
    ...rows.sort((a, b) => a[0].localeCompare(b[0])).map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}
