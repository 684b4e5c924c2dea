import { LatchkeyConfigError } from '@latchkey/core';
import type { Redis } from 'ioredis';
import { assertTtl } from './local-locks.ts';
import { parseServerSession } from './parse-server-session.ts';
import {
  assertNoOfflineQueue,
  assertRedisUrl,
  closeRedis,
  DEFAULT_REDIS_URL,
  describeRedisError,
  MAX_COMMAND_TIMEOUT_MS,
  redisCalls,
  redisConnection,
} from './redis-connection.ts';
import { DELETE_BY_SCRIPT, encodeSession, redisKeys, RELEASE_SCRIPT, REPLACE_SCRIPT, SET_SCRIPT, TOUCH_SCRIPT } from './redis-scripts.ts';
import type { HeldLock, ReplaceExpectation, ServerSession, ServerSessionStore } from './types.ts';

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /**
   * A connection of your own instead of `url` (Sentinel, TLS options…), made with
   * `enableOfflineQueue: false` and no `keyPrefix`. `close()` leaves it open: it is yours to quit.
   */
  readonly client?: Redis;
  /** Put before every key, so that apps can share one Redis. Default `latchkey:`. */
  readonly keyPrefix?: string;
  /**
   * How long a call waits for the connection, and then for its answer: with Redis down a call
   * rejects after this (the BFF answers 503). Default and at most 500 ms.
   */
  readonly commandTimeoutMs?: number;
  /**
   * A `touch` writes only when the stored `lastSeenAtMs` is older than this before the new one; a
   * throttled touch writes nothing, so the idle end may come early by at most this. Default 60 s.
   */
  readonly touchThrottleMs?: number;
}

const DEFAULT_KEY_PREFIX = 'latchkey:';
const DEFAULT_TOUCH_THROTTLE_MS = 60_000;

/**
 * The failure of one operation, as an `Error` that names the store and the operation and keeps only a
 * short account of the cause: never ioredis's error itself, which carries the command's arguments (keys, tokens).
 */
function storeError(operation: string, cause: unknown): Error {
  const detail = describeRedisError(cause);
  return new Error(`redisStore: ${operation} failed (${detail}). Check that Redis is up and reachable; calls work again once it is.`, {
    cause: { detail },
  });
}

// Redis's smallest TTL is 1 ms, in whole milliseconds.
const px = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs));

class RedisSessionStore implements ServerSessionStore {
  readonly #client: Redis;
  readonly #owned: boolean;
  readonly #call: <T>(work: () => Promise<T>) => Promise<T>;
  readonly #keys: ReturnType<typeof redisKeys>;
  /** See {@link ServerSessionStore.touchThrottleMs}. */
  readonly touchThrottleMs: number;
  #closed = false;

  constructor(client: Redis, owned: boolean, options: RedisStoreOptions) {
    this.#client = client;
    this.#owned = owned;
    this.#call = redisCalls(client, options.commandTimeoutMs ?? MAX_COMMAND_TIMEOUT_MS);
    this.#keys = redisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.touchThrottleMs = options.touchThrottleMs ?? DEFAULT_TOUCH_THROTTLE_MS;
  }

  async get(key: string): Promise<ServerSession | undefined> {
    const json = await this.#run('get', (redis) => redis.get(this.#keys.session(key)));
    return parseServerSession(json);
  }

  async set(key: string, session: ServerSession, ttlMs: number): Promise<void> {
    assertTtl(ttlMs);
    const indexes = this.#keys.indexes(session);
    await this.#run('set', (redis) =>
      redis.eval(SET_SCRIPT, 1 + indexes.length, this.#keys.session(key), ...indexes, encodeSession(session), px(ttlMs), key),
    );
  }

  async replaceIfLocked(key: string, session: ServerSession, ttlMs: number, expected: ReplaceExpectation): Promise<boolean> {
    assertTtl(ttlMs);
    const k = this.#keys;
    const indexes = k.indexes(session);
    const written = await this.#run('replaceIfLocked', (redis) =>
      redis.eval(
        REPLACE_SCRIPT,
        2 + indexes.length,
        k.lock(key),
        k.session(key),
        ...indexes,
        encodeSession(session),
        px(ttlMs),
        key,
        expected.lock.token,
        String(expected.version),
      ),
    );
    return written === 1;
  }

  async touch(key: string, lastSeenAtMs: number, ttlMs: number, throttleMs = this.touchThrottleMs): Promise<void> {
    assertTtl(ttlMs);
    // Written into the JSON as it is: it has to be a JSON number.
    if (!Number.isFinite(lastSeenAtMs)) throw new RangeError(`lastSeenAtMs must be a finite number, not ${String(lastSeenAtMs)}.`);
    const k = this.#keys;
    await this.#run('touch', (redis) =>
      redis.eval(
        TOUCH_SCRIPT,
        1,
        k.session(key),
        String(lastSeenAtMs),
        px(ttlMs),
        Math.min(throttleMs, this.touchThrottleMs),
        key,
        k.bySub(''),
        k.bySid(''),
      ),
    );
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#run('delete', (redis) => redis.del(this.#keys.session(key)))) === 1;
  }

  async deleteBy(match: { readonly sid?: string; readonly sub?: string }): Promise<string[]> {
    const by =
      match.sid !== undefined ? (['sid', match.sid] as const) : match.sub !== undefined ? (['sub', match.sub] as const) : undefined;
    if (by === undefined) {
      this.#assertOpen('deleteBy');
      return [];
    }
    const [field, value] = by;
    const set = field === 'sid' ? this.#keys.bySid(value) : this.#keys.bySub(value);
    const deleted = await this.#run('deleteBy', (redis) => redis.eval(DELETE_BY_SCRIPT, 1, set, field, value, this.#keys.session('')));
    return Array.isArray(deleted) ? deleted.map(String) : [];
  }

  async putOnce(key: string, value: string, ttlMs: number): Promise<boolean> {
    assertTtl(ttlMs);
    return (await this.#run('putOnce', (redis) => redis.set(this.#keys.once(key), value, 'PX', px(ttlMs), 'NX'))) === 'OK';
  }

  async takeOnce(key: string): Promise<string | undefined> {
    return (await this.#run('takeOnce', (redis) => redis.getdel(this.#keys.once(key)))) ?? undefined;
  }

  async acquire(key: string, ttlMs: number): Promise<HeldLock | undefined> {
    assertTtl(ttlMs);
    const token = globalThis.crypto.randomUUID();
    const taken = await this.#run('acquire', (redis) => redis.set(this.#keys.lock(key), token, 'PX', px(ttlMs), 'NX'));
    return taken === 'OK' ? { token } : undefined;
  }

  async release(key: string, lock: HeldLock): Promise<void> {
    await this.#run('release', (redis) => redis.eval(RELEASE_SCRIPT, 1, this.#keys.lock(key), lock.token));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await closeRedis(this.#client);
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new Error(`redisStore: ${operation} after close(); the store is closed.`);
  }

  async #run<T>(operation: string, work: (redis: Redis) => Promise<T>): Promise<T> {
    this.#assertOpen(operation);
    try {
      return await this.#call(() => work(this.#client));
    } catch (cause) {
      throw storeError(operation, cause);
    }
  }
}

/**
 * A {@link ServerSessionStore} in Redis, for a BFF on many nodes: any node serves any session, a refresh
 * is made once across them (the lock is in Redis), and back-channel logout finds a session whatever node
 * made it. Built for a Redis that is sometimes down: no offline queue and a short command timeout, so
 * each call rejects within a second (never a hang, never a silent sign-out), and the connection comes
 * back on its own. With Redis persistence on (`appendonly yes`), a Redis restart loses no session.
 *
 * One Redis (or a Sentinel-managed primary), not a Cluster: `deleteBy` reaches keys it reads from a set.
 * The connection opens on first use. Values that do not read back as a session are treated as absent.
 *
 * @throws LatchkeyConfigError (`LATCHKEY_CONFIG_INVALID`) when an option is out of range, or `client`
 * queues commands while disconnected. Methods reject with an `Error` naming the store and the operation
 * (never a key or a token) when Redis fails or cannot be reached in time.
 */
export function redisStore(options: RedisStoreOptions = {}): ServerSessionStore {
  const { url, client, keyPrefix, commandTimeoutMs, touchThrottleMs } = options;
  if (url !== undefined && client !== undefined) throw new LatchkeyConfigError('redisStore: give "url" or "client", not both.');
  if (url !== undefined) assertRedisUrl('redisStore', url);
  if (client !== undefined) assertNoOfflineQueue('redisStore', 'client', client);
  // ioredis would prefix the keys a script is given, not those it builds from a set's members.
  if (client?.options.keyPrefix)
    throw new LatchkeyConfigError('redisStore: make "client" without a keyPrefix; give it as "keyPrefix" here.');
  if (keyPrefix !== undefined && typeof keyPrefix !== 'string') {
    throw new LatchkeyConfigError('redisStore: "keyPrefix" must be a string, e.g. "myapp:".');
  }
  if (commandTimeoutMs !== undefined && !(commandTimeoutMs >= 1 && commandTimeoutMs <= MAX_COMMAND_TIMEOUT_MS)) {
    throw new LatchkeyConfigError(
      `redisStore: "commandTimeoutMs" must be between 1 and ${MAX_COMMAND_TIMEOUT_MS} milliseconds, not ${String(commandTimeoutMs)}.`,
    );
  }
  if (touchThrottleMs !== undefined && !(Number.isFinite(touchThrottleMs) && touchThrottleMs >= 0)) {
    throw new LatchkeyConfigError(`redisStore: "touchThrottleMs" must be 0 or more milliseconds, not ${String(touchThrottleMs)}.`);
  }
  const timeoutMs = commandTimeoutMs ?? MAX_COMMAND_TIMEOUT_MS;
  return client !== undefined
    ? new RedisSessionStore(client, false, options)
    : new RedisSessionStore(redisConnection(url ?? DEFAULT_REDIS_URL, 'latchkey:store', timeoutMs), true, options);
}
