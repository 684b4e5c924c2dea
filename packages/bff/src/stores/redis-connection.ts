import { LatchkeyConfigError } from '@latchkey/core';
import { Redis } from 'ioredis';

/** The longest a Redis call may take (a wait for the connection included): the BFF answers 503 within a second. */
export const MAX_COMMAND_TIMEOUT_MS = 500;
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
// A connection attempt to a host that does not answer is given up after this, and tried again.
const CONNECT_TIMEOUT_MS = 1_000;
// Reconnects back off by 100 ms an attempt up to this: Redis is used again within a second of its return.
const MAX_RECONNECT_DELAY_MS = 1_000;
const QUIT_TIMEOUT_MS = 500;

/** Why a call did not reach Redis in time: it is down, unreachable, or still connecting. */
class RedisNotReady extends Error {
  override readonly name = 'RedisNotReady';
}

/**
 * A connection on the options that make an unreachable Redis fail fast: no offline queue (a call
 * never waits for a reconnect), a command timeout, no resend of a command whose answer was lost (a
 * `GETDEL` or a compare-and-set must not run twice); it connects on first use and reconnects on its
 * own. Its `error` events are swallowed: every failure reaches the call that met it.
 */
export function redisConnection(url: string, name: string, commandTimeoutMs: number): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    connectionName: name,
  });
  client.on('error', () => {});
  return client;
}

/**
 * Refuses a URL that is not `redis:` or `rediss:` (ioredis would read anything else as a socket path).
 * @throws LatchkeyConfigError
 */
export function assertRedisUrl(owner: string, url: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    // Reported below.
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new LatchkeyConfigError(`${owner}: "url" must be a redis:// or rediss:// URL, e.g. "${DEFAULT_REDIS_URL}".`);
  }
}

/**
 * Refuses a connection of the caller's own that queues commands while disconnected: with Redis down
 * every call would wait for its return (a hang), and run late when it came back.
 * @throws LatchkeyConfigError
 */
export function assertNoOfflineQueue(owner: string, option: string, client: Redis): void {
  if (client.options.enableOfflineQueue !== false) {
    throw new LatchkeyConfigError(
      `${owner}: the "${option}" connection must be made with enableOfflineQueue: false, so that a call fails fast while Redis is down.`,
    );
  }
}

/**
 * Runs calls on `client`, each waiting for the connection first (it connects on first use, and is down
 * while it reconnects) for at most `timeoutMs`, then for its answer at most `timeoutMs` again: a call
 * settles within twice that, and one whose wait ran out is never sent late.
 */
export function redisCalls(client: Redis, timeoutMs: number): <T>(work: () => Promise<T>) => Promise<T> {
  // One wait shared by every call that arrives while the connection is down: one listener, not one a call.
  let ready: Promise<void> | undefined;
  client.on('ready', () => (ready = undefined));
  const whenReady = () =>
    (ready ??= new Promise<void>((resolve) => {
      client.once('ready', resolve);
      if (client.status === 'wait') client.connect().catch(() => {});
    }));
  return async (work) => {
    if (client.status !== 'ready') {
      if (client.status === 'end') throw new RedisNotReady('the connection is closed');
      await deadline(whenReady(), timeoutMs, () => new RedisNotReady(`not connected within ${timeoutMs} ms`));
    }
    return deadline(work(), timeoutMs, () => new Error('Command timed out'));
  };
}

/** `work`, or the `timeout()` error once `ms` have passed; the timer holds no process open. */
export function deadline<T>(work: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), ms);
    timer.unref();
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Quits a connection politely when it is up, else drops it; never waits long, never throws. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await deadline(client.quit(), QUIT_TIMEOUT_MS, () => new Error('quit timed out'));
      return;
    } catch {
      // Dropped below.
    }
  }
  client.disconnect();
}

/**
 * A short, safe account of a Redis failure: the reply's error code (`OOM`, `READONLY`, `WRONGTYPE`…)
 * or what happened to the connection. Never the error's text beyond that, nor its `command`: ioredis
 * attaches the command's arguments (keys, tokens) to its errors.
 */
export function describeRedisError(cause: unknown): string {
  const error = (typeof cause === 'object' && cause !== null ? cause : {}) as Record<string, unknown>;
  const name = typeof error['name'] === 'string' ? error['name'] : 'Error';
  const message = typeof error['message'] === 'string' ? error['message'] : '';
  if (name === 'RedisNotReady') return `Redis is unreachable: ${message}`;
  if (name === 'ReplyError') return /^[A-Z]{2,20}\b/.exec(message)?.[0] ?? 'an error reply';
  if (name === 'MaxRetriesPerRequestError' || message.startsWith('Connection is closed')) return 'the connection was lost';
  if (message === 'Command timed out') return `no answer within the command timeout`;
  if (message.startsWith("Stream isn't writeable")) return 'Redis is unreachable: not connected';
  return name;
}
