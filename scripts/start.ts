// npm start: build what is out of date, start the dev provider (unless LATCHKEY_ISSUER points elsewhere)
// and the demo, print where to go, and stop everything on Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run, waitForUrl } from './run.ts';

// Everything the build reads: sources, the demo's server, configurations, and the installed versions.
const inputs = [
  'packages/core/src',
  'packages/core/package.json',
  'packages/core/tsconfig.build.json',
  'packages/bff/src',
  'packages/bff/package.json',
  'packages/angular/src',
  'packages/angular/testing',
  'packages/angular/package.json',
  'packages/angular/ng-package.json',
  'apps/demo/src',
  'apps/demo/public',
  'apps/demo/server',
  'apps/demo/tsconfig.app.json',
  'angular.json',
  'tsconfig.json',
  'tsconfig.base.json',
  'package-lock.json',
];
const output = 'dist/demo/server/server.mjs';

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((e) => newestMtime(join(path, e))));
  return Math.max(info.mtimeMs, ...times);
}

const built = await stat(output).then(
  (s) => s.mtimeMs,
  () => 0,
);
const sources = Math.max(...(await Promise.all(inputs.map(newestMtime))));
if (sources > built) {
  console.log('start: building the libraries and the demo…');
  await run('npm', ['run', 'build']);
}

const children: ChildProcess[] = [];
function startChild(name: string, args: string[]) {
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: process.env });
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`start: ${name} stopped (${signal ?? `exit ${code}`}); stopping everything.`);
      stop(1);
    }
  });
  children.push(child);
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  process.exitCode = code;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));

const external = process.env['LATCHKEY_ISSUER'];
const idpPort = process.env['IDP_PORT'] || '4400';
const apiPort = process.env['API_PORT'] || '4300';
const demoPort = process.env['DEMO_PORT'] || '4200';
const bundledIssuer = `http://localhost:${idpPort}`;
// The three servers find each other on whatever ports they were given.
process.env['IDP_DEMO_ORIGIN'] ??= `http://localhost:${demoPort}`;
process.env['IDP_RESOURCES'] ??= `http://localhost:${apiPort}`;
process.env['API_ALLOWED_ORIGINS'] ??= `http://localhost:${demoPort}`;
process.env['LATCHKEY_API'] ??= `http://localhost:${apiPort}`;
if (!external && idpPort !== '4400') {
  // The demo's defaults for the bundled provider, at its other port (where LATCHKEY_ISSUER alone would mean
  // another provider, and so Bearer tokens).
  process.env['LATCHKEY_ISSUER'] = bundledIssuer;
  process.env['LATCHKEY_AUDIENCE'] ??= `http://localhost:${apiPort}`;
  process.env['LATCHKEY_DPOP'] ||= '1';
}
// The demo API accepts the provider's JWT access tokens for its audience.
process.env['API_ISSUER'] ??= external ?? bundledIssuer;
if (process.env['LATCHKEY_AUDIENCE']) process.env['API_AUDIENCE'] ??= process.env['LATCHKEY_AUDIENCE'];

try {
  if (!external) {
    startChild('idp', ['apps/idp/src/main.ts']);
    await waitForUrl(`${bundledIssuer}/.well-known/openid-configuration`);
  }
  startChild('api', ['apps/api/src/main.ts']);
  startChild('demo', ['dist/demo/server/server.mjs']);
  await waitForUrl(`http://localhost:${apiPort}/api/public`);
  await waitForUrl(`http://localhost:${demoPort}/config.json`);
} catch (error) {
  // A server that never came up: none of the others is left behind.
  console.error(`start: ${error instanceof Error ? error.message : String(error)}; stopping everything.`);
  stop(1);
}
if (stopping) await new Promise(() => {}); // exits through stop()

const bffMode = process.env['LATCHKEY_MODE'] === 'bff';
// What the demo serves the page: whether its tokens are DPoP-bound (LATCHKEY_DPOP, on with the bundled provider).
const dpop = ((await (await fetch(`http://localhost:${demoPort}/config.json`)).json()) as { dpop?: boolean }).dpop === true;
const browserMode = dpop ? 'browser mode, DPoP-bound tokens (LATCHKEY_DPOP=0 for Bearer)' : 'browser mode, Bearer tokens';
const secretNote =
  bffMode && !process.env['LATCHKEY_CLIENT_SECRET'] ? ' with the development client secret (set LATCHKEY_CLIENT_SECRET for any other)' : '';
console.log(`
  Latchkey demo:  http://localhost:${demoPort} (${bffMode ? `BFF mode: the demo's server is the OAuth client${secretNote}` : browserMode})
  Provider:       ${external ?? `${bundledIssuer} (bundled dev provider)`}
  Demo API:       http://localhost:${apiPort} (GET /api/public, /api/private)
${external ? '' : '  Accounts:       alice / alice (Alice Liddell), bob / bob (Bob Builder) — development only\n'}
  Press Ctrl-C to stop.
`);
