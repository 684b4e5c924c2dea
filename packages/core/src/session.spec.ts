import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LatchkeyError, type LatchkeyErrorCode } from './errors.ts';
import { createSession, type Session, type SessionPorts } from './session/index.ts';
import { memoryStore, type SessionStore } from './session-store.ts';
import { createFakeBrowser, type FakeBrowser } from './testing/fake-browser.ts';
import { failureOf } from './testing/failure-of.ts';
import { openSession, signInWith } from './testing/harness.ts';
import { createFakeProvider, fakeJwt, type FakeProvider } from './testing/fake-provider.ts';

const CLIENT_ID = 'app';
let provider: FakeProvider;
let browser: FakeBrowser;

function start(b: FakeBrowser = browser, extra: Partial<Parameters<typeof createSession>[0]> = {}): Session {
  return openSession(provider, b, extra);
}

function signIn(session: Session, b: FakeBrowser = browser, returnTo?: string) {
  return signInWith(provider, session, b, returnTo);
}

/** Asserts that nothing of a token reached the store, the state or the error. */
function expectNoTokens(session: Session, store: SessionStore, error?: LatchkeyError) {
  expect(store.get(`latchkey:${CLIENT_ID}`)).toBeNull();
  expect(session.getState().status).toBe('anonymous');
  expect(session.getState().user).toBeNull();
  if (error) expect(JSON.stringify({ message: error.message, cause: error.cause })).not.toMatch(/ey[\w-]+\.ey[\w-]+/);
}

beforeEach(async () => {
  provider = await createFakeProvider();
  browser = createFakeBrowser(provider, { href: 'https://app.example.com/profile?tab=1#top' });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('login', () => {
  it('redirects with Authorization Code + PKCE S256, a fresh state and nonce, and keeps the transaction in sessionStorage by state', async () => {
    const session = start();
    await session.login({ authorizationParams: { prompt: 'login', login_hint: 'alice' } });
    const url = new URL(browser.assigned as string);
    const q = url.searchParams;
    expect(url.origin + url.pathname).toBe(`${provider.issuer}/authorize`);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe(CLIENT_ID);
    expect(q.get('redirect_uri')).toBe('https://app.example.com/callback');
    expect(q.get('scope')).toBe('openid profile email');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(q.get('prompt')).toBe('login');
    expect(q.get('login_hint')).toBe('alice');
    const state = q.get('state') as string;
    const tx = JSON.parse(browser.sessionStorage.getItem(`latchkey.tx.${state}`) as string);
    expect(tx.code_verifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    expect(tx.nonce).toBe(q.get('nonce'));
    expect(tx.return_to).toBe('/profile?tab=1#top');
    expect(url.href).not.toContain(tx.code_verifier);
  });

  it('uses a new verifier, state and nonce for every attempt', async () => {
    const session = start();
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      await session.login();
      const q = new URL(browser.assigned as string).searchParams;
      for (const name of ['state', 'nonce', 'code_challenge']) seen.add(`${name}=${q.get(name)}`);
    }
    expect(seen.size).toBe(15);
  });

  it('sends the audience as RFC 8707 resource, or as audience for Auth0', async () => {
    await start(browser, { audience: 'https://api.example.com' }).login();
    expect(new URL(browser.assigned as string).searchParams.get('resource')).toBe('https://api.example.com');
    await start(browser, { audience: 'https://api.example.com', audienceParameter: 'audience' }).login();
    expect(new URL(browser.assigned as string).searchParams.get('audience')).toBe('https://api.example.com');
  });

  it('refuses authorizationParams that would override the protocol parameters', async () => {
    const error = await failureOf(start().login({ authorizationParams: { state: 'x' } }));
    expect(error.code).toBe('LATCHKEY_CONFIG_INVALID');
  });

  it.each([
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/x', '/'],
    ['javascript:alert(1)', '/'],
    ['/ok?x=1#h', '/ok?x=1#h'],
  ])('keeps only a same-origin returnTo: %s → %s', async (returnTo, expected) => {
    await start().login({ returnTo });
    const state = new URL(browser.assigned as string).searchParams.get('state');
    expect(JSON.parse(browser.sessionStorage.getItem(`latchkey.tx.${state}`) as string).return_to).toBe(expected);
  });

  it('fails with PROVIDER_UNREACHABLE, not a redirect, when discovery cannot be reached — and works on retry', async () => {
    provider.down = true;
    const session = start();
    const error = await failureOf(session.login());
    expect(error.code).toBe('LATCHKEY_PROVIDER_UNREACHABLE');
    expect(browser.assigned).toBeUndefined();
    expect(session.getState().error?.code).toBe('LATCHKEY_PROVIDER_UNREACHABLE');
    provider.down = false;
    await session.login();
    expect(browser.assigned).toBeDefined();
    expect(session.getState().error).toBeNull();
  });

  it('refuses a provider whose discovery names another issuer', async () => {
    provider.hooks.metadata = (m) => ({ ...m, issuer: 'https://other.example.com' });
    expect((await failureOf(start().login())).code).toBe('LATCHKEY_ISSUER_MISMATCH');
  });

  it('refuses plain-http endpoints on non-loopback hosts in discovery', async () => {
    provider.hooks.metadata = (m) => ({ ...m, token_endpoint: 'http://op.example.com/token' });
    expect((await failureOf(start().login())).code).toBe('LATCHKEY_INSECURE_ENDPOINT');
  });

  it('fails clearly when sessionStorage cannot keep the transaction', async () => {
    browser.sessionStorage.setItem = () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    const error = await failureOf(start().login());
    expect(error.code).toBe('LATCHKEY_STORAGE_UNAVAILABLE');
    expect(browser.assigned).toBeUndefined();
  });
});

describe('handleRedirectCallback', () => {
  it('exchanges the code, verifies the ID token, stores the session and returns to the page', async () => {
    const session = start();
    const seen: unknown[] = [];
    session.on('authenticated', (e) => seen.push(e.idTokenPayload.name));
    const { returnTo } = await signIn(session);
    expect(returnTo).toBe('/profile?tab=1#top');
    const state = session.getState();
    expect(state.status).toBe('authenticated');
    expect(state.user?.name).toBe('Alice Liddell');
    expect(state.expiresAt).toBeGreaterThan(Date.now() + 590_000);
    expect(session.isAuthenticated()).toBe(true);
    expect(seen).toEqual(['Alice Liddell']);
    expect(browser.href).toBe('https://app.example.com/callback');
    expect(browser.sessionStorage.length).toBe(0);
    expect(JSON.parse(browser.store.get(`latchkey:${CLIENT_ID}`) as string).v).toBe(1);
    expect(await session.getAccessToken()).toMatch(/^[\w-]{20,}$/);
    expect(provider.requests).toEqual(['GET /.well-known/openid-configuration', 'POST /token', 'GET /jwks']);
  });

  it('ready() resolves with the state now, not the one at restore', async () => {
    const session = start();
    await session.ready();
    await signIn(session);
    expect((await session.ready()).status).toBe('authenticated');
  });

  it('restores a stored session on reload without any request to the provider', async () => {
    await signIn(start());
    provider.requests.length = 0;
    const reloaded = start(createFakeBrowser(provider, { store: browser.store }));
    expect(reloaded.getState().status).toBe('authenticated');
    expect(reloaded.getState().user?.name).toBe('Alice Liddell');
    expect(provider.requests).toEqual([]);
  });

  it('refuses the same callback URL opened twice with STATE_MISMATCH', async () => {
    const session = start();
    await session.login();
    const callbackUrl = provider.authorize(browser.assigned as string);
    browser.href = callbackUrl;
    await session.handleRedirectCallback();
    await session.logout();
    browser.href = callbackUrl;
    const error = await failureOf(session.handleRedirectCallback());
    expect(error.code).toBe('LATCHKEY_STATE_MISMATCH');
    expectNoTokens(session, browser.store, error);
  });

  it('refuses a sign-in left unfinished for over an hour, and a callback clears every other unfinished one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const session = start();
    await session.login(); // abandoned: Log In clicked, then Back from the provider
    const abandoned = browser.assigned as string;
    await session.login();
    const second = browser.assigned as string;
    expect(browser.sessionStorage.length).toBe(2);
    vi.setSystemTime(Date.now() + 61 * 60_000);
    browser.href = provider.authorize(abandoned);
    const error = await failureOf(session.handleRedirectCallback());
    expect(error.code).toBe('LATCHKEY_STATE_MISMATCH');
    expect(provider.requests.includes('POST /token')).toBe(false);
    // Both transactions are gone: the other one cannot complete a sign-in later.
    expect(browser.sessionStorage.length).toBe(0);
    browser.href = provider.authorize(second);
    expect((await failureOf(session.handleRedirectCallback())).code).toBe('LATCHKEY_STATE_MISMATCH');
    expectNoTokens(session, browser.store);
  });

  type Case = { name: string; code: LatchkeyErrorCode; arrange: () => void; tokenRequest?: boolean };
  const cases: Case[] = [
    {
      name: 'a tampered state',
      code: 'LATCHKEY_STATE_MISMATCH',
      tokenRequest: false,
      arrange: () => (provider.hooks.authResponse = (p) => (p.set('state', 'tampered'), p)),
    },
    {
      name: 'no state',
      code: 'LATCHKEY_STATE_MISSING',
      tokenRequest: false,
      arrange: () => (provider.hooks.authResponse = (p) => (p.delete('state'), p)),
    },
    {
      name: 'error=access_denied',
      code: 'LATCHKEY_ACCESS_DENIED',
      tokenRequest: false,
      arrange: () =>
        (provider.hooks.authResponse = (p) =>
          new URLSearchParams({ error: 'access_denied', state: p.get('state') ?? '', iss: provider.issuer })),
    },
    {
      name: 'another error=',
      code: 'LATCHKEY_AUTHORIZATION_FAILED',
      tokenRequest: false,
      arrange: () =>
        (provider.hooks.authResponse = (p) =>
          new URLSearchParams({ error: 'server_error', state: p.get('state') ?? '', iss: provider.issuer })),
    },
    {
      name: 'a wrong iss parameter',
      code: 'LATCHKEY_ISS_MISMATCH',
      tokenRequest: false,
      arrange: () => (provider.hooks.authResponse = (p) => (p.set('iss', 'https://evil.example'), p)),
    },
    {
      name: 'no iss parameter although promised',
      code: 'LATCHKEY_ISS_MISMATCH',
      tokenRequest: false,
      arrange: () => (provider.hooks.authResponse = (p) => (p.delete('iss'), p)),
    },
    {
      name: 'a different nonce',
      code: 'LATCHKEY_NONCE_MISMATCH',
      arrange: () => (provider.hooks.idTokenClaims = (c) => ({ ...c, nonce: 'other' })),
    },
    {
      name: 'a wrong iss claim',
      code: 'LATCHKEY_ID_TOKEN_INVALID',
      arrange: () => (provider.hooks.idTokenClaims = (c) => ({ ...c, iss: 'https://evil.example' })),
    },
    {
      name: 'a wrong aud',
      code: 'LATCHKEY_ID_TOKEN_INVALID',
      arrange: () => (provider.hooks.idTokenClaims = (c) => ({ ...c, aud: 'someone-else' })),
    },
    {
      name: 'a secondary aud without azp',
      code: 'LATCHKEY_ID_TOKEN_INVALID',
      arrange: () => (provider.hooks.idTokenClaims = (c) => ({ ...c, aud: [CLIENT_ID, 'someone-else'] })),
    },
    ...(['aud', 'sub', 'iat', 'exp'] as const).map((claim): Case => ({
      name: `no ${claim}`,
      code: 'LATCHKEY_ID_TOKEN_INVALID',
      arrange: () => (provider.hooks.idTokenClaims = ({ [claim]: _drop, ...rest }) => rest),
    })),
    {
      name: 'an expired ID token',
      code: 'LATCHKEY_ID_TOKEN_EXPIRED',
      arrange: () => (provider.hooks.idTokenClaims = (c) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 120 })),
    },
    {
      name: 'a corrupted RS256 signature',
      code: 'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID',
      arrange: () => (provider.hooks.idToken = (t) => t.slice(0, -6) + (t.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA')),
    },
    {
      name: 'alg none',
      code: 'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID',
      arrange: () => (provider.hooks.idToken = (t) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${t.split('.')[1]}.`),
    },
    {
      name: 'an HS256 signature',
      code: 'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID',
      arrange: () =>
        (provider.hooks.idToken = (t) =>
          `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${t.split('.')[1]}.${t.split('.')[2]}`),
    },
    {
      name: 'a 500 from the token endpoint',
      code: 'LATCHKEY_TOKEN_REQUEST_FAILED',
      arrange: () => (provider.hooks.tokenResponse = () => new Response('oops', { status: 500 })),
    },
    {
      name: 'an HTML token response',
      code: 'LATCHKEY_TOKEN_REQUEST_FAILED',
      arrange: () =>
        (provider.hooks.tokenResponse = () => new Response('<html></html>', { status: 200, headers: { 'content-type': 'text/html' } })),
    },
    {
      name: 'invalid_grant at the token endpoint',
      code: 'LATCHKEY_TOKEN_REQUEST_FAILED',
      arrange: () =>
        (provider.hooks.tokenResponse = () =>
          new Response('{"error":"invalid_grant"}', { status: 400, headers: { 'content-type': 'application/json' } })),
    },
    {
      name: 'no access_token',
      code: 'LATCHKEY_TOKEN_REQUEST_FAILED',
      arrange: () => (provider.hooks.tokenResponse = ({ access_token: _drop, ...rest }) => rest),
    },
  ];

  it.each(cases)('rejects $name with $code, stores nothing', async ({ code, arrange, tokenRequest = true }) => {
    arrange();
    const session = start();
    const error = await failureOf(signIn(session));
    expect(error.code).toBe(code);
    expect(session.getState().error?.code).toBe(code);
    expect(provider.requests.includes('POST /token')).toBe(tokenRequest);
    expect(browser.href).toBe('https://app.example.com/callback');
    expectNoTokens(session, browser.store, error);
  });

  it.each([
    ['expires_in as a numeric string', (b: Record<string, unknown>) => ({ ...b, expires_in: '600' })],
    ['expires_in missing', ({ expires_in: _drop, ...b }: Record<string, unknown>) => b],
    ['token_type "bEARER"', (b: Record<string, unknown>) => ({ ...b, token_type: 'bEARER' })],
  ])('accepts a token response with %s', async (_name, hook) => {
    provider.hooks.tokenResponse = hook;
    const session = start();
    await signIn(session);
    expect(session.getState().status).toBe('authenticated');
  });

  it.each([0, 0.5, '0.001', [0.2]])('refuses expires_in %j (a lifetime under a second) by its name, stores nothing', async (expiresIn) => {
    provider.hooks.tokenResponse = (b) => ({ ...b, expires_in: expiresIn });
    const session = start();
    const error = await failureOf(signIn(session));
    expect(error.code).toBe('LATCHKEY_TOKEN_REQUEST_FAILED');
    expect(error.cause?.claim).toBe('expires_in');
    expect(error.message).toContain('under a second');
    expectNoTokens(session, browser.store, error);
  });

  it('refuses a token endpoint that answers with a redirect (not followed) as a failed token request', async () => {
    // What fetch gives for `redirect: 'manual'` in a browser: an opaque answer with status 0.
    provider.hooks.tokenResponse = () => Response.error();
    const session = start();
    const error = await failureOf(signIn(session));
    expect(error.code).toBe('LATCHKEY_TOKEN_REQUEST_FAILED');
    expectNoTokens(session, browser.store, error);
  });

  it('accepts aud as an array of just the client', async () => {
    provider.hooks.idTokenClaims = (c) => ({ ...c, aud: [CLIENT_ID] });
    const session = start();
    await signIn(session);
    expect(session.isAuthenticated()).toBe(true);
  });

  it('reports an unreachable token endpoint as PROVIDER_UNREACHABLE and never retries the code exchange', async () => {
    const session = start();
    await session.login();
    browser.href = provider.authorize(browser.assigned as string);
    provider.down = true;
    const error = await failureOf(session.handleRedirectCallback());
    expect(error.code).toBe('LATCHKEY_PROVIDER_UNREACHABLE');
    expect(provider.requests.filter((r) => r === 'POST /token')).toHaveLength(1);
    expectNoTokens(session, browser.store, error);
  });
});

describe('expiry', () => {
  it('warns, then turns anonymous at the end by itself, clearing the store', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    provider.tokenTtlSeconds = 30;
    const session = start();
    const events: string[] = [];
    session.on('expiringSoon', () => events.push('expiringSoon'));
    session.on('expired', () => events.push('expired'));
    await signIn(session);
    expect(session.getState().expiringSoon).toBe(false);
    await vi.advanceTimersByTimeAsync(15_500);
    expect(session.getState()).toMatchObject({ status: 'authenticated', expiringSoon: true });
    await vi.advanceTimersByTimeAsync(15_000);
    expect(session.getState().status).toBe('anonymous');
    expect(events).toEqual(['expiringSoon', 'expired']);
    expect(browser.store.get(`latchkey:${CLIENT_ID}`)).toBeNull();
  });

  it('is right at once after the tab slept past the end (wake events)', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    provider.tokenTtlSeconds = 30;
    const session = start();
    await signIn(session);
    // The tab was frozen: the clock moved, no timer fired.
    vi.setSystemTime(Date.now() + 60_000);
    expect(session.isAuthenticated()).toBe(true);
    browser.events.dispatchEvent(new Event('visibilitychange'));
    expect(session.isAuthenticated()).toBe(false);
  });

  it('clamps timers below the setTimeout overflow for very long sessions', async () => {
    const delays: number[] = [];
    provider.tokenTtlSeconds = 60 * 60 * 24 * 60;
    const ports: SessionPorts = { ...browser.ports, setTimeout: (_h, ms) => delays.push(ms) };
    const session = createSession({ issuer: provider.issuer, clientId: CLIENT_ID, store: browser.store }, ports);
    await signIn(session);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it.each([
    ['5 minutes fast', 5 * 60_000],
    ['5 minutes slow', -5 * 60_000],
  ])('with a client clock %s, accepts fresh tokens and ends the session on time', async (_name, clientAheadMs) => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    provider.clockOffsetMs = -clientAheadMs;
    provider.tokenTtlSeconds = 120;
    const session = start();
    await signIn(session);
    expect(session.isAuthenticated()).toBe(true);
    const state = session.getState();
    // 120 s after issue on the provider's clock is 120 s from now on ours.
    expect(Math.abs((state.expiresAt as number) - (Date.now() + 120_000))).toBeLessThan(2_000);
    await vi.advanceTimersByTimeAsync(118_000);
    expect(session.isAuthenticated()).toBe(true);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(session.isAuthenticated()).toBe(false);
  });
});

describe('the store', () => {
  const key = `latchkey:${CLIENT_ID}`;
  const valid = (claims: Record<string, unknown>, record: Record<string, unknown> = {}) =>
    JSON.stringify({
      v: 1,
      issuer: 'https://op.example.com/',
      client_id: CLIENT_ID,
      id_token: fakeJwt(claims),
      access_token: 'at',
      token_type: 'bearer',
      issued_at_ms: Date.now(),
      expires_at_ms: Date.now() + 60_000,
      clock_offset_ms: 0,
      ...record,
    });
  const good = { iss: 'https://op.example.com/', sub: 'alice', aud: CLIENT_ID, exp: Math.floor(Date.now() / 1000) + 60 };

  it('restores a valid stored session', () => {
    const store = memoryStore();
    store.set(key, valid(good));
    expect(start(createFakeBrowser(provider, { store })).getState().status).toBe('authenticated');
  });

  it.each([
    ['not JSON', 'garbage'],
    ['JSON null', 'null'],
    ['a number', '42'],
    ['a raw JWT (the tutorial key format)', fakeJwt(good)],
    ['the wrong version', valid(good).replace('"v":1', '"v":2')],
    ['an id_token that is not a JWT', valid(good).replace(/"id_token":"[^"]+"/, '"id_token":"abc"')],
    ['bad base64url in the payload', valid(good).replace(/"id_token":"([^.]+)\.[^.]+\./, '"id_token":"$1.!!!.')],
    ['a payload that is an array', valid(good).replace(/"id_token":"[^"]+"/, `"id_token":"${fakeJwt([1, 2])}"`)],
    ['exp missing', valid({ ...good, exp: undefined })],
    ['exp a string', valid({ ...good, exp: '9999999999' })],
    ['another issuer', valid({ ...good, iss: 'https://evil.example/' })],
    ['another audience', valid({ ...good, aud: 'other' })],
    ['an expired session', valid(good, { expires_at_ms: Date.now() - 1_000 })],
    ['issued_at_ms missing', valid(good, { issued_at_ms: undefined })],
    ['expires_at_ms a string', valid(good, { expires_at_ms: String(Date.now() + 60_000) })],
    ['an empty refresh_token', valid(good, { refresh_token: '' })],
    ['a 1 MB value', 'x'.repeat(1024 * 1024)],
  ])('starts anonymous and removes %s, never throws', (_name, raw) => {
    const store = memoryStore();
    store.set(key, raw);
    const session = start(createFakeBrowser(provider, { store }));
    expect(session.getState().status).toBe('anonymous');
    expect(store.get(key)).toBeNull();
  });

  it('waits for an async store and validates what it returns', async () => {
    const backing = memoryStore();
    backing.set(key, valid(good));
    const store: SessionStore = {
      get: async (k) => backing.get(k),
      set: async (k, v) => backing.set(k, v),
      remove: async (k) => backing.remove(k),
    };
    const session = start(createFakeBrowser(provider, { store }));
    expect(session.getState().status).toBe('loading');
    expect((await session.ready()).status).toBe('authenticated');
  });

  it("accepts an async store that answers with its own promise-like (another realm's, a library's)", async () => {
    const backing = memoryStore();
    const raw = valid(good);
    backing.set(key, raw);
    const thenable = <T>(value: () => T) => ({
      then: (ok: (v: T) => unknown, ko?: (e: unknown) => unknown) => Promise.resolve().then(value).then(ok, ko),
    });
    const store = {
      get: (k: string) => thenable(() => backing.get(k)),
      set: (k: string, v: string) => thenable(() => backing.set(k, v)),
      remove: (k: string) => thenable(() => backing.remove(k)),
    } as unknown as SessionStore;
    const session = start(createFakeBrowser(provider, { store }));
    expect((await session.ready()).status).toBe('authenticated');
    expect(backing.get(key)).toBe(raw);
    // One that rejects degrades to memory, as a Promise's rejection does.
    const failing = {
      ...store,
      get: () =>
        thenable(() => {
          throw new DOMException('denied', 'SecurityError');
        }),
    } as unknown as SessionStore;
    const degraded: string[] = [];
    const other = start(createFakeBrowser(provider, { store: failing }));
    other.on('storeDegraded', (e) => degraded.push(e.name));
    expect((await other.ready()).status).toBe('anonymous');
    await Promise.resolve();
    expect(degraded).toEqual(['SecurityError']);
  });

  it('degrades a throwing store to memory, emits storeDegraded, and still signs in', async () => {
    const throwing: SessionStore = {
      get: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      set: () => {
        throw new DOMException('quota', 'QuotaExceededError');
      },
      remove: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    };
    const b = createFakeBrowser(provider, { store: throwing });
    const degraded: string[] = [];
    const session = createSession({ issuer: provider.issuer, clientId: CLIENT_ID, store: throwing }, b.ports);
    session.on('storeDegraded', (e) => degraded.push(e.name));
    await session.ready();
    expect(session.getState().status).toBe('anonymous');
    expect(degraded).toEqual(['SecurityError']);
    await signIn(session, b);
    expect(session.isAuthenticated()).toBe(true);
    expect(await session.getAccessToken()).toBeTruthy();
  });
});

describe('logout', () => {
  it('clears the store and the state and emits loggedOut', async () => {
    const session = start();
    await signIn(session);
    const events: string[] = [];
    session.on('loggedOut', () => events.push('loggedOut'));
    await session.logout();
    expectNoTokens(session, browser.store);
    expect(events).toEqual(['loggedOut']);
    expect((await failureOf(session.getAccessToken())).code).toBe('LATCHKEY_LOGIN_REQUIRED');
  });

  it('tells its listeners once: one state for the sign-out (and the error it clears), not one per step', async () => {
    const session = start();
    await signIn(session);
    provider.hooks.userinfo = (claims) => ({ ...claims, sub: 'mallory' });
    await failureOf(session.getUserInfo());
    expect(session.getState().error?.code).toBe('LATCHKEY_USERINFO_INVALID');
    const states: string[] = [];
    session.subscribe((state) => states.push(`${state.status}${state.error ? ` ${state.error.code}` : ''}`));
    await session.logout({ revokeRefreshToken: false });
    expect(states).toEqual(['anonymous']);
  });
});

describe('listeners', () => {
  it('a listener that throws breaks neither the sign-in nor the other listeners', async () => {
    const session = start();
    const seen: string[] = [];
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onError);
    session.subscribe(() => {
      throw new Error('a broken listener');
    });
    session.subscribe((state) => seen.push(state.status));
    try {
      await signIn(session);
      await new Promise((resolve) => setTimeout(resolve, 0));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(session.isAuthenticated()).toBe(true);
    expect(session.getState().error).toBeNull();
    expect(seen).toContain('authenticated');
  });
});

describe('outside a browser', () => {
  it('touches no browser global when created with the default ports on a server', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const session = createSession({ issuer: 'https://op.example.com', clientId: CLIENT_ID });
    expect(session.getState().status).toBe('loading');
    expect(session.isAuthenticated()).toBe(false);
    session.dispose();
  });
  it('stays loading and inert, touching nothing', async () => {
    const session = createSession({ issuer: 'https://op.example.com', clientId: CLIENT_ID }, {});
    expect(session.getState().status).toBe('loading');
    expect(session.isRedirectCallback('https://app.example.com/callback?code=1&state=2')).toBe(false);
    await expect(session.login()).rejects.toBeInstanceOf(LatchkeyError);
  });
});
