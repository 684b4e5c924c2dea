import { describe, expect, it, vi } from 'vitest';
import { REQUEST_TIMEOUT_MS } from './protocol/deadline.ts';
import { memoryStore } from './session-store.ts';
import type { SessionPorts } from './session/index.ts';
import { createFakeBrowser, createFakeWorld, LaggingSharedStore, type FakeBrowser } from './testing/fake-browser.ts';
import { failureOf } from './testing/failure-of.ts';
import {
  CLIENT_ID,
  KEY,
  advance,
  asyncSharedStore,
  expectOneRefreshPerRotation,
  flushIo,
  provider,
  signIn,
  storedRefreshToken,
  tab,
  world,
  useFakeWorld,
} from './testing/harness.ts';

useFakeWorld();

describe('refresh', () => {
  it('refreshes at 75 % of the lifetime, stores the rotated refresh token, and stays signed in', async () => {
    const t = tab();
    await signIn(t);
    const firstRt = storedRefreshToken();
    const refreshed: number[] = [];
    t.session.on('refreshed', (e) => refreshed.push(e.expiresAt));
    await advance(74_000);
    expect(provider.refreshRequests).toBe(0);
    await advance(2_000);
    expect(provider.refreshRequests).toBe(1);
    expect(refreshed).toHaveLength(1);
    expect(storedRefreshToken()).not.toBe(firstRt);
    expect(t.session.getState()).toMatchObject({ status: 'authenticated', expiringSoon: false });
    expect(t.session.getState().expiresAt).toBeGreaterThan(Date.now() + 90_000);
  });

  it('shares one request between concurrent getAccessToken() callers', async () => {
    const t = tab();
    await signIn(t);
    vi.setSystemTime(Date.now() + 80_000);
    const tokens = await Promise.all([t.session.getAccessToken(), t.session.getAccessToken(), t.session.getAccessToken()]);
    expect(provider.refreshRequests).toBe(1);
    expect(new Set(tokens).size).toBe(1);
  });

  it('getAccessToken({ forceRefresh, rejectedToken }) refreshes only while the refused token is still the current one', async () => {
    const t = tab();
    await signIn(t);
    const first = await t.session.getAccessToken();
    const second = await t.session.getAccessToken({ forceRefresh: true, rejectedToken: first });
    expect(provider.refreshRequests).toBe(1);
    expect(second).not.toBe(first);
    // A late 401 for a request sent with the first token: renewed already, so no second refresh.
    expect(await t.session.getAccessToken({ forceRefresh: true, rejectedToken: first })).toBe(second);
    expect(provider.refreshRequests).toBe(1);
  });

  it('getAccessToken({ forceRefresh }) refreshes once for concurrent callers, then hands out the new token', async () => {
    const t = tab();
    await signIn(t);
    const before = await t.session.getAccessToken();
    const after = await Promise.all([t.session.getAccessToken({ forceRefresh: true }), t.session.getAccessToken({ forceRefresh: true })]);
    expect(provider.refreshRequests).toBe(1);
    expect(after[0]).not.toBe(before);
    expect(after[1]).toBe(after[0]);
  });

  it('five tabs reaching the refresh instant together make exactly one request per rotation, over 10 rotations', async () => {
    const tabs = Array.from({ length: 5 }, () => tab());
    await signIn(tabs[0]!);
    for (const t of tabs.slice(1)) await t.session.ready();
    await advance(0);
    expect(tabs.every((t) => t.session.isAuthenticated())).toBe(true);
    await expectOneRefreshPerRotation(10);
    const accessTokens = await Promise.all(tabs.map((t) => t.session.getAccessToken()));
    expect(new Set(accessTokens).size).toBe(1);
    expect(tabs.every((t) => t.session.isAuthenticated())).toBe(true);
  });

  it("five tabs whose localStorage sees the others' writes late still make one request per rotation (no reuse)", async () => {
    const lagging = new LaggingSharedStore(40);
    const tabs = Array.from({ length: 5 }, () => {
      const events = new EventTarget();
      return tab({}, createFakeBrowser(provider, { world, store: lagging.view(events), events }));
    });
    await signIn(tabs[0]!);
    await advance(100, 20);
    expect(tabs.every((t) => t.session.isAuthenticated())).toBe(true);
    await expectOneRefreshPerRotation(10);
    expect(tabs.every((t) => t.session.isAuthenticated())).toBe(true);
  });

  it('retries a refresh that cannot have been processed (503, 429, no response) with backoff, staying signed in', async () => {
    const t = tab();
    await signIn(t);
    let failures = 0;
    provider.hooks.refreshUnprocessed = (attempt) => {
      if (attempt === 1) return new Response('busy', { status: 503 });
      if (attempt === 2) return new Response('slow down', { status: 429 });
      if (attempt === 3) {
        failures++;
        return new TypeError('Failed to fetch');
      }
      return undefined;
    };
    await advance(76_000);
    expect(t.session.isAuthenticated()).toBe(true);
    await advance(20_000);
    expect(provider.refreshRequests).toBe(4);
    expect(failures).toBe(1);
    expect(t.session.getState()).toMatchObject({ status: 'authenticated', error: null });
    expect(t.session.getState().expiresAt).toBeGreaterThan(Date.now() + 50_000);
  });

  it('never retries a refresh answered with a 500; the session lasts until its end, expiring soon', async () => {
    const t = tab();
    await signIn(t);
    provider.hooks.refreshResponse = () => new Response('oops', { status: 500 });
    await advance(76_000);
    expect(provider.refreshRequests).toBe(1);
    expect(t.session.getState()).toMatchObject({ status: 'authenticated', expiringSoon: true });
    expect(t.session.getState().error?.code).toBe('LATCHKEY_TOKEN_REQUEST_FAILED');
    t.browser.events.dispatchEvent(new Event('online'));
    await advance(10_000);
    expect(provider.refreshRequests).toBe(1);
    await advance(15_000);
    expect(t.session.getState().status).toBe('anonymous');
    expect(provider.refreshRequests).toBe(1);
  });

  it('ends the session once on invalid_grant, in every tab', async () => {
    const a = tab();
    const b = tab();
    await signIn(a);
    await advance(0);
    expect(b.session.isAuthenticated()).toBe(true);
    provider.hooks.refreshResponse = () =>
      new Response('{"error":"invalid_grant"}', { status: 400, headers: { 'content-type': 'application/json' } });
    await advance(76_000);
    expect(provider.refreshRequests).toBe(1);
    expect(a.session.getState().error?.code).toBe('LATCHKEY_REFRESH_REJECTED');
    expect(a.session.isAuthenticated()).toBe(false);
    expect(b.session.isAuthenticated()).toBe(false);
    expect(world.store.get(KEY)).toBeNull();
    await advance(200_000);
    expect(provider.refreshRequests).toBe(1);
  });

  it.each([
    ['another sub', (c: Record<string, unknown>) => ({ ...c, sub: 'bob' })],
    ['another iss', (c: Record<string, unknown>) => ({ ...c, iss: 'https://evil.example' })],
    ['another aud', (c: Record<string, unknown>) => ({ ...c, aud: [CLIENT_ID, 'other'], azp: CLIENT_ID })],
    ['a new azp', (c: Record<string, unknown>) => ({ ...c, azp: CLIENT_ID })],
  ])('ends the session when the refreshed ID token has %s', async (_name, hook) => {
    const t = tab();
    await signIn(t);
    provider.hooks.refreshIdTokenClaims = hook;
    await advance(76_000);
    expect(t.session.isAuthenticated()).toBe(false);
    expect(['LATCHKEY_IDENTITY_CHANGED', 'LATCHKEY_ID_TOKEN_INVALID']).toContain(t.session.getState().error?.code);
    expect(world.store.get(KEY)).toBeNull();
  });

  it('keeps the claims when a refresh response has no ID token', async () => {
    const t = tab();
    await signIn(t);
    provider.hooks.refreshResponse = ({ id_token: _drop, ...body }) => body;
    await advance(76_000);
    expect(t.session.getState()).toMatchObject({ status: 'authenticated' });
    expect(t.session.getState().user?.name).toBe('Alice Liddell');
  });

  it('works with a 10 s lifetime without a request loop', async () => {
    provider.tokenTtlSeconds = 10;
    const t = tab();
    await signIn(t);
    await advance(60_000);
    expect(provider.refreshRequests).toBeGreaterThanOrEqual(7);
    expect(provider.refreshRequests).toBeLessThanOrEqual(9);
    expect(t.session.isAuthenticated()).toBe(true);
  });

  it('a refresh answer without expires_in and without an ID token, after the ID token expired, is refused once: no request loop', async () => {
    const t = tab();
    await signIn(t);
    provider.hooks.refreshResponse = ({ id_token: _idToken, expires_in: _expiresIn, ...body }) => body;
    await advance(76_000);
    expect(provider.refreshRequests).toBe(1);
    // Its lifetime would be the ID token's (100 s): still ahead, so it is used, and refreshed again.
    await advance(26_000);
    const requests = provider.refreshRequests;
    for (let i = 0; i < 20; i++) await flushIo(); // no time passes at all
    expect(provider.refreshRequests).toBe(requests);
    expect(t.session.getState().error?.code).toBe('LATCHKEY_TOKEN_REQUEST_FAILED');
    expect(t.session.getState().error?.message).toContain('no lifetime');
    await advance(30_000);
    expect(provider.refreshRequests).toBe(requests);
  });

  /** A token endpoint that takes the refresh and then never finishes its answer, as a browser's fetch sees it. */
  const stalledRefresh: [string, (browser: FakeBrowser) => SessionPorts][] = [
    [
      'never answers',
      (browser) => {
        provider.hooks.refreshResponse = () => new Promise<Response>(() => {}); // accepted, never answered
        return browser.ports;
      },
    ],
    [
      'sends the headers, then stalls in the body',
      (browser) => ({
        ...browser.ports,
        fetch: async (input, init) => {
          const request = new Request(input as RequestInfo, init);
          if (!(await request.clone().text()).includes('grant_type=refresh_token')) return provider.fetch(input, init);
          provider.refreshRequests++;
          // The headers arrive, the body never ends, and an abort errors it.
          const signal = init?.signal;
          const body = new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"access_token":'));
              signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true });
            },
          });
          return new Response(body, { headers: { 'content-type': 'application/json' } });
        },
      }),
    ],
  ];

  it.each(stalledRefresh)(
    `a refresh the provider %s fails after ${REQUEST_TIMEOUT_MS / 1000} s, is not retried, and the session still ends on time`,
    async (_name, portsFor) => {
      const browser = createFakeBrowser(provider, { world });
      const t = tab({}, browser, portsFor(browser));
      await signIn(t);
      await advance(76_000, 1_000);
      expect(provider.refreshRequests).toBe(1);
      // Not before the deadline…
      await advance(REQUEST_TIMEOUT_MS - 2_000, 1_000);
      expect(t.session.getState().error).toBeNull();
      // …but at it.
      await advance(2_000, 1_000);
      expect(t.session.getState()).toMatchObject({ status: 'authenticated', expiringSoon: true });
      expect(t.session.getState().error?.code).toBe('LATCHKEY_TOKEN_REQUEST_FAILED');
      // Another tab is not held up: getAccessToken() answers, with the current token.
      await expect(t.session.getAccessToken()).resolves.toBeTruthy();
      await advance(20_000, 1_000); // past the end (100 s)
      expect(t.session.getState().status).toBe('anonymous');
      expect(provider.refreshRequests).toBe(1);
    },
  );

  it('with an async shared store, a session past its end ends at once: no expired token is handed out', async () => {
    provider.issueRefreshTokens = false;
    const { map, store } = asyncSharedStore();
    const t = tab({ store });
    await signIn(t);
    expect(t.session.isAuthenticated()).toBe(true);
    vi.setSystemTime(Date.now() + 200_000); // the tab slept past the end
    const error = await failureOf(t.session.getAccessToken());
    expect(error.code).toBe('LATCHKEY_LOGIN_REQUIRED');
    await flushIo();
    expect(map.size).toBe(0); // and the ended session left the store
  });

  it('with an async shared store, a sign-out from an `expired` handler stands, even with a newer session in the store', async () => {
    provider.issueRefreshTokens = false;
    const { map, store } = asyncSharedStore();
    // No localStorage for the logout marker: only the session's own bookkeeping can keep the sign-out.
    const browser = createFakeBrowser(provider, { world });
    const t = tab({ store }, browser, { ...browser.ports, markerStorage: undefined });
    await signIn(t);
    // A newer session (another tab's, in another world) lands in the store without a word.
    vi.setSystemTime(Date.now() + 50_000);
    const other = tab({}, createFakeBrowser(provider, { world: createFakeWorld() }));
    await signIn(other);
    map.set(KEY, other.browser.store.get(KEY) as string);
    const events: string[] = [];
    t.session.on('expired', () => {
      events.push('expired');
      void t.session.logout({ endSession: false, revokeRefreshToken: false });
    });
    t.session.on('authenticated', () => events.push('authenticated'));
    vi.setSystemTime(Date.now() + 60_000); // past this tab's end
    await failureOf(t.session.getAccessToken());
    await flushIo();
    expect(events).toEqual(['expired']);
    expect(t.session.getState().status).toBe('anonymous');
  });

  it("each request's deadline timer goes when its answer comes: one timer left, the session's own", async () => {
    const t = tab();
    await signIn(t);
    await advance(76_000);
    expect(provider.refreshRequests).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('a refresh whose ID token cannot be checked (the JWKS unreachable) is not retried with the used refresh token', async () => {
    provider.tokenTtlSeconds = 600; // refresh at 450 s: oauth4webapi's JWKS cache (300 s) is stale by then
    let jwks: 'up' | 'down' | '503' = 'up';
    const fetchWithJwks: typeof fetch = async (input, init) => {
      const request = new Request(input as RequestInfo, init);
      if (new URL(request.url).pathname === '/jwks' && jwks !== 'up') {
        if (jwks === 'down') throw new TypeError('Failed to fetch');
        return new Response('busy', { status: 503 });
      }
      return provider.fetch(input, init);
    };
    const tabWithJwks = () => {
      const browser = createFakeBrowser(provider, { world });
      return tab({}, browser, { ...browser.ports, fetch: fetchWithJwks });
    };
    const t = tabWithJwks();
    await signIn(t);
    jwks = 'down';
    await advance(500_000, 1_000);
    expect(provider.refreshRequests).toBe(1);
    expect(provider.revokedGrants).toBe(0);
    expect(t.session.getState().error?.code).toBe('LATCHKEY_TOKEN_REQUEST_FAILED');
    await advance(45_000, 1_000); // the warning, 60 s before the end: this session cannot be extended
    expect(t.session.getState()).toMatchObject({ status: 'authenticated', expiringSoon: true });
    await advance(60_000, 1_000);
    expect(t.session.getState().status).toBe('anonymous');
    expect(provider.refreshRequests).toBe(1);
    // A JWKS answering 503 at sign-in: the provider is unavailable, not the signature invalid.
    jwks = '503';
    const again = tabWithJwks();
    const error = await failureOf(signIn(again));
    expect(error.code).toBe('LATCHKEY_PROVIDER_UNREACHABLE');
    expect(error.cause?.status).toBe(503);
  });

  it('a tab asleep past the end refreshes once on wake and is right at once', async () => {
    const t = tab();
    await signIn(t);
    vi.setSystemTime(Date.now() + 500_000);
    t.browser.events.dispatchEvent(new Event('visibilitychange'));
    t.browser.events.dispatchEvent(new Event('focus'));
    t.browser.events.dispatchEvent(new Event('pageshow'));
    // The wake events alone refresh (once for the three), before anything asks for a token; real
    // turns (WebCrypto) only, the fake clock stands still.
    for (let i = 0; i < 50 && !(t.session.getState().expiresAt! > Date.now()); i++) await flushIo();
    expect(provider.refreshRequests).toBe(1);
    expect(t.session.getState().expiresAt).toBeGreaterThan(Date.now());
    const token = await t.session.getAccessToken();
    expect(provider.refreshRequests).toBe(1);
    expect(token).toBeTruthy();
    expect(t.session.getState().expiresAt).toBeGreaterThan(Date.now());
  });

  it('a reload after the end refreshes with the stored refresh token instead of signing out', async () => {
    await signIn(tab());
    vi.setSystemTime(Date.now() + 200_000);
    const reloaded = tab();
    await reloaded.session.getAccessToken();
    expect(reloaded.session.isAuthenticated()).toBe(true);
    expect(provider.refreshRequests).toBe(1);
  });

  it('keeps the refresh token out of the main store with refreshTokenStore', async () => {
    const rtStore = memoryStore();
    const t = tab({ refreshTokenStore: rtStore });
    await signIn(t);
    expect(storedRefreshToken()).toBeUndefined();
    expect(rtStore.get(`${KEY}:refresh`)).toBeTruthy();
    await advance(76_000);
    expect(provider.refreshRequests).toBe(1);
    expect(storedRefreshToken()).toBeUndefined();
  });
});
