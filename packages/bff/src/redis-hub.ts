import { LatchkeyConfigError } from '@latchkey/core';
import type { BffSessionBody } from '@latchkey/core/bff';
import type { Redis } from 'ioredis';
import { memoryHub, type SessionHub } from './hub.ts';
import {
  assertNoOfflineQueue,
  assertRedisUrl,
  closeRedis,
  deadline,
  DEFAULT_REDIS_URL,
  MAX_COMMAND_TIMEOUT_MS,
  redisCalls,
  redisConnection,
} from './stores/redis-connection.ts';

/**
 * A {@link SessionHub} across nodes, which loses the messages sent while its connection is down and
 * says when it is listening again.
 */
export interface ResubscribingHub extends SessionHub {
  /**
   * Calls `listener` each time the hub is listening again after a time it may have missed messages:
   * after every reconnect, and after a first subscription that open streams were already waiting for.
   * Then re-read the session of every open stream, and push what changed. Returns the unsubscribe.
   */
  onResubscribed(listener: () => void): () => void;
  /** Stops listening; quits the connections it made (not those it was given). Delivery is local after it. */
  close(): Promise<void>;
}

/** Options of {@link redisHub}. */
export interface RedisHubOptions {
  /** The Redis every node uses (as `redisStore`'s `url`). Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** A connection of your own to publish on, made with `enableOfflineQueue: false`. */
  readonly publisher?: Redis;
  /** A connection of your own to subscribe on: in subscriber mode, it can do nothing else. */
  readonly subscriber?: Redis;
  /** The one channel of every session's changes. Default `latchkey:sessions`. */
  readonly channel?: string;
}

const DEFAULT_CHANNEL = 'latchkey:sessions';
// A message is a key and a session body (claims and two numbers); anything much larger is garbage.
const MAX_MESSAGE_LENGTH = 64 * 1024;
// A subscriber connection that died without a word (a NAT dropped it) is found by this, and replaced.
const PING_INTERVAL_MS = 10_000;

interface HubMessage {
  /** The hub that sent it: it delivered to its own subscribers already. */
  readonly node: string;
  readonly key: string;
  readonly body: BffSessionBody;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** Reads a message of another node, or `undefined` for anything else (never a throw): only the fields of a body. */
export function parseHubMessage(text: string): HubMessage | undefined {
  if (text.length > MAX_MESSAGE_LENGTH) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value['node'] !== 'string' || typeof value['key'] !== 'string' || value['key'] === '') return undefined;
  const { node, key, body } = value as { node: string; key: string; body: unknown };
  if (!isRecord(body) || !isTime(body['now'])) return undefined;
  const { status, user, expiresAt, now } = body;
  if (status === 'anonymous' && user === null && expiresAt === null) return { node, key, body: { status, user, expiresAt, now } };
  if (status === 'authenticated' && isRecord(user) && typeof user['sub'] === 'string' && user['sub'] !== '' && isTime(expiresAt)) {
    return { node, key, body: { status, user: user as BffSessionBody['user'], expiresAt, now } };
  }
  return undefined;
}

/**
 * A {@link SessionHub} shared by every node through Redis pub/sub, so that a logout or back-channel
 * logout on one node reaches the event streams open on all of them. A publish reaches this node's
 * subscribers at once (never a second time through Redis), and the other nodes' through one channel.
 *
 * Pub/sub keeps nothing: a message sent while a node is disconnected is lost to it. So after it
 * listens again, `onResubscribed` asks the caller to re-read the sessions of its open streams. The
 * hub connects when first subscribed to, and reconnects on its own; a publish while Redis is down
 * reaches this node only.
 *
 * @throws LatchkeyConfigError (`LATCHKEY_CONFIG_INVALID`) when an option is invalid, or `publisher`
 *   queues commands while disconnected.
 */
export function redisHub(options: RedisHubOptions = {}): ResubscribingHub {
  const channel = options.channel ?? DEFAULT_CHANNEL;
  const { url = DEFAULT_REDIS_URL } = options;
  assertRedisUrl('redisHub', url);
  if (typeof channel !== 'string' || channel === '') throw new LatchkeyConfigError('redisHub: "channel" must be a non-empty string.');
  if (options.publisher !== undefined) assertNoOfflineQueue('redisHub', 'publisher', options.publisher);
  if (options.publisher !== undefined && options.publisher === options.subscriber) {
    throw new LatchkeyConfigError(
      'redisHub: "publisher" and "subscriber" must be two connections: one in subscriber mode can publish nothing.',
    );
  }
  const publisher = options.publisher ?? redisConnection(url, 'latchkey:hub:publish', MAX_COMMAND_TIMEOUT_MS);
  const subscriber = options.subscriber ?? redisConnection(url, 'latchkey:hub:subscribe', MAX_COMMAND_TIMEOUT_MS);
  const send = redisCalls(publisher, MAX_COMMAND_TIMEOUT_MS);
  const local = memoryHub();
  const node = globalThis.crypto.randomUUID();
  const resubscribed = new Set<() => void>();
  let listeners = 0;
  let subscribedOnce = false;
  let pinger: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  const onMessage = (from: string, text: string) => {
    if (from !== channel) return;
    const message = parseHubMessage(text);
    if (message !== undefined && message.node !== node) local.publish(message.key, message.body);
  };

  // On every 'ready' (the first connection and each reconnect): the subscription is made anew.
  const subscribe = async () => {
    try {
      await subscriber.subscribe(channel);
    } catch {
      return; // The next 'ready' tries again.
    }
    if (closed) return;
    const missed = subscribedOnce || listeners > 0;
    subscribedOnce = true;
    if (!missed) return;
    for (const listener of [...resubscribed]) {
      try {
        listener();
      } catch {
        // One listener's failure is not another's.
      }
    }
  };

  const listen = () => {
    if (pinger !== undefined || closed) return;
    subscriber.on('message', onMessage);
    subscriber.on('ready', subscribe);
    if (subscriber.status === 'ready') void subscribe();
    else if (subscriber.status === 'wait') subscriber.connect().catch(() => {});
    pinger = setInterval(() => {
      if (subscriber.status !== 'ready') return;
      deadline(subscriber.ping(), MAX_COMMAND_TIMEOUT_MS, () => new Error('no pong')).catch(() => {
        // Ours only: a connection we were given is its owner's to replace.
        if (options.subscriber === undefined) subscriber.disconnect(true);
      });
    }, PING_INTERVAL_MS);
    pinger.unref();
  };

  return {
    subscribe(key, listener) {
      listen();
      listeners += 1;
      const unsubscribe = local.subscribe(key, listener);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        listeners -= 1;
        unsubscribe();
      };
    },
    publish(key, body) {
      local.publish(key, body);
      if (closed) return;
      const message = JSON.stringify({ node, key, body } satisfies HubMessage);
      // Lost while Redis is down: the other nodes re-read their streams when they listen again.
      send(() => publisher.publish(channel, message)).catch(() => {});
    },
    onResubscribed(listener) {
      const own = () => listener();
      resubscribed.add(own);
      return () => void resubscribed.delete(own);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(pinger);
      resubscribed.clear();
      subscriber.off('message', onMessage);
      subscriber.off('ready', subscribe);
      if (options.subscriber === undefined) await closeRedis(subscriber);
      else if (pinger !== undefined)
        await deadline(subscriber.unsubscribe(channel), MAX_COMMAND_TIMEOUT_MS, () => new Error('timed out')).catch(() => {});
      if (options.publisher === undefined) await closeRedis(publisher);
    },
  };
}
