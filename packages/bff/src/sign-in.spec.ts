import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE, TRANSACTION_COOKIE_PREFIX } from './cookies.ts';
import { parseSetCookie, type SetCookie, type TestBrowser } from './testing/browser.ts';
import { makeTestBff, sessionKeyOf, startTestIdp, type TestBff, type TestIdp } from './testing/harness.ts';

let idp: TestIdp;
let t: TestBff;

beforeAll(async () => {
  idp = await startTestIdp();
  t = makeTestBff(idp);
});

afterAll(async () => {
  await t?.bff.close();
  await idp?.close();
});

function setCookies(response: Response): SetCookie[] {
  return response.headers.getSetCookie().map(parseSetCookie);
}

/** The attributes every BFF cookie has (the browser-apps BCP): `HttpOnly`, `Secure`, `Path=/`, no `Domain`. */
function expectHostCookie(cookie: SetCookie | undefined, sameSite = 'Lax'): void {
  expect(cookie).toBeDefined();
  const attributes = (cookie as SetCookie).attributes;
  expect(attributes.has('httponly')).toBe(true);
  expect(attributes.has('secure')).toBe(true);
  expect(attributes.get('path')).toBe('/');
  expect(attributes.has('domain')).toBe(false);
  expect(attributes.get('samesite')).toBe(sameSite);
}

function errorOf(response: Response): string | null {
  const location = response.headers.get('location');
  return location === null ? null : new URL(location).searchParams.get('latchkey_error');
}

describe('sign-in: the happy path', () => {
  let browser: TestBrowser;
  let login: Response;
  let authorizeUrl: URL;
  let callback: Response;

  beforeAll(async () => {
    browser = t.browser();
    ({ response: login, authorizeUrl } = await browser.startLogin('/orders?page=2#top'));
    callback = await browser.callback(await browser.authorize(authorizeUrl));
  });

  it('sends the browser to the provider with PKCE S256, state and nonce, and the configured redirect_uri', () => {
    expect(login.status).toBe(302);
    expect(authorizeUrl.origin).toBe(idp.issuer);
    const query = authorizeUrl.searchParams;
    expect(query.get('response_type')).toBe('code');
    expect(query.get('client_id')).toBe('latchkey-bff');
    expect(query.get('redirect_uri')).toBe(`${idp.appOrigin}/bff/callback`);
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(query.get('nonce')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(query.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'offline_access']));
  });

  it('binds the sign-in to this browser with a __Host-Http- transaction cookie: HttpOnly, Secure, Path=/, SameSite=Lax, no Domain, Max-Age', () => {
    const cookies = setCookies(login);
    expect(cookies).toHaveLength(1);
    const tx = cookies[0];
    expect(tx?.name.startsWith(TRANSACTION_COOKIE_PREFIX)).toBe(true);
    expect(tx?.name.startsWith('__Host-Http-')).toBe(true);
    expectHostCookie(tx);
    const maxAge = Number(tx?.attributes.get('max-age'));
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(3600);
    expect(tx?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('lands on returnTo with a __Host-Http-latchkey session cookie: HttpOnly, Secure, Path=/, SameSite=Lax, no Domain', () => {
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`${idp.appOrigin}/orders?page=2#top`);
    const session = setCookies(callback).find((c) => c.name === SESSION_COOKIE);
    expectHostCookie(session);
    expect(Number(session?.attributes.get('max-age'))).toBeGreaterThan(0);
  });

  it('makes the session cookie an opaque 256-bit id: 43 base64url characters', () => {
    const session = setCookies(callback).find((c) => c.name === SESSION_COOKIE);
    expect(session?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(session?.value ?? '', 'base64url')).toHaveLength(32);
  });

  it('clears the transaction cookie at the callback, with the same attributes', () => {
    const cleared = setCookies(callback).find((c) => c.name.startsWith(TRANSACTION_COOKIE_PREFIX));
    expectHostCookie(cleared);
    expect(cleared?.value).toBe('');
    expect(cleared?.attributes.get('max-age')).toBe('0');
    expect(browser.transactionCookies).toEqual([]);
  });

  it('answers GET /bff/session with the user claims, the end and the server clock', async () => {
    const before = t.clock.now();
    const { status, body } = await browser.session();
    expect(status).toBe(200);
    expect(body['status']).toBe('authenticated');
    expect(body['user']).toMatchObject({ sub: 'alice', name: 'Alice Liddell', email: 'alice@example.com' });
    // Claims and times only.
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'now', 'status', 'user']);
    expect(body['now']).toBeGreaterThanOrEqual(before);
    expect(body['now']).toBeLessThanOrEqual(t.clock.now());
    expect(body['expiresAt']).toBeGreaterThan(body['now'] as number);
  });

  it('puts no token in any answer body or header (access, refresh and ID token read from the store)', async () => {
    const stored = (await t.sessionOf(browser))?.tokens.stored;
    expect(stored?.access_token).toBeTruthy();
    expect(stored?.refresh_token).toBeTruthy();
    expect(stored?.id_token).toBeTruthy();
    await browser.session();
    await browser.fetchFromPage('/bff/session', { method: 'POST' });
    await browser.app('/bff/nope');
    await browser.app('/bff/session', { method: 'DELETE' });
    await browser.fetchFromPage('/bff/logout', { method: 'POST' });
    await browser.session();
    const tokens = [stored?.access_token, stored?.refresh_token, stored?.id_token] as string[];
    expect(browser.exchanges.length).toBeGreaterThanOrEqual(8);
    for (const exchange of browser.exchanges) {
      const everything = exchange.body + JSON.stringify(exchange.headers);
      for (const token of tokens) expect(everything).not.toContain(token);
      // No part of a JWT (header, payload, signature) either.
      for (const part of (stored?.id_token ?? '').split('.')) expect(everything).not.toContain(part);
    }
  });
});

describe('sign-in: two at once', () => {
  it('completes two sign-ins in flight in one browser, each with its own transaction cookie', async () => {
    const browser = t.browser();
    const first = await browser.startLogin('/first');
    const second = await browser.startLogin('/second');
    expect(browser.transactionCookies).toHaveLength(2);
    expect(first.authorizeUrl.searchParams.get('state')).not.toBe(second.authorizeUrl.searchParams.get('state'));
    const firstBack = await browser.authorize(first.authorizeUrl);
    const secondBack = await browser.authorize(second.authorizeUrl);
    const one = await browser.callback(firstBack);
    expect(one.headers.get('location')).toBe(`${idp.appOrigin}/first`);
    const two = await browser.callback(secondBack);
    expect(two.headers.get('location')).toBe(`${idp.appOrigin}/second`);
    expect(browser.transactionCookies).toEqual([]);
    expect((await browser.session()).body['status']).toBe('authenticated');
  });
});

describe('cookie: the store keys sessions by a hash', () => {
  it('never uses a cookie value as a store key, and keeps the session under the SHA-256 of its id', async () => {
    const browser = t.browser();
    const { response } = await browser.startLogin();
    const txSecret = setCookies(response)[0]?.value as string;
    await browser.callback(await browser.authorize(new URL(response.headers.get('location') as string)));
    const id = browser.sessionId as string;
    expect(id).toBeTruthy();
    for (const key of t.store.keys) {
      expect(key).not.toContain(id);
      expect(key).not.toContain(txSecret);
    }
    expect(t.store.keys.has(sessionKeyOf(id))).toBe(true);
    // The stored record holds no cookie value either.
    expect(JSON.stringify(await t.sessionOf(browser))).not.toContain(id);
  });
});

describe('session fixation', () => {
  it('does not adopt a planted session id: it stays anonymous, and sign-in sets another id', async () => {
    const browser = t.browser();
    const planted = Buffer.alloc(32, 7).toString('base64url');
    browser.jar.plant(new URL(idp.appOrigin), SESSION_COOKIE, planted);
    expect((await browser.session()).body['status']).toBe('anonymous');
    const callback = await browser.signIn();
    expect(errorOf(callback)).toBeNull();
    expect(browser.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(browser.sessionId).not.toBe(planted);
    expect(await t.store.get(sessionKeyOf(planted))).toBeUndefined();
    const other = t.browser();
    other.jar.plant(new URL(idp.appOrigin), SESSION_COOKIE, planted);
    expect((await other.session()).body['status']).toBe('anonymous');
  });

  it('gives a new id at every sign-in and ends the session of the old one', async () => {
    const browser = t.browser();
    await browser.signIn();
    const old = browser.sessionId as string;
    await browser.signIn();
    const fresh = browser.sessionId as string;
    expect(fresh).not.toBe(old);
    expect(await t.store.get(sessionKeyOf(old))).toBeUndefined();
    const thief = t.browser();
    thief.jar.plant(new URL(idp.appOrigin), SESSION_COOKIE, old);
    expect((await thief.session()).body['status']).toBe('anonymous');
    expect((await browser.session()).body['status']).toBe('authenticated');
  });
});

describe('state: the callback must match a sign-in started in this browser', () => {
  it('refuses a callback without state: back to the app with latchkey_error, no session cookie', async () => {
    const browser = t.browser();
    const response = await browser.app('/bff/callback?code=abc');
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get('location') as string).origin).toBe(idp.appOrigin);
    expect(errorOf(response)).toBe('LATCHKEY_STATE_MISSING');
    expect(browser.sessionId).toBeUndefined();
  });

  it('refuses a callback whose state has no transaction', async () => {
    const browser = t.browser();
    const response = await browser.app(`/bff/callback?code=abc&state=${'s'.repeat(43)}&iss=${encodeURIComponent(idp.issuer)}`);
    expect(errorOf(response)).toBe('LATCHKEY_STATE_MISMATCH');
    expect(browser.sessionId).toBeUndefined();
  });

  it('uses a transaction once: a replayed callback, with the old transaction cookie, makes no session', async () => {
    const browser = t.browser();
    const { authorizeUrl } = await browser.startLogin();
    const back = await browser.authorize(authorizeUrl);
    const cookieThen = browser.jar.header(back);
    const first = await browser.callback(back);
    expect(errorOf(first)).toBeNull();
    const replayer = t.browser();
    const replay = await replayer.callback(back, { headers: { cookie: cookieThen } });
    expect(errorOf(replay)).toBe('LATCHKEY_STATE_MISMATCH');
    expect(replay.headers.getSetCookie().some((line) => line.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
  });

  it('refuses a callback carried to another browser (login CSRF): that browser has no transaction for its state', async () => {
    const attacker = t.browser();
    const victim = t.browser();
    const { authorizeUrl } = await attacker.startLogin();
    await victim.startLogin();
    const back = await attacker.authorize(authorizeUrl);
    const response = await victim.callback(back);
    expect(errorOf(response)).toBe('LATCHKEY_STATE_MISMATCH');
    expect(victim.sessionId).toBeUndefined();
    expect((await victim.session()).body['status']).toBe('anonymous');
  });

  it("refuses another browser's transaction cookie renamed to this state", async () => {
    const attacker = t.browser();
    const victim = t.browser();
    const { authorizeUrl } = await attacker.startLogin();
    const { response: victimLogin } = await victim.startLogin();
    const victimTx = setCookies(victimLogin)[0]?.value as string;
    const back = await attacker.authorize(authorizeUrl);
    const attackerTxName = attacker.transactionCookies[0] as string;
    const response = await victim.callback(back, { headers: { cookie: `${attackerTxName}=${victimTx}` } });
    expect(errorOf(response)).toBe('LATCHKEY_STATE_MISMATCH');
    expect(response.headers.getSetCookie().some((line) => line.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
  });

  it('answers a code the provider refuses with latchkey_error on returnTo, and no session', async () => {
    const browser = t.browser();
    const { authorizeUrl } = await browser.startLogin('/here');
    const state = authorizeUrl.searchParams.get('state') as string;
    const response = await browser.app(`/bff/callback?code=forged&state=${state}&iss=${encodeURIComponent(idp.issuer)}`);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') as string);
    expect(location.origin + location.pathname).toBe(`${idp.appOrigin}/here`);
    expect(location.searchParams.get('latchkey_error')).toMatch(/^LATCHKEY_/);
    expect(browser.sessionId).toBeUndefined();
  });
});

describe('open redirect: returnTo stays on the app', () => {
  const probes = [
    '//evil.example',
    '//evil.example/path',
    'https://evil.example',
    'http://evil.example/',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'https:evil.example',
    `http://localhost@evil.example`,
    '///evil.example',
  ];

  it.each(probes)('lands a sign-in with returnTo=%j on the app origin', async (probe) => {
    const browser = t.browser();
    const response = await browser.signIn(probe);
    const location = new URL(response.headers.get('location') as string);
    expect(location.origin).toBe(idp.appOrigin);
    expect(location.host).not.toContain('evil');
    expect(location.pathname.startsWith('//')).toBe(false);
  });

  // Encoded once more in the query: what the BFF decodes is still a probe.
  it.each(['%2F%2Fevil.example', 'https%3A%2F%2Fevil.example', '%2F%5Cevil.example', 'javascript%3Aalert(1)', '%252F%252Fevil.example'])(
    'lands a sign-in with the raw query returnTo=%s on the app origin',
    async (raw) => {
      const browser = t.browser();
      const login = await browser.app(`/bff/login?returnTo=${raw}`);
      const back = await browser.authorize(new URL(login.headers.get('location') as string));
      const response = await browser.callback(back);
      const location = new URL(response.headers.get('location') as string);
      expect(location.origin).toBe(idp.appOrigin);
      expect(location.host).not.toContain('evil');
    },
  );

  it('keeps a same-origin returnTo with its query and fragment', async () => {
    const response = await t.browser().signIn('/a/b?c=d#e');
    expect(response.headers.get('location')).toBe(`${idp.appOrigin}/a/b?c=d#e`);
  });

  it('sends a failed callback back to the app only', async () => {
    const browser = t.browser();
    const response = await browser.app('/bff/callback?state=x&returnTo=https://evil.example');
    expect(new URL(response.headers.get('location') as string).origin).toBe(idp.appOrigin);
  });
});
