import { LatchkeyConfigError } from '@latchkey/core';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useRedisServer } from '../testing/redis-server.ts';
import { sampleSession } from '../testing/sample-session.ts';
import { describeServerSessionStore, expectTouchTakesTheSmallerThrottle } from '../testing/store-contract.ts';
import { encodeSession } from './redis-scripts.ts';
import { redisStore, type RedisStoreOptions } from './redis-store.ts';
import type { HeldLock, ServerSessionStore } from './types.ts';

const MINUTE = 60_000;
const redis = useRedisServer();

// A prefix a test, so that tests never see each other's keys.
const uniquePrefix = () => `test:${globalThis.crypto.randomUUID()}:`;

describeServerSessionStore('redisStore', async () => ({
  store: redisStore({ url: redis.server.url, keyPrefix: uniquePrefix(), touchThrottleMs: 0 }),
  realTime: true,
}));

/** The connections Redis has open under a name. */
async function connectionsNamed(redis: Redis, name: string): Promise<number> {
  const list = String(await redis.client('LIST'));
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

/** How long `work` took to settle, in ms, and whether it rejected. */
async function timed(work: () => Promise<unknown>): Promise<{ ms: number; error: Error | undefined }> {
  const start = performance.now();
  const error = await work().then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  return { ms: performance.now() - start, error };
}

describe('redisStore', () => {
  const opened: ServerSessionStore[] = [];
  let prefix: string;

  function open(options: RedisStoreOptions = {}): ServerSessionStore {
    prefix = options.keyPrefix ?? uniquePrefix();
    const store = redisStore({ url: redis.server.url, keyPrefix: prefix, ...options });
    opened.push(store);
    return store;
  }

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it('opens no connection until first used, and quits it on close()', async () => {
    const name = 'latchkey:store';
    const before = await connectionsNamed(redis.raw, name);
    const store = open();
    expect(await connectionsNamed(redis.raw, name)).toBe(before);
    await store.get('k');
    expect(await connectionsNamed(redis.raw, name)).toBe(before + 1);
    await store.close();
    await vi.waitFor(async () => expect(await connectionsNamed(redis.raw, name)).toBe(before));
  });

  it('leaves a client of its own to its owner on close()', async () => {
    const client = new Redis(redis.server.url, { enableOfflineQueue: false, lazyConnect: true });
    const store = open({ url: undefined, client });
    await store.set('k', sampleSession(), MINUTE);
    await store.close();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });

  it('keeps a session as JSON with a TTL, and its sid and sub sets live as long', async () => {
    const store = open();
    const session = sampleSession({ sub: 'alice', sid: 'op-1' });
    await store.set('k', session, 10 * MINUTE);
    expect(JSON.parse(String(await redis.raw.get(`${prefix}session:k`)))).toEqual(session);
    const ttl = await redis.raw.pttl(`${prefix}session:k`);
    expect(ttl).toBeGreaterThan(9 * MINUTE);
    for (const set of [`${prefix}by-sid:op-1`, `${prefix}by-sub:alice`]) {
      expect(await redis.raw.smembers(set)).toEqual(['k']);
      expect(await redis.raw.pttl(set)).toBeGreaterThanOrEqual(ttl - 1_000);
    }
  });

  it('extends the sid and sub sets with a touch that extends the session', async () => {
    const store = open({ touchThrottleMs: 0 });
    const session = sampleSession({ sub: 'alice', sid: 'op-1' });
    await store.set('k', session, 1_000);
    await store.touch('k', session.lastSeenAtMs + 1, 10 * MINUTE);
    for (const set of [`${prefix}session:k`, `${prefix}by-sid:op-1`, `${prefix}by-sub:alice`]) {
      expect(await redis.raw.pttl(set)).toBeGreaterThan(9 * MINUTE);
    }
  });

  it('does not write a touch within the throttle of the stored lastSeenAtMs, and writes one beyond it', async () => {
    const store = open({ touchThrottleMs: MINUTE });
    const session = sampleSession();
    await store.set('k', session, 1_000);
    await store.touch('k', session.lastSeenAtMs + 30_000, 10 * MINUTE);
    expect((await store.get('k'))?.lastSeenAtMs).toBe(session.lastSeenAtMs);
    expect(await redis.raw.pttl(`${prefix}session:k`)).toBeLessThanOrEqual(1_000);
    await store.touch('k', session.lastSeenAtMs + 61_000, 10 * MINUTE);
    expect((await store.get('k'))?.lastSeenAtMs).toBe(session.lastSeenAtMs + 61_000);
    expect(await redis.raw.pttl(`${prefix}session:k`)).toBeGreaterThan(9 * MINUTE);
  });

  it("takes a touch's own smaller throttle (a short idle timeout's), never a larger one", () =>
    expectTouchTakesTheSmallerThrottle(open({ touchThrottleMs: MINUTE })));

  it('never writes a touch that would move lastSeenAtMs back', async () => {
    const store = open({ touchThrottleMs: 0 });
    const session = sampleSession();
    await store.set('k', session, MINUTE);
    await store.touch('k', session.lastSeenAtMs - MINUTE, 10 * MINUTE);
    expect((await store.get('k'))?.lastSeenAtMs).toBe(session.lastSeenAtMs);
  });

  it('deletes by sid only the sessions still of that sid: a rewritten session left in a set is not', async () => {
    const store = open();
    await store.set('k', sampleSession({ sid: 'op-1' }), MINUTE);
    await store.set('k', sampleSession({ sid: 'op-2' }), MINUTE);
    await store.set('gone', sampleSession({ sid: 'op-1' }), MINUTE);
    await store.delete('gone');
    expect(await store.deleteBy({ sid: 'op-1' })).toEqual([]);
    expect(await redis.raw.exists(`${prefix}by-sid:op-1`)).toBe(0);
    expect(await store.get('k')).toBeDefined();
    expect(await store.deleteBy({ sid: 'op-2' })).toEqual(['k']);
  });

  // Each in the layout the store writes, or near it: lastSeenAtMs and version first.
  const written = encodeSession(sampleSession());
  it.each([
    ['JSON that does not parse', written.slice(0, 60)],
    ['JSON that is not an object', '[1,2,3]'],
    ['another version of the format', written.replace('"v":1', '"v":2')],
    ['a lastSeenAtMs that is not a number', written.replace(/"lastSeenAtMs":\d+/, '"lastSeenAtMs":"soon"')],
    ['a version that is not a number', written.replace('"version":1', '"version":"1"')],
  ])('reads a value holding %s as absent, and touches, replaces or deletes by it without failing', async (_, json) => {
    const store = open({ touchThrottleMs: 0 });
    await redis.raw.set(`${prefix}session:bad`, json, 'PX', MINUTE);
    await redis.raw.sadd(`${prefix}by-sub:user-1`, 'bad');
    expect(await store.get('bad')).toBeUndefined();
    await store.touch('bad', Date.now(), MINUTE);
    const lock = (await store.acquire('bad', MINUTE)) as HeldLock;
    await expect(store.replaceIfLocked('bad', sampleSession({ version: 2 }), MINUTE, { version: 1, lock })).resolves.toEqual(
      expect.any(Boolean),
    );
    await expect(store.deleteBy({ sub: 'user-1' })).resolves.toEqual(expect.any(Array));
  });

  it('lets one of two nodes racing for the lock write, once: a stale version or an expired lock writes nothing', async () => {
    const one = open();
    const two = open({ keyPrefix: prefix });
    await one.set('k', sampleSession(), MINUTE);
    const [a, b] = await Promise.all([one.acquire('k', 200), two.acquire('k', 200)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const [winner, loser, lock] = a ? [one, two, a] : [two, one, b as HeldLock];
    // Many concurrent writes over version 1 with the lock: the first wins, the rest see version 2.
    const writes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? winner : loser).replaceIfLocked('k', sampleSession({ version: 2 }), MINUTE, { version: 1, lock }),
      ),
    );
    expect(writes.filter(Boolean)).toHaveLength(1);
    // The lock expires; the other node takes it and writes version 3; the first, late, writes nothing.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const late = (await loser.acquire('k', MINUTE)) as HeldLock;
    expect(await loser.replaceIfLocked('k', sampleSession({ version: 3 }), MINUTE, { version: 2, lock: late })).toBe(true);
    expect(await winner.replaceIfLocked('k', sampleSession({ version: 4 }), MINUTE, { version: 2, lock })).toBe(false);
    expect(await winner.replaceIfLocked('k', sampleSession({ version: 4 }), MINUTE, { version: 3, lock })).toBe(false);
    expect((await one.get('k'))?.version).toBe(3);
  });

  it('rejects a Redis failure with an Error naming the store and the operation, never the key or a token', async () => {
    const store = open();
    const session = sampleSession();
    await redis.raw.hset(`${prefix}session:secret-key-hash`, 'x', '1');
    await redis.raw.set(`${prefix}lock:secret-key-hash`, 'secret-token');
    const lock = { token: 'secret-token' };
    for (const work of [
      () => store.get('secret-key-hash'),
      () => store.replaceIfLocked('secret-key-hash', session, MINUTE, { version: 1, lock }),
    ]) {
      const { error } = await timed(work);
      expect(error?.message).toMatch(/^redisStore: (get|replaceIfLocked) failed \(WRONGTYPE\)/);
      const shown = `${error?.message} ${JSON.stringify(error?.cause)}`;
      for (const secret of ['secret-key-hash', 'secret-token', session.tokens.stored.access_token]) expect(shown).not.toContain(secret);
    }
  });

  it.each([
    [{ url: 'localhost:6379' }],
    [{ url: 'http://localhost:6379' }],
    [{ url: 'redis://localhost', client: new Redis({ lazyConnect: true, enableOfflineQueue: false }) }],
    [{ client: new Redis({ lazyConnect: true }) }],
    [{ client: new Redis({ lazyConnect: true, enableOfflineQueue: false, keyPrefix: 'x:' }) }],
    [{ commandTimeoutMs: 0 }],
    [{ commandTimeoutMs: 501 }],
    [{ commandTimeoutMs: Number.NaN }],
    [{ touchThrottleMs: -1 }],
    [{ keyPrefix: 42 as unknown as string }],
  ])('refuses the options %o at configuration time', (options) => {
    expect(() => redisStore(options)).toThrow(LatchkeyConfigError);
  });
});

describe('redisStore while Redis is down', () => {
  const faulty = useRedisServer();
  let store: ServerSessionStore;

  beforeAll(async () => {
    store = redisStore({ url: faulty.server.url });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('rejects every call within a second while Redis is down, and works again on its own once it is back', async () => {
    const session = sampleSession();
    await store.set('k', session, MINUTE);
    await faulty.server.stop();
    const lock = { token: 't' };
    const calls = [
      () => store.get('k'),
      () => store.set('k', session, MINUTE),
      () => store.touch('k', Date.now(), MINUTE),
      () => store.replaceIfLocked('k', session, MINUTE, { version: 1, lock }),
      () => store.delete('k'),
      () => store.deleteBy({ sid: 'sid-1' }),
      () => store.putOnce('o', 'v', MINUTE),
      () => store.takeOnce('o'),
      () => store.acquire('k', MINUTE),
      () => store.release('k', lock),
    ];
    const results = await Promise.all(calls.map((call) => timed(call)));
    for (const { ms, error } of results) {
      expect(error?.message).toMatch(/^redisStore: \w+ failed \(/);
      expect(ms).toBeLessThan(1_000);
    }
    // Again, one after another: not only the first calls after the loss.
    for (const call of calls.slice(0, 3)) expect((await timed(call)).ms).toBeLessThan(1_000);
    console.info(`redisStore offline: rejected in ${Math.max(...results.map((r) => r.ms)).toFixed(0)} ms at most`);

    await faulty.server.start();
    const back = performance.now();
    await vi.waitFor(async () => expect(await store.get('k')).toBeUndefined(), { timeout: 5_000, interval: 20 });
    console.info(`redisStore recovered ${(performance.now() - back).toFixed(0)} ms after redis-server was ready`);
    await store.set('k', session, MINUTE);
    expect(await store.get('k')).toEqual(session);
  });
});

describe('redisStore with Redis persistence on', () => {
  const persistent = useRedisServer({ persistence: true });
  let store: ServerSessionStore;

  beforeAll(async () => {
    store = redisStore({ url: persistent.server.url });
  });

  afterAll(async () => {
    await store?.close();
  });

  it.each([
    ['a restart', () => persistent.server.restart()],
    ['a crash (SIGKILL) and a start', () => persistent.server.kill().then(() => persistent.server.start())],
  ])('loses no session, one-time value, index or TTL across %s', async (_, bounce) => {
    const session = sampleSession({ sub: `user-${globalThis.crypto.randomUUID()}` });
    await store.set('k', session, 10 * MINUTE);
    await store.putOnce('o', 'value', 10 * MINUTE);
    await bounce();
    await vi.waitFor(async () => expect(await store.get('k')).toEqual(session), { timeout: 5_000, interval: 20 });
    expect(await store.takeOnce('o')).toBe('value');
    expect(await store.deleteBy({ sub: session.sub })).toEqual(['k']);
  });
});
