import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from './cookies.ts';
import type { TestBrowser } from './testing/browser.ts';
import { makeTestBff, startServer, startTestIdp, startUpstream, type TestBff, type TestIdp, type TestServer } from './testing/harness.ts';

let idp: TestIdp;
let elsewhere: TestServer;
let upstream: TestServer;
let t: TestBff;
let browser: TestBrowser;

beforeAll(async () => {
  idp = await startTestIdp();
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
});

const EVIL = 'https://evil.example';

async function expectCsrfRejected(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  expect(((await response.json()) as { error: string }).error).toBe('LATCHKEY_CSRF_REJECTED');
  expect(response.headers.getSetCookie()).toEqual([]);
}

async function expectStillSignedIn(): Promise<void> {
  const { body } = await browser.session();
  expect(body['status']).toBe('authenticated');
}

describe('CSRF: the custom header, and Origin and Sec-Fetch-Site the app own', () => {
  it('refuses POST /bff/logout without the header with 403 LATCHKEY_CSRF_REJECTED, and nothing changes', async () => {
    const calls = t.calls.length;
    await expectCsrfRejected(await browser.app('/bff/logout', { method: 'POST', headers: { origin: idp.appOrigin } }));
    await expectStillSignedIn();
    // Nothing went to the provider either (no revocation).
    expect(t.calls.slice(calls)).toEqual([]);
  });

  it('refuses a cross-site form POST to logout (urlencoded body, foreign Origin, no header)', async () => {
    const response = await browser.app('/bff/logout', {
      method: 'POST',
      headers: { origin: EVIL, 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=b',
    });
    await expectCsrfRejected(response);
    await expectStillSignedIn();
  });

  it('refuses the proxy without the header, and the upstream sees no request', async () => {
    await expectCsrfRejected(await browser.app('/bff/api/demo/things', { headers: { origin: idp.appOrigin } }));
    await expectCsrfRejected(await browser.app('/bff/api/demo/things', { method: 'POST', body: '{}' }));
    expect(upstream.hits).toEqual([]);
  });

  it('refuses GET and POST /bff/session without the header', async () => {
    await expectCsrfRejected(await browser.app('/bff/session'));
    await expectCsrfRejected(await browser.app('/bff/session', { method: 'POST' }));
  });

  it.each([
    ['POST', '/bff/logout'],
    ['GET', '/bff/session'],
    ['POST', '/bff/session'],
    ['GET', '/bff/api/demo/things'],
  ])('refuses %s %s with the header but a foreign Origin', async (method, path) => {
    await expectCsrfRejected(await browser.fetchFromPage(path, { method, headers: { origin: EVIL } }));
    await expectCsrfRejected(await browser.fetchFromPage(path, { method, headers: { origin: 'null' } }));
    await expectCsrfRejected(
      await browser.fetchFromPage(path, { method, headers: { origin: idp.appOrigin.replace('localhost', '127.0.0.1') } }),
    );
    expect(upstream.hits).toEqual([]);
    await expectStillSignedIn();
  });

  it.each(['cross-site', 'same-site'])('refuses the header with Sec-Fetch-Site: %s', async (site) => {
    await expectCsrfRejected(await browser.fetchFromPage('/bff/logout', { method: 'POST', headers: { 'sec-fetch-site': site } }));
    await expectCsrfRejected(await browser.fetchFromPage('/bff/api/demo/x', { headers: { 'sec-fetch-site': site } }));
    await expectCsrfRejected(await browser.fetchFromPage('/bff/session', { headers: { 'sec-fetch-site': site } }));
    expect(upstream.hits).toEqual([]);
    await expectStillSignedIn();
  });

  it('refuses a wrong header value', async () => {
    await expectCsrfRejected(await browser.fetchFromPage('/bff/session', { headers: { 'x-latchkey-csrf': 'yes' } }));
  });

  it('accepts the page itself: the header, its own Origin, Sec-Fetch-Site same-origin (and neither header, as a server sends)', async () => {
    expect((await browser.fetchFromPage('/bff/session')).status).toBe(200);
    expect((await browser.app('/bff/session', { headers: { 'x-latchkey-csrf': '1' } })).status).toBe(200);
    expect((await browser.fetchFromPage('/bff/api/demo/ok')).status).toBe(200);
    expect(upstream.hits).toHaveLength(1);
  });

  describe('events (an EventSource sends no custom header)', () => {
    async function open(headers: Record<string, string>): Promise<Response> {
      const controller = new AbortController();
      const response = await browser.app('/bff/events', { headers, signal: controller.signal });
      if (response.status === 200) {
        controller.abort();
        await response.body?.cancel().catch(() => undefined);
      }
      return response;
    }

    it('refuses events with a foreign Origin', async () => {
      await expectCsrfRejected(await open({ origin: EVIL }));
    });

    it('refuses events with Sec-Fetch-Site cross-site', async () => {
      await expectCsrfRejected(await open({ 'sec-fetch-site': 'cross-site' }));
    });

    it('opens events from the app without the header', async () => {
      const response = await open({ origin: idp.appOrigin, 'sec-fetch-site': 'same-origin' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    });
  });
});

describe('cross-origin read: no CORS grant on any answer', () => {
  const corsHeaders = (response: Response) => [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));

  it.each([
    ['GET', '/bff/session'],
    ['POST', '/bff/session'],
    ['POST', '/bff/logout'],
    ['GET', '/bff/login'],
    ['GET', '/bff/callback'],
    ['GET', '/bff/logout/end'],
    ['GET', '/bff/api/demo/x'],
    ['GET', '/bff/nope'],
  ])('grants another origin nothing on %s %s, with or without the header', async (method, path) => {
    const foreign = await browser.app(path, { method, headers: { origin: EVIL } });
    expect(corsHeaders(foreign)).toEqual([]);
    const withHeader = await browser.app(path, { method, headers: { origin: EVIL, 'x-latchkey-csrf': '1' } });
    expect(corsHeaders(withHeader)).toEqual([]);
    expect(upstream.hits).toEqual([]);
  });

  it.each(['/bff/session', '/bff/logout', '/bff/login', '/bff/events', '/bff/api/demo/x', '/bff/nope'])(
    'answers an OPTIONS preflight to %s with a refusal and no grant',
    async (path) => {
      const response = await browser.app(path, {
        method: 'OPTIONS',
        headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-latchkey-csrf' },
      });
      expect([403, 404, 405]).toContain(response.status);
      expect(corsHeaders(response)).toEqual([]);
      expect(upstream.hits).toEqual([]);
    },
  );

  it('passes on no CORS grant an upstream makes', async () => {
    const response = await browser.fetchFromPage('/bff/api/demo/cookie');
    expect(response.status).toBe(200);
    expect(upstream.hits).toHaveLength(1);
    expect(corsHeaders(response)).toEqual([]);
  });

  it('answers the session endpoint uncacheable', async () => {
    const response = await browser.fetchFromPage('/bff/session');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('bad input: never a 500', () => {
  const anonymous = async (cookie: string) => {
    const response = await t.bff.handle(
      new Request(`${idp.appOrigin}/bff/session`, { headers: { cookie, 'x-latchkey-csrf': '1', origin: idp.appOrigin } }),
    );
    expect(response?.status).toBe(200);
    return ((await response?.json()) as { status: string }).status;
  };
  const id = () => browser.sessionId as string;

  it.each([
    ['no value', SESSION_COOKIE],
    ['an empty value', `${SESSION_COOKIE}=`],
    ['only separators', ';;; ;=;=='],
    ['a value with "="', `${SESSION_COOKIE}=abc=def`],
    ['a non-base64url value', `${SESSION_COOKIE}=${'%$#!'.repeat(11)}`],
    ['a quoted value', `${SESSION_COOKIE}="${'a'.repeat(43)}"`],
    ['a too short value', `${SESSION_COOKIE}=abc`],
    ['a too long value', `${SESSION_COOKIE}=${'a'.repeat(500)}`],
    ['latin-1 bytes', `${SESSION_COOKIE}=\u00ff\u00fe${'a'.repeat(41)}`],
  ])('reads a cookie with %s as anonymous', async (_label, cookie) => {
    expect(await anonymous(cookie)).toBe('anonymous');
  });

  it('reads the real id as signed in, and the same id sent twice (a sibling subdomain tossing one in) as anonymous', async () => {
    expect(await anonymous(`${SESSION_COOKIE}=${id()}`)).toBe('authenticated');
    expect(await anonymous(`${SESSION_COOKIE}=${id()}; ${SESSION_COOKIE}=${'b'.repeat(43)}`)).toBe('anonymous');
  });

  it('reads a huge cookie header (over 16 KB) as anonymous, even with the right id in it', async () => {
    expect(await anonymous(`junk=${'x'.repeat(20_000)}; ${SESSION_COOKIE}=${id()}`)).toBe('anonymous');
  });

  it('answers an unknown endpoint with 404, and leaves other paths to the app', async () => {
    for (const path of ['/bff/nope', '/bff', '/bff/', '/bff/session/extra', '/bff/api', '/bff/SESSION']) {
      const response = await t.bff.handle(new Request(`${idp.appOrigin}${path}`));
      expect(response?.status, path).toBe(404);
      expect(((await response?.json()) as { error: string }).error).toMatch(/^LATCHKEY_/);
    }
    for (const path of ['/', '/bffx/session', '/app/bff/session', '/api/demo']) {
      expect(await t.bff.handle(new Request(`${idp.appOrigin}${path}`)), path).toBeUndefined();
    }
  });

  it.each([
    ['DELETE', '/bff/session', 'GET, POST'],
    ['PUT', '/bff/session', 'GET, POST'],
    ['POST', '/bff/login', 'GET'],
    ['POST', '/bff/callback', 'GET'],
    ['GET', '/bff/logout', 'POST'],
    ['POST', '/bff/logout/end', 'GET'],
    ['POST', '/bff/events', 'GET'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const response = await browser.app(path, { method, headers: { 'x-latchkey-csrf': '1' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
  });

  it.each([
    '/bff/callback',
    '/bff/callback?state=&code=',
    '/bff/callback?state=a&state=b&code=c',
    '/bff/callback?error=access_denied',
    `/bff/callback?state=${'x'.repeat(5000)}`.slice(0, 5000),
    '/bff/callback?state=%ff%fe',
    '/bff/logout/end',
    '/bff/logout/end?t=../../x',
    `/bff/logout/end?t=${'a'.repeat(43)}`,
    `/bff/login?returnTo=${'/a'.repeat(5000)}`,
    '/bff/login?returnTo=%00',
  ])('answers GET %s with a redirect to the app, never a 500', async (path) => {
    const response = await browser.app(path);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') as string);
    expect([idp.appOrigin, idp.issuer]).toContain(location.origin);
  });

  it('answers a cancelled sign-in (error=access_denied, no state) with its code', async () => {
    const response = await browser.app('/bff/callback?error=access_denied');
    expect(new URL(response.headers.get('location') as string).searchParams.get('latchkey_error')).toBe('LATCHKEY_ACCESS_DENIED');
  });

  it('leaves the session of a browser sending junk alone', async () => {
    await expectStillSignedIn();
  });
});
