import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from './cookies.ts';
import { REFRESH_MARGIN_MS } from './sessions.ts';
import type { TestBrowser } from './testing/browser.ts';
import {
  makeTestBff,
  revokeAtProvider,
  startServer,
  startTestIdp,
  startUpstream,
  type Hit,
  type TestBff,
  type TestIdp,
  type TestServer,
} from './testing/harness.ts';

const TOKEN_TTL_SECONDS = 120;

let idp: TestIdp;
let elsewhere: TestServer;
let upstream: TestServer;
let t: TestBff;
let browser: TestBrowser;

beforeAll(async () => {
  idp = await startTestIdp({ tokenTtlSeconds: TOKEN_TTL_SECONDS });
  elsewhere = await startServer((_req, res) => res.writeHead(200).end('elsewhere'));
  upstream = await startUpstream(elsewhere.origin);
  t = makeTestBff(idp, {}, upstream);
  browser = t.browser();
  await browser.signIn();
});

afterAll(async () => {
  await t?.bff.close();
  await Promise.all([idp?.close(), upstream?.close(), elsewhere?.close()]);
});

beforeEach(() => {
  upstream.hits.length = 0;
  elsewhere.hits.length = 0;
});

async function echo(response: Response): Promise<Hit> {
  expect(response.status).toBe(200);
  return (await response.json()) as Hit;
}

describe('SSRF: only the allowlisted upstream, under its base path', () => {
  it('forwards {base}/api/demo/<rest> to <upstream>/v1/<rest> with the query', async () => {
    const hit = await echo(await browser.fetchFromPage('/bff/api/demo/things/42?x=1&y=%20'));
    expect(hit.url).toBe('/v1/things/42?x=1&y=%20');
    expect(upstream.hits).toHaveLength(1);
  });

  it('answers an unknown upstream name with 404 and fetches nothing', async () => {
    const calls = t.calls.length;
    for (const path of ['/bff/api/nope/x', '/bff/api/DEMO/x', '/bff/api/dem/x', '/bff/api/demo2/x', '/bff/api/', '/bff/api/%64emo/x']) {
      const response = await browser.fetchFromPage(path);
      expect(response.status, path).toBe(404);
    }
    expect(t.calls.slice(calls)).toEqual([]);
    expect(upstream.hits).toEqual([]);
  });

  it.each([
    ['..', '/bff/api/demo/../demo2/x'],
    ['.. out of the base', '/bff/api/demo/../../../etc/passwd'],
    ['%2e%2e', '/bff/api/demo/%2e%2e/x'],
    ['.%2E', '/bff/api/demo/.%2E/x'],
    ['%2f', '/bff/api/demo/..%2f..%2fadmin'],
    ['%2F in a segment', '/bff/api/demo/a%2Fb'],
    ['%5c', '/bff/api/demo/%5c%5cevil.example/x'],
    ['a NUL', '/bff/api/demo/x%00.json'],
    ['an absolute URL', `/bff/api/demo/http://127.0.0.1:1/x`],
    ['an absolute URL to elsewhere', `/bff/api/demo/ELSEWHERE/stolen`],
    ['a backslash', '/bff/api/demo/\\\\evil.example/x'],
    ['an empty segment (protocol-relative)', '/bff/api/demo//evil.example/x'],
  ])('refuses %s in the path: the upstream sees no request', async (_label, rawPath) => {
    const path = rawPath.replace('ELSEWHERE', elsewhere.origin);
    const response = await browser.fetchFromPage(path);
    expect(response.status, path).toBeGreaterThanOrEqual(400);
    expect(response.status, path).toBeLessThan(500);
    expect(upstream.hits).toEqual([]);
    expect(elsewhere.hits).toEqual([]);
  });

  it('does not follow an upstream redirect: the other target sees nothing, the 302 comes back as it is', async () => {
    const response = await browser.fetchFromPage('/bff/api/demo/redirect');
    expect(response.status).toBe(302);
    expect(upstream.hits).toHaveLength(1);
    expect(elsewhere.hits).toEqual([]);
  });

  it('answers an upstream that is down with 502, not a 500', async () => {
    const down = makeTestBff(idp, { upstreams: { gone: { url: 'http://127.0.0.1:1/v1', timeoutMs: 2_000 } } });
    const someone = down.browser();
    await someone.signIn();
    const response = await someone.fetchFromPage('/bff/api/gone/x');
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toBe('LATCHKEY_BFF_UNAVAILABLE');
    await down.bff.close();
  });

  it('answers an anonymous call with 401 and fetches nothing', async () => {
    const stranger = t.browser();
    const response = await stranger.fetchFromPage('/bff/api/demo/x');
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('LATCHKEY_LOGIN_REQUIRED');
    expect(upstream.hits).toEqual([]);
  });
});

describe("header hygiene: the upstream gets the session's token and nothing of the browser's credentials", () => {
  it("sends Authorization: Bearer <the session's access token> instead of the browser's", async () => {
    const stored = (await t.sessionOf(browser))?.tokens.stored;
    const hit = await echo(await browser.fetchFromPage('/bff/api/demo/me', { headers: { authorization: 'Bearer from-the-browser' } }));
    expect(hit.headers['authorization']).toBe(`Bearer ${stored?.access_token}`);
  });

  it('drops Cookie, Connection-named and hop-by-hop headers, X-Latchkey-CSRF, Origin and Sec-*', async () => {
    const hit = await echo(
      await browser.fetchFromPage('/bff/api/demo/me', {
        headers: {
          connection: 'keep-alive, X-Private-Hop',
          'x-private-hop': 'secret',
          'keep-alive': 'timeout=5',
          'proxy-authorization': 'Basic c2VjcmV0',
          te: 'trailers',
          upgrade: 'h2c',
          'x-forwarded-for': '203.0.113.9',
          'x-forwarded-host': 'evil.example',
          forwarded: 'for=203.0.113.9',
          'sec-fetch-mode': 'navigate',
          'sec-fetch-dest': 'document',
          'sec-ch-ua': '"Chromium"',
          'x-kept': 'kept',
          accept: 'application/json',
        },
      }),
    );
    const names = Object.keys(hit.headers);
    for (const name of [
      'cookie',
      'x-private-hop',
      'keep-alive',
      'proxy-authorization',
      'te',
      'upgrade',
      'x-latchkey-csrf',
      'origin',
      'sec-fetch-site',
      'sec-fetch-dest',
      'sec-ch-ua',
      'x-forwarded-for',
      'x-forwarded-host',
      'forwarded',
    ]) {
      expect(names, name).not.toContain(name);
    }
    expect(JSON.stringify(hit.headers)).not.toContain(browser.sessionId as string);
    // Node's fetch sends its own Sec-Fetch-Mode; the browser's never goes on.
    expect(hit.headers['sec-fetch-mode']).not.toBe('navigate');
    expect(hit.headers['x-kept']).toBe('kept');
    expect(hit.headers['accept']).toBe('application/json');
    expect(hit.headers['host']).toBe(new URL(upstream.origin).host);
  });

  it('forwards the body and method of a POST', async () => {
    const hit = await echo(
      await browser.fetchFromPage('/bff/api/demo/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"n":1}',
      }),
    );
    expect(hit.method).toBe('POST');
    expect(hit.body).toBe('{"n":1}');
    expect(hit.headers['content-type']).toBe('application/json');
  });

  it("never lets an upstream's Set-Cookie reach the browser, nor the headers its Connection names", async () => {
    const before = browser.sessionId;
    const response = await browser.fetchFromPage('/bff/api/demo/cookie');
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.has('set-cookie')).toBe(false);
    expect(response.headers.has('x-upstream-hop')).toBe(false);
    expect(response.headers.get('x-upstream-kept')).toBe('yes');
    expect(browser.sessionId).toBe(before);
    expect(browser.jar.get(browser.appHost, 'upstream')).toBeUndefined();
  });

  it('marks a proxied answer no-store unless the upstream says otherwise', async () => {
    const response = await browser.fetchFromPage('/bff/api/demo/me');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('refresh when due: once, however many calls need it', () => {
  const refreshCalls = (from: number) =>
    t.calls.slice(from).filter((call) => call.url.endsWith('/token') && call.body.includes('grant_type=refresh_token'));

  it('sends the access token as it is while it is not due, and refreshes nothing', async () => {
    const calls = t.calls.length;
    const stored = (await t.sessionOf(browser))?.tokens.stored;
    const hit = await echo(await browser.fetchFromPage('/bff/api/demo/x'));
    expect(hit.headers['authorization']).toBe(`Bearer ${stored?.access_token}`);
    expect(refreshCalls(calls)).toEqual([]);
  });

  it('makes exactly one refresh request for concurrent calls, and all of them carry the new token', async () => {
    const someone = t.browser();
    await someone.signIn();
    const before = (await t.sessionOf(someone))?.tokens.stored;
    t.clock.advance(TOKEN_TTL_SECONDS * 1000 - REFRESH_MARGIN_MS + 5_000);
    const calls = t.calls.length;
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => someone.fetchFromPage(`/bff/api/demo/n/${i}`)));
    const hits = await Promise.all(responses.map(echo));
    expect(refreshCalls(calls)).toHaveLength(1);
    const after = (await t.sessionOf(someone))?.tokens.stored;
    expect(after?.access_token).not.toBe(before?.access_token);
    expect(after?.expires_at_ms).toBeGreaterThan(t.clock.now() + REFRESH_MARGIN_MS);
    for (const hit of hits) expect(hit.headers['authorization']).toBe(`Bearer ${after?.access_token}`);
    // Once refreshed, the next call refreshes nothing.
    const later = t.calls.length;
    await echo(await someone.fetchFromPage('/bff/api/demo/again'));
    expect(refreshCalls(later)).toEqual([]);
    expect((await someone.session()).body['status']).toBe('authenticated');
  });

  it('ends the session with 401 when the provider refuses the refresh (the grant was revoked)', async () => {
    const someone = t.browser();
    await someone.signIn();
    const stored = (await t.sessionOf(someone))?.tokens.stored;
    await revokeAtProvider(idp.issuer, stored?.refresh_token as string);
    t.clock.advance(TOKEN_TTL_SECONDS * 1000);
    const calls = t.calls.length;
    const response = await someone.fetchFromPage('/bff/api/demo/x');
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('LATCHKEY_LOGIN_REQUIRED');
    expect(refreshCalls(calls)).toHaveLength(1);
    expect(upstream.hits).toEqual([]);
    expect(await t.sessionOf(someone)).toBeUndefined();
    expect((await someone.session()).body['status']).toBe('anonymous');
    // The planted cookie of an ended session is still refused on the next call.
    const again = await someone.fetchFromPage('/bff/api/demo/x', { headers: { cookie: `${SESSION_COOKIE}=${someone.sessionId}` } });
    expect(again.status).toBe(401);
  });
});
