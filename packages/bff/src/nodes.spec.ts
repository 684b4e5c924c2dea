// Several BFF nodes on one Redis (real redis-server, real dev provider): a session refreshed once per
// rotation however many nodes need it, a refresh whose lock was lost writes nothing, a per-node cap on
// refreshes, and a node that died between the provider's rotation and the write ends that one session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisHub } from './redis-hub.ts';
import { REFRESH_MARGIN_MS } from './sessions.ts';
import { redisStore } from './stores/index.ts';
import type { ServerSessionStore } from './stores/types.ts';
import { TestBrowser } from './testing/browser.ts';
import { makeTestBff, startServer, startTestIdp, testClock, type TestBff, type TestIdp, type TestServer } from './testing/harness.ts';
import { startRedisServer, type TestRedisServer } from './testing/redis-server.ts';

const TOKEN_TTL_SECONDS = 120;

let idp: TestIdp;
let redis: TestRedisServer;
let upstream: TestServer;
const clock = testClock();
const nodes: TestBff[] = [];

/** A node: its own Redis connections (store and hub), the shared clock, the demo API upstream. */
function node(store: ServerSessionStore = redisStore({ url: redis.url }), extra: Parameters<typeof makeTestBff>[1] = {}): TestBff {
  const made = makeTestBff(idp, { store, hub: redisHub({ url: redis.url }), now: clock.now, ...extra }, upstream);
  nodes.push(made);
  return made;
}

/** A browser whose requests go to the nodes in turn, as behind a round-robin load balancer. */
function browserOver(...over: TestBff[]): TestBrowser {
  let next = 0;
  return new TestBrowser(idp.appOrigin, async (request) => {
    const target = over[next++ % over.length] as TestBff;
    return (await target.bff.handle(request)) ?? new Response('not the BFF', { status: 404 });
  });
}

/** `store` with some of its methods replaced (its own methods stay bound to it). */
function overriding(store: ServerSessionStore, replaced: Partial<ServerSessionStore>): ServerSessionStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name in replaced) return replaced[name as keyof ServerSessionStore];
      const value = Reflect.get(target, name, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const refreshes = (...over: TestBff[]) =>
  over.flatMap((n) => n.calls).filter((call) => call.url.endsWith('/token') && call.body.includes('grant_type=refresh_token'));

beforeAll(async () => {
  idp = await startTestIdp({ tokenTtlSeconds: TOKEN_TTL_SECONDS });
  redis = await startRedisServer();
  upstream = await startServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ authorization: req.headers['authorization'] ?? null }));
  });
});

afterAll(async () => {
  for (const n of nodes) await n.bff.close();
  await upstream?.close();
  await redis?.close();
  await idp?.close();
});

const due = () => clock.advance(TOKEN_TTL_SECONDS * 1000 - REFRESH_MARGIN_MS + 5_000);

describe('many nodes on one Redis', () => {
  it('any node serves any session', async () => {
    const [a, b, c] = [node(), node(), node()];
    const browser = browserOver(a, b, c);
    await browser.signIn();
    for (let i = 0; i < 6; i++) expect((await browser.session()).body['status']).toBe('authenticated');
    for (let i = 0; i < 6; i++) expect((await browser.fetchFromPage('/bff/api/demo/x')).status).toBe(200);
  });

  it('makes exactly one refresh per rotation when calls for one session reach several nodes as its token is due', async () => {
    const [a, b, c] = [node(), node(), node()];
    const browser = browserOver(a, b, c);
    await browser.signIn();
    for (let rotation = 1; rotation <= 3; rotation++) {
      const before = refreshes(a, b, c).length;
      due();
      const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => browser.fetchFromPage(`/bff/api/demo/r${rotation}/${i}`)));
      expect(answers.map((answer) => answer.status)).toEqual(Array(9).fill(200));
      const seen = new Set(
        await Promise.all(answers.map(async (answer) => ((await answer.json()) as { authorization: string }).authorization)),
      );
      expect(refreshes(a, b, c).length - before, `rotation ${rotation}`).toBe(1);
      // Every call carried the one new token: no node used a stale one, none refreshed again.
      expect(seen.size).toBe(1);
    }
    expect((await browser.session()).body['status']).toBe('authenticated');
  });

  it("writes nothing when its lock was lost before the write (the other node's tokens stand)", async () => {
    const shared = redisStore({ url: redis.url });
    // As if the lock had expired while the provider answered: the compare-and-set refuses.
    const lostLock = overriding(shared, { replaceIfLocked: async () => false });
    const a = node(lostLock);
    const browser = browserOver(a);
    await browser.signIn();
    const key = [...a.store.keys].find((k) => k.startsWith('session:')) as string;
    const stored = await shared.get(key);
    due();
    const answer = await browser.fetchFromPage('/bff/api/demo/lost');
    expect(answer.status).toBe(200);
    const after = await shared.get(key);
    expect(after?.version).toBe(stored?.version);
    expect(after?.tokens.stored.refresh_token).toBe(stored?.tokens.stored.refresh_token);
  });

  it('keeps at most maxConcurrentRefreshes refresh requests in flight from one node', async () => {
    let inFlight = 0;
    let most = 0;
    const counting: typeof fetch = async (input, init) => {
      const isRefresh = String(init?.body ?? '').includes('grant_type=refresh_token');
      if (isRefresh) most = Math.max(most, ++inFlight);
      try {
        return await fetch(input, init);
      } finally {
        if (isRefresh) inFlight--;
      }
    };
    const a = node(undefined, { maxConcurrentRefreshes: 1, fetch: counting });
    const browsers = [browserOver(a), browserOver(a), browserOver(a)];
    for (const browser of browsers) await browser.signIn();
    due();
    const answers = await Promise.all(browsers.map((browser) => browser.fetchFromPage('/bff/api/demo/storm')));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(most).toBe(1);
  });

  it('a node that dies after the provider rotated the token, before storing it, loses that one session: a coded sign-out, never a loop', async () => {
    const shared = redisStore({ url: redis.url });
    let dies = true;
    // The write of the rotated tokens never happens (the node died there): the store keeps the used token.
    const dying = overriding(shared, {
      replaceIfLocked: async (...args) => {
        if (!dies) return shared.replaceIfLocked(...args);
        dies = false;
        throw new Error('node killed (test)');
      },
    });
    const a = node(dying);
    const b = node();
    const browser = browserOver(a);
    await browser.signIn();
    due();
    expect((await browser.fetchFromPage('/bff/api/demo/dies')).status).toBe(503);
    // Another node picks the session up with the rotated-away refresh token: refused, the session ends.
    const other = browserOver(b);
    other.jar.plant(new URL(idp.appOrigin), '__Host-Http-latchkey', browser.sessionId as string);
    const before = refreshes(a, b).length;
    const ended = await other.fetchFromPage('/bff/api/demo/after');
    expect(ended.status).toBe(401);
    expect(((await ended.json()) as { error: string }).error).toBe('LATCHKEY_LOGIN_REQUIRED');
    expect(refreshes(a, b).length - before).toBe(1);
    // And that is the end of it: anonymous, no more refreshes.
    expect((await other.fetchFromPage('/bff/api/demo/again')).status).toBe(401);
    expect((await other.session()).body['status']).toBe('anonymous');
    expect(refreshes(a, b).length - before).toBe(1);
  });
});
