import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from './cookies.ts';
import { parseSetCookie } from './testing/browser.ts';
import {
  discovery,
  makeTestBff,
  readStreamUntil,
  sessionKeyOf,
  startTestIdp,
  tryRefresh,
  type TestBff,
  type TestIdp,
} from './testing/harness.ts';

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

describe('logout', () => {
  it('deletes the session, clears the cookie, revokes the refresh token and answers a one-time end-session URL without the ID token', async () => {
    const browser = t.browser();
    await browser.signIn();
    const id = browser.sessionId as string;
    const stored = (await t.sessionOf(browser))?.tokens.stored;
    expect(stored?.refresh_token).toBeTruthy();
    expect((await tryRefresh(idp.issuer, stored?.refresh_token as string)).status).toBe(200);

    const response = await browser.fetchFromPage('/bff/logout', { method: 'POST' });
    expect(response.status).toBe(200);
    const text = await response.text();
    const body = JSON.parse(text) as { endSessionUrl: string };
    expect(body.endSessionUrl).toMatch(/^\/bff\/logout\/end\?t=[A-Za-z0-9_-]{43}$/);
    expect(text).not.toContain(stored?.id_token as string);
    expect(text).not.toContain(stored?.refresh_token as string);
    expect(text).not.toContain(stored?.access_token as string);

    const cleared = response.headers
      .getSetCookie()
      .map(parseSetCookie)
      .find((c) => c.name === SESSION_COOKIE);
    expect(cleared?.value).toBe('');
    expect(cleared?.attributes.get('max-age')).toBe('0');
    expect(cleared?.attributes.get('path')).toBe('/');
    expect(cleared?.attributes.has('secure')).toBe(true);
    expect(browser.sessionId).toBeUndefined();

    expect(await t.store.get(sessionKeyOf(id))).toBeUndefined();
    const keeper = t.browser();
    keeper.jar.plant(new URL(idp.appOrigin), SESSION_COOKIE, id);
    expect((await keeper.session()).body['status']).toBe('anonymous');

    const refused = await tryRefresh(idp.issuer, stored?.refresh_token as string);
    expect(refused.status).toBe(400);
    expect(refused.error).toBe('invalid_grant');
  });

  it("sends the browser once to the provider's end_session_endpoint with id_token_hint, then only back to the app", async () => {
    const browser = t.browser();
    await browser.signIn();
    const idToken = (await t.sessionOf(browser))?.tokens.stored.id_token;
    const { endSessionUrl } = (await (await browser.fetchFromPage('/bff/logout', { method: 'POST' })).json()) as { endSessionUrl: string };

    const first = await browser.app(endSessionUrl);
    expect(first.status).toBe(302);
    const target = new URL(first.headers.get('location') as string);
    const { end_session_endpoint } = await discovery(idp.issuer);
    expect(target.origin + target.pathname).toBe(end_session_endpoint);
    expect(target.searchParams.get('id_token_hint')).toBe(idToken);
    expect(target.searchParams.get('client_id')).toBe('latchkey-bff');
    expect(target.searchParams.get('post_logout_redirect_uri')).toBe(`${idp.appOrigin}/`);

    const second = await browser.app(endSessionUrl);
    expect(second.status).toBe(302);
    expect(second.headers.get('location')).toBe(`${idp.appOrigin}/`);
  });

  it('the provider accepts the end-session request (it is a valid RP-initiated logout)', async () => {
    const browser = t.browser();
    await browser.signIn();
    const { endSessionUrl } = (await (await browser.fetchFromPage('/bff/logout', { method: 'POST' })).json()) as { endSessionUrl: string };
    const target = new URL((await browser.app(endSessionUrl)).headers.get('location') as string);
    const response = await fetch(target, { headers: { cookie: browser.jar.header(target) }, redirect: 'manual' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('op.logoutForm');
  });

  it('answers an anonymous logout with endSessionUrl null and a cleared cookie', async () => {
    const browser = t.browser();
    const response = await browser.fetchFromPage('/bff/logout', { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ endSessionUrl: null });
    expect(response.headers.getSetCookie().some((line) => line.startsWith(`${SESSION_COOKIE}=;`))).toBe(true);
  });

  it("ends only this browser's session", async () => {
    const one = t.browser();
    const two = t.browser();
    await one.signIn();
    await two.signIn();
    await one.fetchFromPage('/bff/logout', { method: 'POST' });
    expect((await one.session()).body['status']).toBe('anonymous');
    expect((await two.session()).body['status']).toBe('authenticated');
  });
});

describe('events', () => {
  async function openEvents(browser: ReturnType<TestBff['browser']>) {
    const controller = new AbortController();
    const response = await browser.app('/bff/events', { headers: { origin: idp.appOrigin }, signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    return {
      response,
      reader,
      close: async () => {
        controller.abort();
        await reader.cancel().catch(() => undefined);
      },
    };
  }

  it('streams retry: and a comment at once, uncached', async () => {
    const browser = t.browser();
    await browser.signIn();
    const events = await openEvents(browser);
    try {
      expect(events.response.status).toBe(200);
      expect(events.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(events.response.headers.get('cache-control')).toBe('no-store');
      const text = await readStreamUntil(events.reader, (sofar) => sofar.includes('\n\n'));
      expect(text).toMatch(/^retry: \d+\n/);
      expect(text).toMatch(/\n:[^\n]*\n\n/);
    } finally {
      await events.close();
    }
  });

  it('pushes event: session with status anonymous when that session logs out', async () => {
    const browser = t.browser();
    await browser.signIn();
    const events = await openEvents(browser);
    try {
      const hello = await readStreamUntil(events.reader, (sofar) => sofar.includes('\n\n'));
      const logout = await browser.fetchFromPage('/bff/logout', { method: 'POST' });
      expect(logout.status).toBe(200);
      const text = await readStreamUntil(events.reader, (sofar) => sofar.includes('event: session'), 3_000, hello);
      const event = /event: session\ndata: (.*)\n\n/.exec(text);
      expect(event).not.toBeNull();
      const data = JSON.parse(event?.[1] as string) as Record<string, unknown>;
      expect(data).toMatchObject({ status: 'anonymous', user: null, expiresAt: null });
      expect(typeof data['now']).toBe('number');
    } finally {
      await events.close();
    }
  });

  it('tells nothing to the stream of another session', async () => {
    const one = t.browser();
    const two = t.browser();
    await one.signIn();
    await two.signIn();
    const events = await openEvents(two);
    try {
      const hello = await readStreamUntil(events.reader, (sofar) => sofar.includes('\n\n'));
      await one.fetchFromPage('/bff/logout', { method: 'POST' });
      await expect(readStreamUntil(events.reader, (sofar) => sofar.includes('event:'), 300, hello)).rejects.toThrow(/stalled|in time/);
    } finally {
      await events.close();
    }
  });

  it('is not activity: an open stream keeps no session past its idle end', async () => {
    const idle = makeTestBff(idp, { idleTimeoutMs: 60_000 });
    const browser = idle.browser();
    await browser.signIn();
    const events = await openEvents(browser);
    try {
      await readStreamUntil(events.reader, (sofar) => sofar.includes('\n\n'));
      idle.clock.advance(40_000);
      const again = await openEvents(browser);
      await again.close();
      idle.clock.advance(25_000);
      expect((await browser.session()).body['status']).toBe('anonymous');
    } finally {
      await events.close();
      await idle.bff.close();
    }
  });

  it('pushes status anonymous when the session reaches its idle end on the server, unasked', async () => {
    const idle = makeTestBff(idp, { idleTimeoutMs: 500 });
    const browser = idle.browser();
    await browser.signIn();
    const events = await openEvents(browser);
    try {
      const text = await readStreamUntil(events.reader, (sofar) => sofar.includes('event: session'), 3_000);
      expect(JSON.parse(/event: session\ndata: (.*)\n\n/.exec(text)?.[1] as string)).toMatchObject({ status: 'anonymous' });
    } finally {
      await events.close();
      await idle.bff.close();
    }
  });

  it('opens for an anonymous browser too (and says connected)', async () => {
    const events = await openEvents(t.browser());
    try {
      expect(events.response.status).toBe(200);
      expect(await readStreamUntil(events.reader, (sofar) => sofar.includes('\n\n'))).toContain('retry:');
    } finally {
      await events.close();
    }
  });
});
