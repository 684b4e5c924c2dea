import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './harness.ts';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Keeps every write in an append-only file (fsync'd at each), so a restart, even after a kill, loses nothing. */
  readonly persistence?: boolean;
}

/** A real `redis-server` of a test's own, on 127.0.0.1, with its files in a temporary directory. */
export interface TestRedisServer {
  /** `redis://127.0.0.1:<port>`: the same across a restart. */
  readonly url: string;
  readonly port: number;
  /** Stops it as an operator would (SIGTERM: Redis finishes its writes first). */
  stop(): Promise<void>;
  /** Kills it (SIGKILL): a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and files; resolves once it accepts connections. */
  start(): Promise<void>;
  /** {@link stop}, then {@link start}. */
  restart(): Promise<void>;
  /** Stops it and deletes its files. */
  close(): Promise<void>;
}

const REDIS_SERVER = '/usr/bin/redis-server';
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
// Where available, the kernel kills redis-server when the process that started it dies, whatever the way.
const SETPRIV = '/usr/bin/setpriv';

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function launch(args: readonly string[]): Promise<ChildProcess> {
  const [command, ...rest] = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', '--', REDIS_SERVER, ...args] : [REDIS_SERVER, ...args];
  const child = spawn(command as string, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`redis-server did not start within ${READY_TIMEOUT_MS} ms:\n${output}`)),
      READY_TIMEOUT_MS,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const early = (code: number | null, signal: string | null) =>
      fail(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`));
    child.once('error', fail);
    child.once('exit', early);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.off('exit', early);
      resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
  return child;
}

/**
 * Starts a `redis-server` (at /usr/bin/redis-server) on a free port of 127.0.0.1, without persistence
 * (`--save '' --appendonly no`) unless asked, and resolves once it accepts connections. Stop it in
 * `afterAll` (`close()`); it is killed anyway when the test process exits.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<TestRedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    ...(options.persistence ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  ];
  let child: ChildProcess | undefined = await launch(args).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });

  async function signal(name: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const current = child;
    child = undefined;
    if (current === undefined) return;
    current.kill(name);
    const timer = setTimeout(() => current.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(current);
    clearTimeout(timer);
  }

  const server: TestRedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    async start() {
      child ??= await launch(args);
    },
    async restart() {
      await server.stop();
      await server.start();
    },
    async close() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** A server for the tests of a file or a `describe`, and a plain connection to it to look at and plant keys. */
export interface RedisForTests {
  readonly server: TestRedisServer;
  readonly raw: Redis;
}

/**
 * Starts a {@link startRedisServer} server in `beforeAll` of the calling file or `describe`, with a plain
 * connection to it, and stops both in `afterAll` (hooks registered after this one run before it there).
 */
export function useRedisServer(options: RedisServerOptions = {}): RedisForTests {
  let started: RedisForTests | undefined;
  beforeAll(async () => {
    const server = await startRedisServer(options);
    const raw = new Redis(server.url);
    // Down while a test stops the server: what fails is the test's to see, not a log line.
    raw.on('error', () => {});
    started = { server, raw };
  });
  afterAll(async () => {
    started?.raw.disconnect();
    await started?.server.close();
  });
  const get = () => {
    if (started === undefined) throw new Error('useRedisServer: the server starts in beforeAll; use it in a hook or a test.');
    return started;
  };
  return {
    get server() {
      return get().server;
    },
    get raw() {
      return get().raw;
    },
  };
}
