import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitForUrl } from '../scripts/run.ts';

// BENCH_PORT_OFFSET moves the bench's stack when its ports are taken on a shared machine.
const offset = Number(process.env['BENCH_PORT_OFFSET'] ?? 0);

/** The bench's own ports, apart from `npm start` (4200, 4400) and the browser tests (4210, 44xx). */
export const benchPorts = {
  /** The demo, or a bench page while the demo is not running: the providers' registered origin. */
  demo: 4310 + offset,
  idp: 4510 + offset,
  /** A second dev provider whose tokens live only `shortTtlSeconds`. */
  shortIdp: 4511 + offset,
  shortTtlSeconds: 8,
} as const;

export const demoOrigin = `http://localhost:${benchPorts.demo}`;
export const idpIssuer = `http://localhost:${benchPorts.idp}`;
export const shortIdpIssuer = `http://localhost:${benchPorts.shortIdp}`;

const root = fileURLToPath(new URL('../', import.meta.url));

/** Running servers of the bench; `stop()` ends exactly the processes it started. */
export interface Servers {
  stop(): Promise<void>;
}

/** Fails when something else listens on `port`: measuring another stack's servers would be wrong silently. */
export function assertFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', () =>
      reject(new Error(`bench: port ${port} is taken by another process; stop it or move the bench with BENCH_PORT_OFFSET=<n>`)),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

async function startServers(servers: { script: string; env: Record<string, string>; ready: string }[]): Promise<Servers> {
  const children: ChildProcess[] = [];
  let exited: Error | undefined;
  const stop = () =>
    Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    ).then(() => undefined);
  try {
    for (const { script, env } of servers) {
      const child = spawn(process.execPath, [script], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      child.once('exit', (code, signal) => (exited ??= new Error(`bench: ${script} stopped (${signal ?? `exit ${code}`})`)));
      children.push(child);
    }
    await Promise.all(servers.map(({ ready }) => waitForUrl(ready)));
    if (exited) throw exited;
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

/** Two dev providers registered for the demo's origin: tokens for 10 minutes, and for `shortTtlSeconds`. */
export async function startProviders(): Promise<Servers> {
  await assertFree(benchPorts.idp);
  await assertFree(benchPorts.shortIdp);
  return startServers([
    {
      script: 'apps/idp/src/main.ts',
      env: { IDP_PORT: String(benchPorts.idp), IDP_DEMO_ORIGIN: demoOrigin },
      ready: `${idpIssuer}/.well-known/openid-configuration`,
    },
    {
      script: 'apps/idp/src/main.ts',
      env: {
        IDP_PORT: String(benchPorts.shortIdp),
        IDP_DEMO_ORIGIN: demoOrigin,
        IDP_TOKEN_TTL_SECONDS: String(benchPorts.shortTtlSeconds),
      },
      ready: `${shortIdpIssuer}/.well-known/openid-configuration`,
    },
  ]);
}

/** The built demo (`npm run build`), signing in with the first provider. */
export async function startDemo(): Promise<Servers> {
  await assertFree(benchPorts.demo);
  return startServers([
    {
      script: 'dist/demo/server/server.mjs',
      env: {
        DEMO_PORT: String(benchPorts.demo),
        LATCHKEY_ISSUER: idpIssuer,
        // DPoP, as the demo runs with the bundled provider (LATCHKEY_ISSUER alone would turn it off).
        LATCHKEY_DPOP: '1',
        DEMO_CONNECT_SRC: shortIdpIssuer,
        // No demo API in the bench; its default origin (4300) belongs to `npm start`.
        LATCHKEY_API: `http://localhost:${4512 + offset}`,
      },
      ready: `${demoOrigin}/config.json`,
    },
  ]);
}
