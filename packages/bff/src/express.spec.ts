import express from 'express';
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SESSION_COOKIE } from './cookies.ts';
import { latchkeyBff, toRequest } from './express.ts';
import { TestBrowser } from './testing/browser.ts';
import {
  freePort,
  makeTestBff,
  readStreamUntil,
  startServer,
  startTestIdp,
  type TestBff,
  type TestIdp,
  type TestServer,
} from './testing/harness.ts';

let idp: TestIdp;
let upstream: TestServer;
let t: TestBff;
let server: Server;
let serverOrigin: string;

beforeAll(async () => {
  const appPort = await freePort();
  idp = await startTestIdp({ appPort });
  upstream = await startServer((_req, res, hit) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ authorization: hit.headers['authorization'], body: hit.body })),
  );
  t = makeTestBff(idp, {}, upstream);
  const app = express();
  app.use(latchkeyBff(t.bff));
  app.get('/', (_req, res) => {
    res.send('the app');
  });
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(appPort, '127.0.0.1', () => resolve(listening));
  });
  serverOrigin = `http://127.0.0.1:${appPort}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await t?.bff.close();
  await Promise.all([idp?.close(), upstream?.close()]);
});

/** A browser whose requests to the app go over real HTTP to the Express server. */
function httpBrowser(): TestBrowser {
  return new TestBrowser(idp.appOrigin, (request) => {
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    return fetch(request.url.replace(idp.appOrigin, serverOrigin), {
      method: request.method,
      headers: request.headers,
      redirect: 'manual',
      signal: request.signal,
      ...(hasBody && { body: request.body, duplex: 'half' }),
    } as RequestInit);
  });
}

/**
 * Counts the `{base}/session` requests `bff.handle()` answers from now on (the Express adapter's fast path
 * answers the others itself): read it with `handled()`, stop with `restore()`.
 */
function watchHandle() {
  const spy = vi.spyOn(t.bff, 'handle');
  return {
    handled: () => spy.mock.calls.filter(([request]) => new URL(request.url).pathname === '/bff/session').length,
    restore: () => spy.mockRestore(),
  };
}

/** A raw HTTP GET with the headers given as they are (Host included), for what a client controls. */
function rawGet(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const { hostname, port } = new URL(serverOrigin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Express adapter (latchkeyBff)', () => {
  it('runs the happy path over real HTTP: login, provider, callback, session, proxy, logout', async () => {
    const browser = httpBrowser();
    const callback = await browser.signIn('/dashboard');
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`${idp.appOrigin}/dashboard`);
    // Each Set-Cookie arrives as its own header line.
    expect(callback.headers.getSetCookie().length).toBeGreaterThanOrEqual(2);
    expect(browser.sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const { status, body } = await browser.session();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'authenticated', user: { sub: 'alice' } });

    const proxied = await browser.fetchFromPage('/bff/api/demo/echo', {
      method: 'POST',
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(proxied.status).toBe(200);
    const echoed = (await proxied.json()) as { authorization: string; body: string };
    expect(echoed.authorization).toBe(`Bearer ${(await t.sessionOf(browser))?.tokens.stored.access_token}`);
    expect(echoed.body).toBe('hello');

    const logout = await browser.fetchFromPage('/bff/logout', { method: 'POST' });
    expect(((await logout.json()) as { endSessionUrl: string }).endSessionUrl).toMatch(/^\/bff\/logout\/end\?t=/);
    expect((await browser.session()).body['status']).toBe('anonymous');
  });

  it('streams server-sent events over HTTP: the first chunk arrives at once, and an abort ends the stream', async () => {
    const browser = httpBrowser();
    await browser.signIn();
    const controller = new AbortController();
    const response = await browser.app('/bff/events', { headers: { origin: idp.appOrigin }, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await readStreamUntil(reader, (text) => text.includes('\n\n'), 2_000);
    expect(first).toMatch(/^retry: \d+\n/);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    // The server is still well after the client went away.
    expect((await browser.session()).body['status']).toBe('authenticated');
  });

  it('takes redirect_uri from configuration, never from Host or X-Forwarded-*', async () => {
    const { status, headers } = await rawGet('/bff/login?returnTo=/x', {
      host: 'evil.example',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
      forwarded: 'host=evil.example;proto=https',
    });
    expect(status).toBe(302);
    const location = new URL(headers['location'] as string);
    expect(location.origin).toBe(idp.issuer);
    expect(location.searchParams.get('redirect_uri')).toBe(`${idp.appOrigin}/bff/callback`);
    expect(String(headers['set-cookie'])).not.toContain('evil');
  });

  it('sends a failed callback to the configured origin whatever Host says', async () => {
    const { status, headers } = await rawGet('/bff/callback?code=x', { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
    expect(status).toBe(302);
    expect(new URL(headers['location'] as string).origin).toBe(idp.appOrigin);
  });

  it.each(['//evil.example/bff/login', '//evil.example:1/bff/session', 'http://evil.example/bff/login'])(
    'builds the Request for the request-target %s on the configured origin',
    (target) => {
      const req = { url: target, method: 'GET', headers: { host: 'evil.example' } } as unknown as IncomingMessage;
      const request = toRequest(req, idp.appOrigin, new AbortController().signal);
      expect(new URL(request.url).origin).toBe(idp.appOrigin);
    },
  );

  it('does not answer a request-target that only ends in the base path (//host/bff/login) as the BFF', async () => {
    const { status, headers } = await rawGet('//evil.example/bff/login', { host: 'evil.example' });
    expect(status).toBe(404);
    expect(headers['location']).toBeUndefined();
  });

  it('passes requests that are not the BFF on to the app', async () => {
    const response = await fetch(`${serverOrigin}/`);
    expect(await response.text()).toBe('the app');
    const beside = await fetch(`${serverOrigin}/bffx`);
    expect(beside.status).toBe(404);
  });

  it('refuses a cross-site request over HTTP as in-process (403, no cookie change)', async () => {
    const browser = httpBrowser();
    await browser.signIn();
    const response = await browser.app('/bff/logout', { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie().some((line) => line.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    expect((await browser.session()).body['status']).toBe('authenticated');
  });

  it('answers GET /bff/session over HTTP (its fast path, no Fetch API objects) exactly as handle() does, and falls back to it when refused', async () => {
    const browser = httpBrowser();
    const inProcess = new TestBrowser(idp.appOrigin, (request) => t.bff.handle(request) as Promise<Response>);
    // Everything but the server's clock (`now`) and the transport's own headers (Node's, Express's).
    const answer = async (response: Response) => {
      const { now, ...body } = (await response.json()) as Record<string, unknown>;
      const headers = [...response.headers].filter(
        ([name]) => !['date', 'connection', 'keep-alive', 'content-length', 'x-powered-by'].includes(name),
      );
      return { status: response.status, headers: Object.fromEntries(headers), body, now: typeof now };
    };
    // Signed out, then signed in (the same cookie sent both ways); over HTTP, handle() never answers them.
    const watch = watchHandle();
    const signedOut = await answer(await browser.fetchFromPage('/bff/session'));
    expect(watch.handled()).toBe(0);
    expect(signedOut).toEqual(await answer(await inProcess.fetchFromPage('/bff/session')));
    await browser.signIn();
    const cookie = browser.jar.header(new URL('/bff/session', idp.appOrigin)) ?? '';
    const before = watch.handled();
    const overHttp = await answer(await browser.fetchFromPage('/bff/session'));
    expect(watch.handled()).toBe(before);
    expect(overHttp.body).toMatchObject({ status: 'authenticated', user: { sub: 'alice' } });
    expect(overHttp).toEqual(await answer(await inProcess.fetchFromPage('/bff/session', { headers: { cookie } })));
    expect(overHttp.headers['cache-control']).toBe('no-store');
    // Refused by the CSRF checks: the full path answers, with its coded 403.
    const beforeRefused = watch.handled();
    const crossSite = await browser.app('/bff/session', { headers: { origin: 'https://evil.example', 'x-latchkey-csrf': '1' } });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.json()).toMatchObject({ error: 'LATCHKEY_CSRF_REJECTED' });
    const noHeader = await browser.app('/bff/session');
    expect(noHeader.status).toBe(403);
    expect(watch.handled()).toBe(beforeRefused + 2);
    watch.restore();
  });

  it('answers POST /bff/session ("Stay signed in") over HTTP as activity, as handle() does: the idle end slides; refused, handle() answers', async () => {
    const browser = httpBrowser();
    await browser.signIn();
    const touch = t.store.touch;
    const touched: number[] = [];
    t.store.touch = (...args) => {
      touched.push(args[1]);
      return touch(...args);
    };
    const watch = watchHandle();
    try {
      const before = (await browser.session()).body['expiresAt'] as number;
      t.clock.advance(5 * 60_000);
      const response = await browser.fetchFromPage('/bff/session', { method: 'POST' });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = (await response.json()) as { status: string; expiresAt: number; now: number };
      expect(body.status).toBe('authenticated');
      expect(body.expiresAt - before).toBeGreaterThanOrEqual(5 * 60_000);
      expect(touched).toHaveLength(1);
      expect((await t.sessionOf(browser))?.lastSeenAtMs).toBe(touched[0]);
      expect(watch.handled()).toBe(0);
      const crossSite = await browser.app('/bff/session', {
        method: 'POST',
        headers: { origin: 'https://evil.example', 'x-latchkey-csrf': '1' },
      });
      expect(crossSite.status).toBe(403);
      expect(await crossSite.json()).toMatchObject({ error: 'LATCHKEY_CSRF_REJECTED' });
      expect(touched).toHaveLength(1);
      expect(watch.handled()).toBe(1);
    } finally {
      t.store.touch = touch;
      watch.restore();
    }
  });

  it('answers GET /bff/session over HTTP with the coded 503 at once while the store is down: one read, not a second through handle()', async () => {
    const browser = httpBrowser();
    await browser.signIn();
    const get = t.store.get;
    let reads = 0;
    t.store.get = (key) => {
      reads++;
      return get(key);
    };
    t.store.down = true;
    const watch = watchHandle();
    try {
      const response = await browser.fetchFromPage('/bff/session');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toMatchObject({ error: 'LATCHKEY_BFF_UNAVAILABLE' });
      expect(reads).toBe(1);
      expect(watch.handled()).toBe(0);
    } finally {
      t.store.down = false;
      t.store.get = get;
      watch.restore();
    }
    expect((await browser.session()).body['status']).toBe('authenticated');
  });
});
