import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from './cookies.ts';
import { sqliteStore } from './stores/index.ts';
import { TestBrowser } from './testing/browser.ts';
import { makeTestBff, startServer, startTestIdp, type TestBff, type TestIdp, type TestServer } from './testing/harness.ts';

let idp: TestIdp;
let upstream: TestServer;
let dir: string;

beforeAll(async () => {
  idp = await startTestIdp();
  upstream = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  dir = mkdtempSync(join(tmpdir(), 'latchkey-bff-'));
});

afterAll(async () => {
  await Promise.all([idp?.close(), upstream?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function expectUnavailable(response: Response, startedAt: number): Promise<void> {
  expect(Date.now() - startedAt).toBeLessThan(1_000);
  expect(response.status).toBe(503);
  expect(((await response.json()) as { error: string }).error).toBe('LATCHKEY_BFF_UNAVAILABLE');
  expect(response.headers.get('retry-after')).toBe('1');
  // Nobody is signed out by a fault: the cookie is not cleared.
  expect(response.headers.getSetCookie()).toEqual([]);
}

describe('store down', () => {
  let t: TestBff;
  let browser: TestBrowser;

  beforeAll(async () => {
    t = makeTestBff(idp, {}, upstream);
    browser = t.browser();
    await browser.signIn();
  });

  afterAll(async () => {
    t.store.down = false;
    await t.bff.close();
  });

  it('answers GET /bff/session with a quick 503 LATCHKEY_BFF_UNAVAILABLE, and once the store is back the same cookie is signed in', async () => {
    t.store.down = true;
    const startedAt = Date.now();
    await expectUnavailable(await browser.fetchFromPage('/bff/session'), startedAt);
    t.store.down = false;
    expect((await browser.session()).body['status']).toBe('authenticated');
  });

  it("reports the store's failure to the log, without the cookie's id or a token", async () => {
    const before = t.logs.length;
    t.store.down = true;
    await browser.fetchFromPage('/bff/session');
    t.store.down = false;
    const logged = t.logs.slice(before);
    expect(logged.some((line) => line.includes('the session store failed'))).toBe(true);
    const session = await t.sessionOf(browser);
    for (const secret of [browser.sessionId, session?.tokens.stored.access_token, session?.tokens.stored.refresh_token]) {
      expect(secret).toBeDefined();
      expect(logged.join('\n')).not.toContain(secret);
    }
  });

  it('answers POST /bff/session, logout, events and the proxy with 503 too, and signs nobody out', async () => {
    t.store.down = true;
    for (const [method, path] of [
      ['POST', '/bff/session'],
      ['POST', '/bff/logout'],
      ['GET', '/bff/events'],
      ['GET', '/bff/api/demo/x'],
    ] as const) {
      const startedAt = Date.now();
      await expectUnavailable(await browser.fetchFromPage(path, { method }), startedAt);
    }
    expect(upstream.hits).toEqual([]);
    t.store.down = false;
    expect((await browser.session()).body['status']).toBe('authenticated');
    expect(browser.sessionId).toBeDefined();
  });

  it('sends a sign-in started while the store is down back to the app with LATCHKEY_BFF_UNAVAILABLE', async () => {
    t.store.down = true;
    try {
      const someone = t.browser();
      const response = await someone.app('/bff/login?returnTo=/here');
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location') as string);
      expect(location.origin + location.pathname).toBe(`${idp.appOrigin}/here`);
      expect(location.searchParams.get('latchkey_error')).toBe('LATCHKEY_BFF_UNAVAILABLE');
      expect(someone.transactionCookies).toEqual([]);
    } finally {
      t.store.down = false;
    }
  });

  it('sends a callback that arrives while the store is down back with LATCHKEY_BFF_UNAVAILABLE, and no session cookie', async () => {
    const someone = t.browser();
    const { authorizeUrl } = await someone.startLogin();
    const back = await someone.authorize(authorizeUrl);
    t.store.down = true;
    try {
      const response = await someone.callback(back);
      expect(new URL(response.headers.get('location') as string).searchParams.get('latchkey_error')).toBe('LATCHKEY_BFF_UNAVAILABLE');
      expect(someone.sessionId).toBeUndefined();
    } finally {
      t.store.down = false;
    }
  });

  it('makes sessionFor (server-side render) answer undefined: unknown, not anonymous', async () => {
    const request = new Request(`${idp.appOrigin}/`, { headers: { cookie: `${SESSION_COOKIE}=${browser.sessionId}` } });
    expect((await t.bff.sessionFor(request))?.status).toBe('authenticated');
    t.store.down = true;
    expect(await t.bff.sessionFor(request)).toBeUndefined();
    t.store.down = false;
    expect((await t.bff.sessionFor(request))?.status).toBe('authenticated');
  });
});

describe('restart (sqliteStore)', () => {
  it('keeps the same cookie signed in after the BFF is closed and a new one opens the same file', async () => {
    const path = join(dir, 'sessions.sqlite');
    const first = makeTestBff(idp, { store: sqliteStore({ path }) }, upstream);
    const browser = first.browser();
    await browser.signIn('/back');
    const id = browser.sessionId as string;
    expect((await browser.session()).body['status']).toBe('authenticated');
    await first.bff.close();

    const second = makeTestBff(idp, { store: sqliteStore({ path }) }, upstream);
    try {
      const after = new TestBrowser(idp.appOrigin, async (request) => (await second.bff.handle(request)) as Response);
      after.jar.plant(new URL(idp.appOrigin), SESSION_COOKIE, id);
      const { body } = await after.session();
      expect(body['status']).toBe('authenticated');
      expect(body['user']).toMatchObject({ sub: 'alice' });
      // The tokens came through too: a proxied call carries them.
      upstream.hits.length = 0;
      expect((await after.fetchFromPage('/bff/api/demo/x')).status).toBe(200);
      expect(upstream.hits[0]?.headers['authorization']).toMatch(/^Bearer .+/);
      // And a logout after the restart still ends it.
      await after.fetchFromPage('/bff/logout', { method: 'POST' });
      after.jar.plant(new URL(idp.appOrigin), SESSION_COOKIE, id);
      expect((await after.session()).body['status']).toBe('anonymous');
    } finally {
      await second.bff.close();
    }
  });

  it('a restart on a new, empty file signs the old cookie out (the session was in the file, not the cookie)', async () => {
    const first = makeTestBff(idp, { store: sqliteStore({ path: join(dir, 'a.sqlite') }) });
    const browser = first.browser();
    await browser.signIn();
    await first.bff.close();
    const second = makeTestBff(idp, { store: sqliteStore({ path: join(dir, 'b.sqlite') }) });
    try {
      const after = new TestBrowser(idp.appOrigin, async (request) => (await second.bff.handle(request)) as Response);
      after.jar.plant(new URL(idp.appOrigin), SESSION_COOKIE, browser.sessionId as string);
      expect((await after.session()).body['status']).toBe('anonymous');
    } finally {
      await second.bff.close();
    }
  });
});
