// npm run bench: Latchkey against the libraries it competes with, measured side by side in this one
// run; prints one markdown table and writes it, with the machine and the versions, to bench/RESULTS.md.
// Nothing here passes or fails on a timing: figures are printed, and goals marked ✔ or ✘.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { run } from '../scripts/run.ts';
import { runBundleSize, sizeApps } from './bundle-size/run-bundle-size.ts';
import { launchChromium } from './chromium.ts';
import { runMemory } from './memory/run-memory.ts';
import { kB, resultsTable, type BenchResults } from './report.ts';
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
- **Latchkey:** @latchkey/core ${versions['@latchkey/core']}, @latchkey/angular ${versions['@latchkey/angular']} (commit ${commit}${dirty ? ', with uncommitted changes under packages/' : ''}), oauth4webapi ${versions['oauth4webapi']}
- **Competitors (bench/ devDependencies, pinned):** ${['@auth0/angular-jwt', 'jwt-decode', '@auth0/auth0-angular', '@auth0/auth0-spa-js', 'angular-auth-oidc-client', 'angular-oauth2-oidc', 'oidc-client-ts'].map((n) => `${n} ${versions[n]}`).join(', ')}; angular2-jwt ${versions['angular2-jwt']} (installed apart, in bench/angular2-jwt)
- **Toolchain:** Angular ${versions['@angular/core']} (@angular/build ${versions['@angular/build']}), TypeScript ${versions['typescript']}, esbuild ${versions['esbuild']}

${table}

## How each part is measured

1. **Session check.** One RS256 ID token of ${sessionCheck.tokenLength} characters (signed with jose; the claims a hosted provider issues for \`openid profile email\`). The token helpers read it from \`localStorage\` on every call, as a template that calls them does; Latchkey's session is restored once from a stored session (as on a page load, no network) and \`isAuthenticated()\` is read. Each check has its own timing loop; ${sessionCheck.node[0]?.rounds ?? 0} rounds of ~25 ms batches, interleaved in rotating order after 3 warm-up rounds; the median is shown. Node uses a Map-backed \`localStorage\` (Node 24 has none); Chromium its real one. At a few nanoseconds Latchkey's figure is mostly the timing loop: the call is inlined, and V8 may even hoist the field read out of the loop (Node's sub-nanosecond figure), so read it as “a few ns at most”; Chromium's ratio is the conservative one. angular2-jwt 0.2.3 runs as published; only the modules it imports for \`AuthHttp\` (Angular 2's \`@angular/http\`, RxJS 5) are stubbed, which \`tokenNotExpired()\` never touches.
2. **Bytes added.** The same app (Log In / Log Out, a guarded route, an interceptor for one API origin: \`bench/bundle-size/app/\`) wired to each library in its documented way (\`auth-*.ts\`), each built with \`ng build\` (production optimization, no file hashes) in this run; gzip -9 and brotli q11 file by file (a browser downloads each file apart), minus the app without auth. All JS: every emitted JavaScript file, lazy chunks too. Initial JS: what a first page load downloads before the app runs, the module scripts the built \`index.html\` loads and every chunk they import statically, transitively, from Angular's build stats (esbuild's metafile; the \`modulepreload\` links in \`index.html\`, which the CLI caps at 10, are checked to be among them). What a library loads with \`import()\` is in all JS, not in initial JS. Where a library has no guard or no interceptor, the app has the few lines its documentation shows. The breakdown is esbuild's metafile of the Latchkey app minus the baseline's, with the part in lazy chunks.
3. **Session behaviour.** The built demo and two dev providers (tokens for 10 min, and for ${benchPorts.shortTtlSeconds} s), started by the bench on ports ${benchPorts.demo}, ${benchPorts.idp} and ${benchPorts.shortIdp}, in Chromium. Times on screen are taken in the page (a MutationObserver) against the stored session's \`expires_at_ms\` or the click's own instant.
4. **Size budgets.** \`bench/size-budget.ts\`, a suite of \`npm test\`: esbuild bundles, split into chunks as an app's bundler does (minified, ESM, Angular and RxJS external), of what an app imports. Initial: the entry chunk and every chunk it imports statically, transitively; lazy: every other chunk, reached only through \`import()\`; each chunk gzip -9 apart, summed. Each budget is one check of \`npm test\`, set a little above today's sizes (for @latchkey/angular's initial bytes, where they are meant to get to); a target is reported, not enforced.
5. **Memory.** One page, one core session, ${memory.cycles} cycles after ${memory.warmupCycles} warm-up cycles, each a real round trip through the dev provider (code exchange, refresh-token grant, revocation; the sign-in form posted by the bench, so the page never navigates away and keeps its heap). JS objects: heap snapshots before and after, object/closure/array/string bytes; the heap slope also counts code V8 compiles as the cycles run (${kB(memory.codeGrowthBytes)} here).
`;
await writeFile(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), markdown);
console.log(`\n${table}\n`);
console.log(`bench: ${seconds} s; written to bench/RESULTS.md`);
