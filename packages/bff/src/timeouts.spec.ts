import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sqliteStore } from './stores/sqlite-store.ts';
import { DEFAULT_ABSOLUTE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, resolveBffOptions } from './options.ts';
import type { TestBrowser } from './testing/browser.ts';
import { makeTestBff, startServer, startTestIdp, type TestBff, type TestIdp, type TestServer } from './testing/harness.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let idp: TestIdp;
let upstream: TestServer;
const made: TestBff[] = [];

beforeAll(async () => {
  // Access tokens outlive every step here, so no call needs a refresh (times move far past 15 minutes).
  idp = await startTestIdp({ tokenTtlSeconds: 24 * 3600 });
  upstream = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});

afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.bff.close()));
});

afterAll(async () => {
  await Promise.all([idp?.close(), upstream?.close()]);
});

async function signedIn(overrides: Parameters<typeof makeTestBff>[1] = {}): Promise<{ t: TestBff; browser: TestBrowser }> {
  const t = makeTestBff(idp, overrides, upstream);
  made.push(t);
  const browser = t.browser();
  await browser.signIn();
  return { t, browser };
}

const status = async (browser: TestBrowser) => (await browser.session()).body['status'];

describe('the defaults', () => {
  it('are 30 minutes idle and 12 hours absolute, as options.ts states', () => {
    expect(DEFAULT_IDLE_TIMEOUT_MS).toBe(30 * MINUTE);
    expect(DEFAULT_ABSOLUTE_TIMEOUT_MS).toBe(12 * HOUR);
    const resolved = resolveBffOptions({ issuer: idp.issuer, clientId: 'c', clientSecret: 's', appOrigin: idp.appOrigin });
    expect(resolved.idleTimeoutMs).toBe(30 * MINUTE);
    expect(resolved.absoluteTimeoutMs).toBe(12 * HOUR);
  });

  it('end an untouched session after 30 minutes, not before', async () => {
    const { t, browser } = await signedIn();
    const { body } = await browser.session();
    expect(body['expiresAt']).toBeGreaterThanOrEqual((body['now'] as number) + 30 * MINUTE - 5_000);
    expect(body['expiresAt']).toBeLessThanOrEqual((body['now'] as number) + 30 * MINUTE);
    t.clock.advance(29 * MINUTE);
    expect(await status(browser)).toBe('authenticated');
    t.clock.advance(1 * MINUTE + 1_000);
    expect(await status(browser)).toBe('anonymous');
  });

  it('end a session after 12 hours however active it is', async () => {
    const { t, browser } = await signedIn();
    for (let elapsed = 0; elapsed < 12 * HOUR - 20 * MINUTE; elapsed += 20 * MINUTE) {
      t.clock.advance(20 * MINUTE);
      const response = await browser.fetchFromPage('/bff/session', { method: 'POST' });
      expect(((await response.json()) as { status: string }).status).toBe('authenticated');
    }
    t.clock.advance(20 * MINUTE + 1_000);
    expect(await status(browser)).toBe('anonymous');
  });

  it('give the session cookie a Max-Age of the absolute timeout', async () => {
    const t = makeTestBff(idp);
    made.push(t);
    const callback = await t.browser().signIn();
    const cookie = callback.headers.getSetCookie().find((line) => line.startsWith('__Host-Http-latchkey='));
    expect(cookie).toContain(`Max-Age=${12 * 3600}`);
  });
});

describe('idle timeout (sliding)', () => {
  const idle = { idleTimeoutMs: 10 * MINUTE };

  it('is not moved by GET /bff/session: it only reads', async () => {
    const { t, browser } = await signedIn(idle);
    t.clock.advance(6 * MINUTE);
    expect(await status(browser)).toBe('authenticated');
    t.clock.advance(5 * MINUTE);
    expect(await status(browser)).toBe('anonymous');
  });

  it('is moved by POST /bff/session ("stay signed in"), which answers the new end', async () => {
    const { t, browser } = await signedIn(idle);
    t.clock.advance(6 * MINUTE);
    const response = await browser.fetchFromPage('/bff/session', { method: 'POST' });
    const body = (await response.json()) as { status: string; expiresAt: number; now: number };
    expect(body.status).toBe('authenticated');
    expect(body.expiresAt).toBe(body.now + 10 * MINUTE);
    t.clock.advance(6 * MINUTE);
    expect(await status(browser)).toBe('authenticated');
    t.clock.advance(5 * MINUTE);
    expect(await status(browser)).toBe('anonymous');
  });

  /**
   * Signed in on a real SQLite store (its touch throttle a minute, on the BFF's clock) whose touch() calls are
   * counted; `post()` is "Stay signed in", and answers the time left until the idle end.
   */
  async function onCountedSqlite(
    idleTimeoutMs: number,
    test: (s: { t: TestBff; browser: TestBrowser; touches: number[]; post(): Promise<number> }) => Promise<void>,
  ) {
    const dir = await mkdtemp(join(tmpdir(), 'latchkey-touch-'));
    try {
      const clock: { now?: () => number } = {};
      const sqlite = sqliteStore({ path: join(dir, 'sessions.db'), now: () => clock.now?.() ?? Date.now(), touchThrottleMs: MINUTE });
      const { t, browser } = await signedIn({ idleTimeoutMs, store: sqlite });
      clock.now = t.clock.now;
      const touches: number[] = [];
      const touch = t.store.touch;
      t.store.touch = (...args) => {
        touches.push(args[1]);
        return touch(...args);
      };
      const post = async () => {
        const body = (await (await browser.fetchFromPage('/bff/session', { method: 'POST' })).json()) as { expiresAt: number; now: number };
        return body.expiresAt - body.now;
      };
      await test({ t, browser, touches, post });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const left = (ms: number) => expect.toSatisfy((got: number) => got > ms - 1_000 && got <= ms);

  it('asks a store that throttles touches for none within its throttle: "stay signed in" then is one read', () =>
    onCountedSqlite(10 * MINUTE, async ({ t, browser, touches, post }) => {
      // Within the throttle the idle end stays the stored one, and the answer says so; beyond it, it slides.
      t.clock.advance(30_000);
      expect(await post()).toEqual(left(10 * MINUTE - 30_000));
      expect(touches).toEqual([]);
      t.clock.advance(31_000);
      expect(await post()).toEqual(left(10 * MINUTE));
      expect(touches).toHaveLength(1);
      // The write landed: the idle end counts from it.
      expect((await t.sessionOf(browser))?.lastSeenAtMs).toBe(touches[0]);
      t.clock.advance(30_000);
      await post();
      expect(touches).toHaveLength(1);
    }));

  it("throttles a store's touches by a tenth of a short idle timeout, not the store's minute: a warning's \"Stay signed in\" writes", () =>
    onCountedSqlite(2 * MINUTE, async ({ t, browser, touches, post }) => {
      // A tenth of 2 minutes: 12 s. Within it the stored end stays; 30 s after sign-in (the warning's time) it slides.
      t.clock.advance(10_000);
      expect(await post()).toEqual(left(2 * MINUTE - 10_000));
      expect(touches).toEqual([]);
      t.clock.advance(20_000);
      expect(await post()).toEqual(left(2 * MINUTE));
      expect(touches).toHaveLength(1);
      expect((await t.sessionOf(browser))?.lastSeenAtMs).toBe(touches[0]);
    }));

  it('is moved by a proxied call', async () => {
    const { t, browser } = await signedIn(idle);
    t.clock.advance(6 * MINUTE);
    expect((await browser.fetchFromPage('/bff/api/demo/x')).status).toBe(200);
    t.clock.advance(6 * MINUTE);
    expect(await status(browser)).toBe('authenticated');
    t.clock.advance(5 * MINUTE);
    expect(await status(browser)).toBe('anonymous');
  });

  it('leaves every request anonymous after the end: session, proxy, logout; the store has no session', async () => {
    const { t, browser } = await signedIn(idle);
    t.clock.advance(11 * MINUTE);
    expect(await status(browser)).toBe('anonymous');
    expect(await t.sessionOf(browser)).toBeUndefined();
    upstream.hits.length = 0;
    expect((await browser.fetchFromPage('/bff/api/demo/x')).status).toBe(401);
    expect(upstream.hits).toEqual([]);
    expect((await browser.fetchFromPage('/bff/session', { method: 'POST' }).then((r) => r.json()))['status']).toBe('anonymous');
    expect(await (await browser.fetchFromPage('/bff/logout', { method: 'POST' })).json()).toEqual({ endSessionUrl: null });
  });

  it('is ended on the server even when the cookie is kept (a proxied call at the end is refused)', async () => {
    const { t, browser } = await signedIn(idle);
    t.clock.advance(10 * MINUTE);
    expect((await browser.fetchFromPage('/bff/api/demo/x')).status).toBe(401);
  });
});

describe('absolute timeout', () => {
  it('ends an active session at its absolute end', async () => {
    const { t, browser } = await signedIn({ idleTimeoutMs: 10 * MINUTE, absoluteTimeoutMs: 25 * MINUTE });
    for (let i = 0; i < 3; i++) {
      t.clock.advance(8 * MINUTE);
      expect((await browser.fetchFromPage('/bff/api/demo/x')).status).toBe(200);
    }
    const { body } = await browser.session();
    // The end is the absolute one now, sooner than the idle end.
    expect(body['expiresAt']).toBeLessThanOrEqual((body['now'] as number) + 1 * MINUTE);
    t.clock.advance(1 * MINUTE + 1_000);
    expect(await status(browser)).toBe('anonymous');
    expect((await browser.fetchFromPage('/bff/api/demo/x')).status).toBe(401);
  });

  it('is not extended by a new sign-in of another browser, nor by SSR reads', async () => {
    const { t, browser } = await signedIn({ absoluteTimeoutMs: 20 * MINUTE });
    t.clock.advance(15 * MINUTE);
    const body = await t.bff.sessionFor(
      new Request(`${idp.appOrigin}/`, { headers: { cookie: `__Host-Http-latchkey=${browser.sessionId}` } }),
    );
    expect(body?.status).toBe('authenticated');
    await t.browser().signIn();
    t.clock.advance(5 * MINUTE + 1_000);
    expect(await status(browser)).toBe('anonymous');
  });
});
