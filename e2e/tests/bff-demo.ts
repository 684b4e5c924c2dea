// The demo's server in BFF mode, started and stopped by the BFF tests themselves (a restart is one of
// them), on its own port, with its own SQLite file, against the BFF stack's provider and API.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bffApiOrigin, bffIdpIssuer, ports } from './stack.ts';

export interface BffDemo {
  readonly sqlitePath: string;
  stop(): Promise<void>;
}

/** A fresh directory for the BFF's SQLite file (outside the repository, as the store requires). */
export function bffSqlitePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'latchkey-e2e-bff-')), 'sessions.sqlite');
}

async function waitFor(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the BFF demo exited (${child.exitCode}) before ${url} answered`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** Starts `dist/demo/server/server.mjs` with `LATCHKEY_MODE=bff` and waits until it serves. */
export async function startBffDemo(sqlitePath = bffSqlitePath(), env: Record<string, string> = {}): Promise<BffDemo> {
  const child = spawn(process.execPath, ['../dist/demo/server/server.mjs'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      DEMO_PORT: String(ports.bffDemo),
      LATCHKEY_MODE: 'bff',
      LATCHKEY_ISSUER: bffIdpIssuer,
      LATCHKEY_API: bffApiOrigin,
      LATCHKEY_AUDIENCE: bffApiOrigin,
      LATCHKEY_CLIENT_SECRET: 'e2e-bff-secret',
      LATCHKEY_SESSION_STORE: `sqlite:${sqlitePath}`,
      ...env,
    },
  });
  await waitFor(`http://localhost:${ports.bffDemo}/config.json`, child);
  return {
    sqlitePath,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
