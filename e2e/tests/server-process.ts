// A server the many-node tests run as a child process of their own (the dev provider, the demo API, a BFF
// node): started and waited for, stopped, killed with SIGKILL and started again, and never left running.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface ServerProcess {
  readonly name: string;
  /** It runs (started, and neither killed, stopped nor exited since). */
  readonly running: boolean;
  /** The exits nobody asked for: a crash. */
  readonly crashes: readonly string[];
  /** Its stderr, for a failure's report. */
  readonly stderr: string;
  /** Starts it (again) and resolves once `readyUrl` answers 2xx. */
  start(): Promise<void>;
  /** SIGKILL: a node dying mid-traffic. */
  kill(): Promise<void>;
  /** SIGTERM, as an operator stops it. */
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  readonly name: string;
  /** The script Node runs (this Node: the repository's, not the one on the PATH). */
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
  /** Answers 2xx once the server serves. */
  readonly readyUrl: string;
  readonly readyTimeoutMs?: number;
}

// Where available, the kernel kills the child when the test process dies, whatever the way.
const SETPRIV = '/usr/bin/setpriv';
const STOP_TIMEOUT_MS = 5_000;
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

/** A server process, not started yet. */
export function serverProcess(options: ServerProcessOptions): ServerProcess {
  let child: ChildProcess | undefined;
  const crashes: string[] = [];
  let stderr = '';

  async function waitUntilReady(current: ChildProcess): Promise<void> {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      if (current.exitCode !== null || current.signalCode !== null)
        throw new Error(`${options.name} exited (${current.exitCode ?? current.signalCode}) before it served:\n${stderr.slice(-3000)}`);
      const ok = await fetch(options.readyUrl, { signal: AbortSignal.timeout(2_000) }).then(
        (answer) => answer.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${options.name}: ${options.readyUrl} did not answer in time:\n${stderr.slice(-3000)}`);
  }

  async function signal(name: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const current = child;
    child = undefined;
    if (!current) return;
    current.kill(name);
    const timer = setTimeout(() => current.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(current);
    clearTimeout(timer);
  }

  return {
    name: options.name,
    get running() {
      return child !== undefined;
    },
    crashes,
    get stderr() {
      return stderr;
    },
    async start() {
      if (child) return;
      const args = [process.execPath, options.script];
      const [command, ...rest] = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...args] : args;
      const current = spawn(command as string, rest, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...options.env } });
      child = current;
      running.add(current);
      current.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
      current.once('exit', (code, signalName) => {
        running.delete(current);
        if (child !== current) return;
        child = undefined;
        crashes.push(`${options.name} exited (${code ?? signalName})`);
      });
      try {
        await waitUntilReady(current);
      } catch (error) {
        await signal('SIGKILL');
        throw error;
      }
    },
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}
