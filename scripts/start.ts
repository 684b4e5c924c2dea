// npm start: build what is out of date, start the dev provider (unless LATCHKEY_ISSUER points elsewhere)
// and the demo, print where to go, and stop everything on Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run, waitForUrl } from './run.ts';

const inputs = [
  'packages/core/src',
  'packages/angular/src',
  'packages/angular/testing',
  'apps/demo/src',
  'apps/demo/public',
  'angular.json',
  'tsconfig.json',
];
const output = 'dist/demo/server/server.mjs';

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path);
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
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));

const external = process.env['LATCHKEY_ISSUER'];
if (!external) {
  startChild('idp', ['apps/idp/src/main.ts']);
  await waitForUrl('http://localhost:4400/.well-known/openid-configuration');
}
// The demo API accepts the provider's JWT access tokens for its audience.
process.env['API_ISSUER'] ??= external ?? 'http://localhost:4400';
if (process.env['LATCHKEY_AUDIENCE']) process.env['API_AUDIENCE'] ??= process.env['LATCHKEY_AUDIENCE'];
startChild('api', ['apps/api/src/main.ts']);
startChild('demo', ['dist/demo/server/server.mjs']);
const apiPort = process.env['API_PORT'] ?? '4300';
const demoPort = process.env['DEMO_PORT'] ?? '4200';
await waitForUrl(`http://localhost:${apiPort}/api/public`);
await waitForUrl(`http://localhost:${demoPort}/config.json`);

console.log(`
  Latchkey demo:  http://localhost:${demoPort}
  Provider:       ${external ?? 'http://localhost:4400 (bundled dev provider)'}
  Demo API:       http://localhost:${apiPort} (GET /api/public, /api/private)
${external ? '' : '  Accounts:       alice / alice (Alice Liddell), bob / bob (Bob Builder) — development only\n'}
  Press Ctrl-C to stop.
`);
