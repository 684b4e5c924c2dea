// npm run bench: Latchkey against the libraries it competes with, measured side by side in this one
// run; prints one markdown table and writes it, with the machine and the versions, to bench/RESULTS.md.
// Nothing here passes or fails on a timing: figures are printed, and goals marked ✔ or ✘.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { run } from '../scripts/run.ts';
import { runBffProxy } from './bff-proxy/run-bff-proxy.ts';
import { STILL_VALID_SECONDS } from './bff-scale/refresh-storm.ts';
import { runBffScale } from './bff-scale/run-bff-scale.ts';
import { runBundleSize, sizeApps } from './bundle-size/run-bundle-size.ts';
import { launchChromium } from './chromium.ts';
import { runDpop } from './dpop/run-dpop.ts';
import { runMemory } from './memory/run-memory.ts';
import { int, kB, resultsTable, type BenchResults } from './report.ts';
import { runSessionBehaviour } from './session-behaviour/run-session-behaviour.ts';
import { runSessionCheck } from './session-check/run-session-check.ts';
import { measureSize, sizeChecks } from './size-budget.ts';
import { angular2JwtDir } from './bundle.ts';
import { assertFree, benchPorts, startDemo, startProviders } from './stack.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const workDir = fileURLToPath(new URL('./.work', import.meta.url));
const started = Date.now();
const step = (name: string) => console.log(`\n━━ bench: ${name} (${Math.round((Date.now() - started) / 1000)} s) ━━`);

async function versionOf(name: string, from = root): Promise<string> {
  const manifest = JSON.parse(await readFile(`${from}node_modules/${name}/package.json`, 'utf8')) as { version: string };
  return manifest.version;
}

for (const port of [benchPorts.demo, benchPorts.idp, benchPorts.shortIdp]) await assertFree(port);

step('install the tutorial’s angular2-jwt apart (bench/angular2-jwt)');
if (!existsSync(`${angular2JwtDir}node_modules/angular2-jwt/package.json`)) {
  await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: angular2JwtDir });
}

if (process.env['BENCH_SKIP_BUILD'] !== '1') {
  step('npm run build (libraries and demo)');
  await run('npm', ['run', 'build'], { cwd: root });
}

step('1. session check cost, Node then Chromium');
const sessionCheck = await runSessionCheck(workDir);

step('2. bytes added to a production Angular build, one app per library');
const sizes = await runBundleSize(workDir);

step('4. size budgets');
const budgets = await Promise.all((await sizeChecks()).map(measureSize));

step('8. DPoP in browser mode: one proof and an API call in Chromium, the bytes DPoP adds');
const dpop = await runDpop(budgets);

step('6. proxied requests per second: the BFF against a bare pass-through, alternating rounds');
const bffProxy = await runBffProxy();

step('7. the BFF at scale on Redis: a refresh storm over two nodes, session lookups against express-session, a node’s heap');
const bffScale = await runBffScale();

step('5. memory, then 3. session behaviour, against the dev providers');
const providers = await startProviders();
const browser = await launchChromium();
let memory: BenchResults['memory'];
let behaviour: BenchResults['behaviour'];
try {
  // The memory page borrows the demo's origin (the providers' registered redirect) before the demo starts.
  memory = await runMemory(browser);
  const demo = await startDemo();
  try {
    behaviour = await runSessionBehaviour(browser);
  } finally {
    await demo.stop();
  }
} finally {
  await browser.close().catch(() => undefined);
  await providers.stop();
}

const chromium = await (async () => {
  const b = await launchChromium();
  try {
    return b.version();
  } finally {
    await b.close();
  }
})();
const versions: Record<string, string> = {
  node: process.versions.node,
  chromium,
  '@latchkey/core': await versionOf('@latchkey/core'),
  '@latchkey/angular': await versionOf('@latchkey/angular'),
  '@latchkey/bff': await versionOf('@latchkey/bff'),
  express: await versionOf('express'),
  'express-session': await versionOf('express-session'),
  'connect-redis': await versionOf('connect-redis'),
  redis: await versionOf('redis'),
  ioredis: await versionOf('ioredis'),
  'redis-server': /v=(\S+)/.exec(execFileSync('/usr/bin/redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown',
  oauth4webapi: await versionOf('oauth4webapi'),
  '@auth0/angular-jwt': await versionOf('@auth0/angular-jwt'),
  'jwt-decode': await versionOf('jwt-decode'),
  'angular2-jwt': await versionOf('angular2-jwt', angular2JwtDir),
  '@auth0/auth0-angular': await versionOf('@auth0/auth0-angular'),
  '@auth0/auth0-spa-js': await versionOf('@auth0/auth0-spa-js'),
  'angular-auth-oidc-client': await versionOf('angular-auth-oidc-client'),
  'angular-oauth2-oidc': await versionOf('angular-oauth2-oidc'),
  'oidc-client-ts': await versionOf('oidc-client-ts'),
  '@angular/core': await versionOf('@angular/core'),
  '@angular/build': await versionOf('@angular/build'),
  typescript: await versionOf('typescript'),
  esbuild: await versionOf('esbuild'),
};
const results: BenchResults = {
  sessionCheck,
  sizes,
  sizeNotes: Object.fromEntries(sizeApps.filter((a) => a.note).map((a) => [a.name, a.note as string])),
  budgets,
  behaviour,
  memory,
  bffProxy,
  bffScale,
  dpop,
  versions,
};
const table = resultsTable(results);
const seconds = Math.round((Date.now() - started) / 1000);
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd: root, encoding: 'utf8' }).trim() !== '';
const cpu = cpus()[0]?.model.trim() ?? 'unknown';
const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();

const markdown = `# Benchmarks

Written by \`npm run bench\` (${seconds} s); do not edit by hand. Every figure below was measured in the same run.

- **Date:** ${new Date().toISOString()}
- **Machine:** nproc ${nproc}, ${cpu}, Linux ${release()}; Node ${versions['node']}; Chromium ${chromium} (Debian's \`/usr/bin/chromium\`)
- **Latchkey:** @latchkey/core ${versions['@latchkey/core']}, @latchkey/angular ${versions['@latchkey/angular']}, @latchkey/bff ${versions['@latchkey/bff']} (commit ${commit}${dirty ? ', with uncommitted changes under packages/' : ''}), oauth4webapi ${versions['oauth4webapi']}
- **Competitors (bench/ devDependencies, pinned):** ${['@auth0/angular-jwt', 'jwt-decode', '@auth0/auth0-angular', '@auth0/auth0-spa-js', 'angular-auth-oidc-client', 'angular-oauth2-oidc', 'oidc-client-ts'].map((n) => `${n} ${versions[n]}`).join(', ')}; angular2-jwt ${versions['angular2-jwt']} (installed apart, in bench/angular2-jwt); express-session ${versions['express-session']} with connect-redis ${versions['connect-redis']} (on redis ${versions['redis']})
- **Toolchain:** Angular ${versions['@angular/core']} (@angular/build ${versions['@angular/build']}), Express ${versions['express']}, TypeScript ${versions['typescript']}, esbuild ${versions['esbuild']}; Redis ${versions['redis-server']} (Debian's \`/usr/bin/redis-server\`), ioredis ${versions['ioredis']}

${table}

## How each part is measured

1. **Session check.** One RS256 ID token of ${sessionCheck.tokenLength} characters (signed with jose; the claims a hosted provider issues for \`openid profile email\`). The token helpers read it from \`localStorage\` on every call, as a template that calls them does; Latchkey's session is restored once from a stored session (as on a page load, no network) and \`isAuthenticated()\` is read. Each check has its own timing loop; ${sessionCheck.node[0]?.rounds ?? 0} rounds of ~25 ms batches, interleaved in rotating order after 3 warm-up rounds; the median is shown. Node uses a Map-backed \`localStorage\` (Node 24 has none); Chromium its real one. At a few nanoseconds Latchkey's figure is mostly the timing loop: the call is inlined, and V8 may even hoist the field read out of the loop (Node's sub-nanosecond figure), so read it as “a few ns at most”; Chromium's ratio is the conservative one. angular2-jwt 0.2.3 runs as published; only the modules it imports for \`AuthHttp\` (Angular 2's \`@angular/http\`, RxJS 5) are stubbed, which \`tokenNotExpired()\` never touches.
2. **Bytes added.** The same app (Log In / Log Out, a guarded route, an interceptor for one API origin: \`bench/bundle-size/app/\`) wired to each library in its documented way (\`auth-*.ts\`), each built with \`ng build\` (production optimization, no file hashes) in this run; gzip -9 and brotli q11 file by file (a browser downloads each file apart), minus the app without auth. All JS: every JavaScript file the app can load, through static imports and \`import()\`, lazy chunks too; a chunk esbuild emits for an \`import()\` that tree-shaking removed is in \`dist/\` but no code loads it, so it is shown apart and not counted (none of the built files names it: checked). Latchkey is built twice: in browser mode (\`provideLatchkey\`) and in BFF mode (\`provideLatchkeyBff({ baseUrl: '/bff' })\`, the same guard and interceptor; the tokens stay on the app's server). For BFF mode the bench also reads Angular's build metafile and throws if a chunk the app can load holds a module of core's \`protocol/\` or \`flows/\`, oauth4webapi or core's \`session/browser-session.js\`; the same four rules must each match a module of the browser-mode app of the same run, so a clean result cannot come from rules that match nothing. Initial JS: what a first page load downloads before the app runs, the module scripts the built \`index.html\` loads and every chunk they import statically, transitively, from Angular's build stats (esbuild's metafile; the \`modulepreload\` links in \`index.html\`, which the CLI caps at 10, are checked to be among them). What a library loads with \`import()\` is in all JS, not in initial JS. Where a library has no guard or no interceptor, the app has the few lines its documentation shows. The breakdown is esbuild's metafile of the Latchkey app minus the baseline's, with the part in lazy chunks.
3. **Session behaviour.** The built demo and two dev providers (tokens for 10 min, and for ${benchPorts.shortTtlSeconds} s), started by the bench on ports ${benchPorts.demo}, ${benchPorts.idp} and ${benchPorts.shortIdp}, in Chromium. Times on screen are taken in the page (a MutationObserver) against the stored session's \`expires_at_ms\` or the click's own instant.
4. **Size budgets.** \`bench/size-budget.ts\`, a suite of \`npm test\`: esbuild bundles, split into chunks as an app's bundler does (minified, ESM, Angular and RxJS external), of what an app imports. Initial: the entry chunk and every chunk it imports statically, transitively; lazy: every other chunk, reached only through \`import()\`; each chunk gzip -9 apart, summed. Each budget is one check of \`npm test\`, set a little above today's sizes (for @latchkey/angular's initial bytes, where they are meant to get to); a target is reported, not enforced.
5. **Memory.** One page, one core session, ${memory.cycles} cycles after ${memory.warmupCycles} warm-up cycles, each a real round trip through the dev provider (code exchange, refresh-token grant, revocation; the sign-in form posted by the bench, so the page never navigates away and keeps its heap). JS objects: heap snapshots before and after, object/closure/array/string bytes; the heap slope also counts code V8 compiles as the cycles run (${kB(memory.codeGrowthBytes)} here).
6. **BFF proxy throughput.** In one Node process: an upstream (\`node:http\` on 127.0.0.1, the same ${bffProxy.bodyBytes}-byte JSON answer to every request) and the clients (${bffProxy.load.concurrency} keep-alive \`node:http\` connections, one request in flight on each) on a worker thread; on the main thread, the two proxies on Express ${versions['express']}: the BFF (\`createBff\` with \`memoryStore()\`, the upstream as \`upstreams.api\`, \`latchkeyBff(bff)\`), signed in once through the dev provider (started in-process, its login form posted as the BFF's tests do), and a bare pass-through on the same adapter and fetch stack (\`toRequest\`, Node's \`fetch\` to the same upstream, \`sendResponse\`; no session, CSRF, token or header work: \`bench/bff-proxy/bare-proxy.ts\`). Both get the same request (the session cookie, \`Origin\`, \`Sec-Fetch-Site\`, the CSRF header); every answer is checked (200, the upstream's body; through the BFF, the upstream saw a bearer token on every request, through the bare proxy on none). A warm-up round of ${int(bffProxy.load.warmupRequests)} requests each, then up to ${bffProxy.load.rounds} rounds each of ${int(bffProxy.load.requestsPerRound)} requests (a round stops at ${bffProxy.load.roundLimitMs / 1000} s), alternating BFF, bare, BFF, bare, so what else the machine does falls on both; the median round is shown (${(bffProxy.totalMs / 1000).toFixed(1)} s for the part, sign-in included).
7. **The BFF at scale on Redis.** Each of the three parts starts its own \`redis-server\` (127.0.0.1, a free port, no persistence: \`packages/bff/src/testing/redis-server.ts\`) and the dev provider on a worker thread (\`bench/bff-scale/provider-worker.ts\`, with \`testCounters\`), and stops them (${(bffScale.storm.totalMs / 1000).toFixed(1)} s, ${(bffScale.lookups.totalMs / 1000).toFixed(1)} s and ${(bffScale.heap.totalMs / 1000).toFixed(1)} s here). **Refresh storm:** two BFF nodes, each \`createBff\` with its own \`redisStore\` and \`redisHub\` connections on the Express adapter, each on a worker thread of its own (two nodes on one event loop take turns, and one wins every lock). ${int(bffScale.storm.load.sessions)} sessions are made by real sign-ins (the BFF's login, the provider's form, the callback; ${bffScale.storm.load.signInConcurrency} at a time, each request to the next node), with ${bffScale.storm.load.tokenTtlSeconds} s tokens; then the nodes' shared clock (the \`now\` option) jumps ${bffScale.storm.load.tokenTtlSeconds - STILL_VALID_SECONDS} s, so every access token is due (checked in Redis) while the rotated ID tokens are still valid on it, and ${bffScale.storm.load.requestsPerSession} proxied requests per session go at once, over HTTP, ${bffScale.storm.load.requestsPerSession / 2} to each node, in a fixed shuffled order, to an upstream that answers the \`Authorization\` it got. Counted: the refresh-token requests the provider got (granted + refused, from its own grant events) and each node sent; a request fails unless it answers 200 with a bearer token (or after ${bffScale.storm.load.requestTimeoutMs / 1000} s); every session's requests must carry one token, not the one stored before. The dev provider's in-memory store (oidc-provider's memory adapter: a two-generation cache of 1,000 records each, about eight records a sign-in) forgets the first sessions' grants after a few hundred sign-ins, and refuses their refresh: in this part's provider thread only, that cache keeps every record until it expires, as a provider's database does (\`bench/bff-scale/keep-every-record.ts\`). **Session lookups:** one session made by a real sign-in; the BFF (\`latchkeyBff\` on Express, \`redisStore\`) and express-session + connect-redis (\`resave: false, saveUninitialized: false, rolling: true\`, a 30-minute \`maxAge\` like the BFF's idle timeout) on Express, on this thread, reading from the same Redis; the express-session session holds the BFF session's fields, tokens included. The clients (${bffScale.lookups.load.concurrency} keep-alive \`node:http\` connections, one request in flight on each) are on a worker thread; every answer is checked (200, \`"status":"authenticated"\`). A warm-up round of ${int(bffScale.lookups.load.warmupRequests)} requests each, then up to ${bffScale.lookups.load.rounds} sets of rounds of ${int(bffScale.lookups.load.requestsPerRound)} requests (a round stops at ${bffScale.lookups.load.roundLimitMs / 1000} s), BFF GET, BFF POST, express-session in turn; the median round is shown, p50 and p99 over every request of the counted rounds. Redis's \`INFO commandstats\` before and after every counted round gives the commands per lookup. Last, the BFF's session key is deleted in Redis and one more lookup made: it must answer anonymous (no node-local cache). **Heap:** a BFF node (\`bff.handle\`, \`redisStore\` + \`redisHub\`) in a child process started with \`--expose-gc\` reads one session ${int(bffScale.heap.load.lookups)} times after ${int(bffScale.heap.load.warmupLookups)} warm-up lookups, ${bffScale.heap.load.concurrency} at a time; \`heapUsed\` after two forced GCs at ${bffScale.heap.load.samples + 1} even steps; the least-squares slope per lookup.
8. **DPoP in browser mode.** \`bench/dpop/\`, in a Chromium of its own: one ES256 key (core's \`generateDpopKeyPair\` and \`dpopKey\`, made once), then ${dpop.chromium.load.rounds} rounds after ${dpop.chromium.load.warmupRounds} warm-up rounds, each one batch of ${dpop.chromium.load.batch} of each measure in rotating order: core's \`createDpopProof\` for \`GET /api/private\` with a ${dpop.chromium.accessTokenLength}-character access token (its \`ath\`, no nonce); a \`fetch\` of a loopback API with \`Authorization: Bearer\`; a proof and a \`fetch\` with \`Authorization: DPoP\` and the \`DPoP\` header. The page (served on 127.0.0.1, as \`localhost:${benchPorts.demo}\`) is not cross-origin isolated, so its clock ticks in 100 µs: each figure is a batch's mean, the median over the rounds shown; DPoP's added cost per call is the median of each round's difference. The API is \`node:http\` on 127.0.0.1 on a free port, another origin than the page's (as the demo's API is): 200 \`{}\`, CORS for the page's origin, its preflight allowing \`Authorization, DPoP\` and cached 10 minutes (${dpop.chromium.api.preflights} preflight${dpop.chromium.api.preflights === 1 ? '' : 's'} in the run); it counts the calls and does not verify the proof: the figure is the browser's cost, a resource server's check is its own. Bytes: part 4's check of the demo's imports (\`bench/size-budget.ts\`), gzip, against its figures at commit ${dpop.bytes.preDpop.commit}, the last before DPoP (\`npm run size\`: initial ${kB(dpop.bytes.preDpop.initial)}, lazy ${kB(dpop.bytes.preDpop.lazy)}, printed to 10 bytes); core's DPoP modules (\`protocol/dpop\`, \`flows/dpop-keys\`, \`flows/api-request\`) by esbuild's metafile \`bytesInOutput\` (minified, before gzip); oauth4webapi's DPoP handle is inside its one module and not attributed.
`;
await writeFile(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), markdown);
console.log(`\n${table}\n`);
console.log(`bench: ${seconds} s; written to bench/RESULTS.md`);
