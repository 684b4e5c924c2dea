import { LatchkeyConfigError } from '@latchkey/core';
import type { BffSessionBody } from '@latchkey/core/bff';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { redisHub, type RedisHubOptions, type ResubscribingHub } from './redis-hub.ts';
import { useRedisServer } from './testing/redis-server.ts';

const ended: BffSessionBody = { status: 'anonymous', user: null, expiresAt: null, now: 1_000 };
const refreshed: BffSessionBody = {
  status: 'authenticated',
  user: { iss: 'https://idp.example.com/', sub: 'alice', aud: 'app', exp: 2_000, iat: 1_000 },
  expiresAt: 5_000,
  now: 1_000,
};

const redis = useRedisServer();

/** Redis's count of subscribers to the channel: a hub is listening once it counts. */
async function subscribers(channel: string): Promise<number> {
  const [, count] = (await redis.raw.pubsub('NUMSUB', channel)) as [string, number];
  return Number(count);
}

describe('redisHub', () => {
  const hubs: ResubscribingHub[] = [];
  let channel: string;

  function node(options: RedisHubOptions = {}): ResubscribingHub {
    const hub = redisHub({ url: redis.server.url, channel, ...options });
    hubs.push(hub);
    return hub;
  }

  /** Two nodes on one channel, each listening (subscribed through Redis) before the test starts. */
  async function twoNodes(): Promise<[ResubscribingHub, ResubscribingHub]> {
    const nodes: [ResubscribingHub, ResubscribingHub] = [node(), node()];
    for (const hub of nodes) hub.subscribe('warm-up', () => {});
    await vi.waitFor(async () => expect(await subscribers(channel)).toBe(2));
    return nodes;
  }

  beforeEach(() => {
    channel = `test:${globalThis.crypto.randomUUID()}`;
  });

  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((hub) => hub.close()));
  });

  it("delivers a publish to the other node's subscribers of that key once, and to its own at once and once", async () => {
    const [one, two] = await twoNodes();
    const onOne: BffSessionBody[] = [];
    const onTwo: BffSessionBody[] = [];
    const elsewhere: BffSessionBody[] = [];
    one.subscribe('k', (body) => onOne.push(body));
    two.subscribe('k', (body) => onTwo.push(body));
    two.subscribe('other', (body) => elsewhere.push(body));
    one.publish('k', ended);
    expect(onOne).toEqual([ended]);
    await vi.waitFor(() => expect(onTwo).toEqual([ended]));
    // Redis sends in order: once node one has this later message, it had its own before.
    two.publish('k', refreshed);
    await vi.waitFor(() => expect(onOne).toEqual([ended, refreshed]));
    expect(onTwo).toEqual([ended, refreshed]);
    expect(elsewhere).toEqual([]);
  });

  it('stops delivering to a listener once it unsubscribed', async () => {
    const [one, two] = await twoNodes();
    const got: BffSessionBody[] = [];
    const marker: BffSessionBody[] = [];
    const unsubscribe = two.subscribe('k', (body) => got.push(body));
    two.subscribe('marker', (body) => marker.push(body));
    unsubscribe();
    unsubscribe();
    one.publish('k', ended);
    one.publish('marker', ended);
    await vi.waitFor(() => expect(marker).toHaveLength(1));
    expect(got).toEqual([]);
  });

  it.each([
    ['text that is not JSON', 'not json'],
    ['no key', JSON.stringify({ node: 'x', body: ended })],
    ['an empty key', JSON.stringify({ node: 'x', key: '', body: ended })],
    ['no node', JSON.stringify({ key: 'k', body: ended })],
    ['no body', JSON.stringify({ node: 'x', key: 'k' })],
    ['an unknown status', JSON.stringify({ node: 'x', key: 'k', body: { ...ended, status: 'gone' } })],
    ['anonymous with claims', JSON.stringify({ node: 'x', key: 'k', body: { ...ended, user: refreshed.user } })],
    ['authenticated without claims', JSON.stringify({ node: 'x', key: 'k', body: { ...refreshed, user: null } })],
    ['authenticated without an end', JSON.stringify({ node: 'x', key: 'k', body: { ...refreshed, expiresAt: null } })],
    ['a time that is not a number', JSON.stringify({ node: 'x', key: 'k', body: { ...ended, now: '1000' } })],
    ['too much text', JSON.stringify({ node: 'x', key: 'k', body: { ...ended, padding: 'x'.repeat(70_000) } })],
  ])('ignores a message on the channel holding %s', async (_, text) => {
    const [one, two] = await twoNodes();
    const got: BffSessionBody[] = [];
    two.subscribe('k', (body) => got.push(body));
    await redis.raw.publish(channel, text);
    one.publish('k', ended);
    await vi.waitFor(() => expect(got).toEqual([ended]));
  });

  it('passes on only the fields of a session body', async () => {
    const [, two] = await twoNodes();
    const got: BffSessionBody[] = [];
    two.subscribe('k', (body) => got.push(body));
    await redis.raw.publish(channel, JSON.stringify({ node: 'x', key: 'k', body: { ...refreshed, accessToken: 'secret' }, extra: 1 }));
    await vi.waitFor(() => expect(got).toEqual([refreshed]));
  });

  it('keeps one listener failing from stopping the others', async () => {
    const [one, two] = await twoNodes();
    const got: BffSessionBody[] = [];
    two.subscribe('k', () => {
      throw new Error('boom');
    });
    two.subscribe('k', (body) => got.push(body));
    one.publish('k', ended);
    await vi.waitFor(() => expect(got).toEqual([ended]));
  });

  it('unsubscribes and quits its connections on close(), and delivers locally only after it', async () => {
    const [one] = await twoNodes();
    const got: BffSessionBody[] = [];
    one.subscribe('k', (body) => got.push(body));
    await one.close();
    await one.close();
    await vi.waitFor(async () => expect(await subscribers(channel)).toBe(1));
    one.publish('k', ended);
    expect(got).toEqual([ended]);
  });

  it('leaves connections of its own to their owner on close()', async () => {
    const publisher = new Redis(redis.server.url, { enableOfflineQueue: false });
    const subscriber = new Redis(redis.server.url);
    const hub = node({ url: undefined, publisher, subscriber });
    hub.subscribe('k', () => {});
    await vi.waitFor(async () => expect(await subscribers(channel)).toBe(1));
    await hub.close();
    expect(await subscribers(channel)).toBe(0);
    expect(await publisher.ping()).toBe('PONG');
    publisher.disconnect();
    subscriber.disconnect();
  });

  const both = new Redis({ lazyConnect: true, enableOfflineQueue: false });
  it.each<[string, RedisHubOptions]>([
    ['a URL that is not redis:', { url: 'localhost:6379' }],
    ['an empty channel', { channel: '' }],
    ['a publisher that queues while disconnected', { publisher: new Redis({ lazyConnect: true }) }],
    ['one connection to publish and subscribe on', { publisher: both, subscriber: both }],
  ])('refuses %s at configuration time', (_, options) => {
    expect(() => redisHub(options)).toThrow(LatchkeyConfigError);
  });
});

describe('redisHub across a Redis restart', () => {
  const faulty = useRedisServer();
  const hubs: ResubscribingHub[] = [];

  afterAll(async () => {
    await Promise.all(hubs.map((hub) => hub.close()));
  });

  it('calls onResubscribed once it listens again after a restart, and delivers across nodes again', async () => {
    const [one, two] = [redisHub({ url: faulty.server.url }), redisHub({ url: faulty.server.url })];
    hubs.push(one, two);
    const got: BffSessionBody[] = [];
    const resubscribed = vi.fn();
    const unheard = vi.fn();
    two.onResubscribed(resubscribed);
    two.onResubscribed(unheard)();
    one.subscribe('warm-up', () => {});
    two.subscribe('k', (body) => got.push(body));
    await vi.waitFor(() => expect(resubscribed).toHaveBeenCalledTimes(1)); // its first subscription, streams waiting
    one.publish('k', ended);
    await vi.waitFor(() => expect(got).toEqual([ended]));

    await faulty.server.stop();
    // Redis down: a publish reaches this node's subscribers, and throws nothing.
    const local: BffSessionBody[] = [];
    one.subscribe('local', (body) => local.push(body));
    one.publish('local', ended);
    expect(local).toEqual([ended]);

    const restarted = performance.now();
    await faulty.server.start();
    await vi.waitFor(() => expect(resubscribed).toHaveBeenCalledTimes(2), { timeout: 5_000, interval: 20 });
    console.info(`redisHub resubscribed ${(performance.now() - restarted).toFixed(0)} ms after redis-server started`);
    expect(unheard).not.toHaveBeenCalled();
    await vi.waitFor(async () => {
      one.publish('k', refreshed);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(got.at(-1)).toEqual(refreshed);
    });
  });
});
