import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LatchkeyConfigError, type LatchkeyErrorCode } from '../errors.ts';
import type { SessionEvents } from '../session/types.ts';
import type { UserClaims } from '../stored-session.ts';
import { ChannelHub, FakeLocks } from '../testing/fake-browser.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { failureOf } from '../testing/failure-of.ts';
import type { BffSessionOptions } from './bff-options.ts';
import type { BffSessionPorts } from './bff-ports.ts';
import type { BffSession } from './bff-session.ts';
import { createBffSession } from './create-bff-session.ts';
import { WAKE_READ_INTERVAL_MS } from './wakeups.ts';
import type { BffSessionBody } from './wire.ts';

const ORIGIN = 'https://app.example.com';
const MINUTE = 60_000;
const alice: UserClaims = { sub: 'alice', iss: 'https://idp.example.com', exp: 2_000_000_000, name: 'Alice' };
const bob: UserClaims = { sub: 'bob', iss: 'https://idp.example.com', exp: 2_000_000_000, name: 'Bob' };

/** An EventSource the test opens, fails and feeds by hand. */
class FakeEventSource extends EventTarget {
  readyState = 0;
  closed = false;
  constructor(readonly url: string) {
    super();
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  open(): void {
    this.readyState = 1;
    this.dispatchEvent(new Event('open'));
  }
  /** A dropped connection; `gaveUp`: the browser will not reconnect (the server answered with an error). */
  fail(gaveUp = false): void {
    this.readyState = gaveUp ? 2 : 0;
    this.dispatchEvent(new Event('error'));
  }
  send(data: string): void {
    this.dispatchEvent(new MessageEvent('session', { data }));
  }
}

interface Failure {
  readonly status?: number;
  readonly text?: string;
  readonly network?: true;
}

/** The app's server as the page sees it: one server session (or none), on a clock `offsetMs` off the browser's. */
class FakeBff {
  session: { user: UserClaims; expiresAt: number } | null = null;
  offsetMs = 0;
  idleMs = 30 * MINUTE;
  /** The server ends a session at its end (else it keeps answering with the passed end). */
  enforcesEnd = true;
  /** Every answer fails this way until cleared. */
  failure: Failure | undefined;
  endSessionUrl: string | null = '/bff/logout/end?once=1';
  /** Runs when the logout has ended the session, before its answer leaves (the stream may tell first). */
  beforeLogoutAnswer: (() => void) | undefined;
  /** How long an answer takes to arrive after the server made it (on the fake clock). */
  latencyMs = 0;
  readonly requests: { method: string; path: string; csrf: string | null; credentials: string | undefined }[] = [];
  readonly sources: FakeEventSource[] = [];

  constructor(readonly clock: FakeClock) {}

  get now(): number {
    return this.clock.now() + this.offsetMs;
  }
  signIn(user = alice, lifetimeMs = this.idleMs): void {
    this.session = { user, expiresAt: this.now + lifetimeMs };
  }
  body(): BffSessionBody {
    const s = this.session;
    if (!s || (this.enforcesEnd && s.expiresAt <= this.now)) return { status: 'anonymous', user: null, expiresAt: null, now: this.now };
    return { status: 'authenticated', user: s.user, expiresAt: s.expiresAt, now: this.now };
  }
  reads(method = 'GET'): number {
    return this.requests.filter((r) => r.path === '/bff/session' && r.method === method).length;
  }
  get openSources(): FakeEventSource[] {
    return this.sources.filter((s) => !s.closed);
  }
  /** A `session` event on every open stream. */
  push(body: unknown = this.body()): void {
    for (const source of this.openSources) source.send(typeof body === 'string' ? body : JSON.stringify(body));
  }

  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const path = String(input);
    const method = init.method ?? 'GET';
    const csrf = new Headers(init.headers).get('X-Latchkey-CSRF');
    this.requests.push({ method, path, csrf, credentials: init.credentials });
    const answer = (status: number, text: string) => ({ ok: status >= 200 && status < 300, status, text: async () => text }) as Response;
    if (this.failure?.network) throw new TypeError('Failed to fetch');
    if (this.failure) return answer(this.failure.status ?? 200, this.failure.text ?? '');
    if (csrf !== '1') return answer(403, JSON.stringify({ error: 'LATCHKEY_CSRF_REJECTED' }));
    if (path === '/bff/session' && method === 'POST' && this.body().status === 'authenticated') this.signIn(this.session!.user);
    if (path === '/bff/session') {
      const text = JSON.stringify(this.body());
      if (this.latencyMs > 0) await new Promise((resolve) => this.clock.setTimeout(() => resolve(undefined), this.latencyMs));
      return answer(200, text);
    }
    if (path === '/bff/logout' && method === 'POST') {
      this.session = null;
      this.beforeLogoutAnswer?.();
      return answer(200, JSON.stringify({ endSessionUrl: this.endSessionUrl }));
    }
    return answer(404, '');
  };

  readonly eventSource = (url: string): FakeEventSource => {
    const source = new FakeEventSource(url);
    this.sources.push(source);
    return source;
  };
}

/** What the tabs of one browser share. */
interface World {
  readonly hub: ChannelHub;
  readonly locks: FakeLocks;
}

interface Tab {
  readonly session: BffSession;
  readonly page: { href: string; readonly assigned: string[] };
  readonly events: EventTarget;
  readonly lifecycle: EventTarget;
  /** Every event the session emitted, in order. */
  readonly heard: [keyof SessionEvents, unknown][];
  /** The requests this tab made. */
  readonly requests: string[];
}

let clock: FakeClock;
let bff: FakeBff;
let world: World;
const opened: BffSession[] = [];

beforeEach(() => {
  clock = new FakeClock();
  bff = new FakeBff(clock);
  world = { hub: new ChannelHub(), locks: new FakeLocks() };
});
afterEach(() => {
  for (const session of opened.splice(0)) session.dispose();
});

const EVENT_NAMES: (keyof SessionEvents)[] = ['authenticated', 'refreshed', 'expiringSoon', 'expired', 'loggedOut', 'error'];

/** A tab of the world's browser, at `/page?x=1#h`. */
function tab(options: BffSessionOptions = {}, extra: Partial<BffSessionPorts> = {}, href = `${ORIGIN}/page?x=1#h`): Tab {
  const page = { href, assigned: [] as string[] };
  const requests: string[] = [];
  const events = new EventTarget();
  const lifecycle = new EventTarget();
  const ports: BffSessionPorts = {
    fetch: (input, init) => (requests.push(`${init?.method ?? 'GET'} ${String(input)}`), bff.fetch(input, init)),
    now: () => clock.now(),
    setTimeout: (handler, ms) => clock.setTimeout(handler, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
    location: {
      get href() {
        return page.href;
      },
      origin: ORIGIN,
      assign: (url) => void page.assigned.push(url),
    },
    history: { replaceState: (_data, _unused, url) => void (page.href = new URL(String(url), page.href).href) },
    events,
    lifecycleEvents: lifecycle,
    channel: (name) => world.hub.open(name),
    locks: world.locks,
    eventSource: bff.eventSource,
    ...extra,
  };
  const session = createBffSession(options, ports);
  opened.push(session);
  const heard: [keyof SessionEvents, unknown][] = [];
  for (const name of EVENT_NAMES) session.on(name, (payload) => heard.push([name, payload]));
  return { session, page, events, lifecycle, heard, requests };
}

/** Lets the fake fetches, channel messages and locks finish (no time passes). */
const settle = () => clock.advance(0);

/** A tab that has read the server (and, when it leads, whose stream is open). */
async function readyTab(options?: BffSessionOptions, extra?: Partial<BffSessionPorts>): Promise<Tab> {
  const t = tab(options, extra);
  await t.session.ready();
  await settle();
  for (const source of bff.openSources) if (source.readyState === 0) source.open();
  await settle();
  return t;
}

const names = (t: Tab) => t.heard.map(([name]) => name);

describe('createBffSession: the state', () => {
  it('is loading until the first GET {base}/session answers, then the server says', async () => {
    bff.signIn();
    const t = tab();
    expect(t.session.getState().status).toBe('loading');
    const state = await t.session.ready();
    expect(state).toMatchObject({ status: 'authenticated', user: alice, expiringSoon: false, error: null });
    expect(t.session.isAuthenticated()).toBe(true);
    expect(bff.requests[0]).toEqual({ method: 'GET', path: '/bff/session', csrf: '1', credentials: 'same-origin' });
    expect(names(t)).toEqual([]);
  });

  it.each([10 * MINUTE, -60 * MINUTE])('puts the end on the browser clock when the server clock is %d ms off', async (offsetMs) => {
    bff.offsetMs = offsetMs;
    bff.signIn(alice, 30 * MINUTE);
    const t = tab();
    await t.session.ready();
    expect(t.session.getState().expiresAt).toBe(clock.now() + 30 * MINUTE);
  });

  it('says expiringSoon warnBeforeSeconds before the end, once, and at most half the remaining lifetime', async () => {
    bff.signIn(alice, 30 * MINUTE);
    const t = await readyTab({ warnBeforeSeconds: 120 });
    await clock.advance(28 * MINUTE - 1);
    expect(t.session.getState().expiringSoon).toBe(false);
    await clock.advance(1);
    expect(t.session.getState().expiringSoon).toBe(true);
    expect(t.heard).toEqual([['expiringSoon', { expiresAt: t.session.getState().expiresAt }]]);

    bff.signIn(bob, 60_000);
    const short = tab({ warnBeforeSeconds: 120 }, { channel: undefined });
    await short.session.ready();
    await clock.advance(30_000);
    expect(short.session.getState().expiringSoon).toBe(true);
  });

  it('reads once more at the end; the server saying signed out flips the state and emits expired', async () => {
    bff.signIn(alice, 30 * MINUTE);
    const t = await readyTab();
    const end = t.session.getState().expiresAt;
    await clock.advance(30 * MINUTE);
    expect(bff.reads()).toBe(2);
    expect(t.session.getState()).toMatchObject({ status: 'anonymous', user: null, expiresAt: null, expiringSoon: false });
    expect(t.heard).toEqual([
      ['expiringSoon', { expiresAt: end }],
      ['expired', { expiresAt: end }],
    ]);
  });

  it('at the end, the same end said again (it passed) is expired too', async () => {
    bff.enforcesEnd = false;
    bff.signIn(alice, 30 * MINUTE);
    const t = await readyTab();
    await clock.advance(30 * MINUTE);
    expect(t.session.getState().status).toBe('anonymous');
    expect(names(t)).toEqual(['expiringSoon', 'expired']);
  });

  it('at the end, a later end (activity in another tab slid the idle timeout) keeps the session: refreshed, not expired', async () => {
    bff.signIn(alice, 30 * MINUTE);
    const t = await readyTab();
    await clock.advance(29 * MINUTE);
    bff.signIn(alice, 10 * MINUTE);
    await clock.advance(MINUTE);
    expect(t.session.getState()).toMatchObject({ status: 'authenticated', expiresAt: clock.now() + 9 * MINUTE, expiringSoon: false });
    expect(names(t)).toEqual(['expiringSoon', 'refreshed']);
  });

  it('at the end, a BFF that does not answer leaves the end it gave standing: expired, with the error', async () => {
    bff.signIn(alice, 30 * MINUTE);
    const t = await readyTab();
    bff.failure = { status: 503, text: JSON.stringify({ error: 'LATCHKEY_BFF_UNAVAILABLE', message: 'store down' }) };
    await clock.advance(30 * MINUTE);
    expect(t.session.getState()).toMatchObject({ status: 'anonymous', error: { code: 'LATCHKEY_BFF_UNAVAILABLE' } });
    expect(names(t)).toEqual(['expiringSoon', 'error', 'expired']);
  });

  it('reads again on wake events, at most once per few seconds, and not when the page goes hidden', async () => {
    bff.signIn();
    const t = await readyTab();
    for (const name of ['visibilitychange', 'focus', 'pageshow', 'online']) t.events.dispatchEvent(new Event(name));
    t.lifecycle.dispatchEvent(new Event('resume'));
    await settle();
    expect(bff.reads()).toBe(2);
    await clock.advance(WAKE_READ_INTERVAL_MS - 1);
    t.events.dispatchEvent(new Event('focus'));
    await settle();
    expect(bff.reads()).toBe(2);
    await clock.advance(1);
    Object.assign(t.events, { visibilityState: 'hidden' });
    t.events.dispatchEvent(new Event('visibilitychange'));
    await settle();
    expect(bff.reads()).toBe(2);
    t.events.dispatchEvent(new Event('online'));
    await settle();
    expect(bff.reads()).toBe(3);
  });

  it('a wake read sees a change the server made meanwhile (another browser signed out)', async () => {
    bff.signIn();
    const t = await readyTab();
    bff.session = null;
    t.events.dispatchEvent(new Event('focus'));
    await settle();
    expect(t.session.getState().status).toBe('anonymous');
    expect(t.heard).toEqual([['loggedOut', { elsewhere: true }]]);
  });

  it('the same end said again keeps the end already known: a slower answer moves nothing', async () => {
    bff.signIn();
    const t = await readyTab();
    const changes: unknown[] = [];
    t.session.subscribe((state) => changes.push(state));
    bff.latencyMs = 300;
    t.events.dispatchEvent(new Event('focus'));
    await clock.advance(300);
    expect(bff.reads()).toBe(2);
    expect(changes).toEqual([]);
    expect(t.heard).toEqual([]);
  });

  it('a BFF that cannot answer at start-up leaves the page signed out, with the reason', async () => {
    bff.failure = { status: 503, text: JSON.stringify({ error: 'LATCHKEY_BFF_UNAVAILABLE', message: 'store down' }) };
    const t = tab();
    const state = await t.session.ready();
    expect(state).toMatchObject({ status: 'anonymous', error: { code: 'LATCHKEY_BFF_UNAVAILABLE', cause: { status: 503 } } });
    bff.failure = undefined;
    bff.signIn();
    t.events.dispatchEvent(new Event('focus'));
    await settle();
    expect(t.session.getState()).toMatchObject({ status: 'authenticated', error: null });
  });

  it('a BFF that could not answer at start-up is read again as soon as its event stream opens, with no wake event', async () => {
    bff.failure = { status: 503, text: JSON.stringify({ error: 'LATCHKEY_BFF_UNAVAILABLE', message: 'store down' }) };
    const t = tab();
    await t.session.ready();
    expect(t.session.getState().status).toBe('anonymous');
    bff.failure = undefined;
    bff.signIn();
    for (const source of bff.openSources) source.open();
    await settle();
    expect(t.session.getState()).toMatchObject({ status: 'authenticated', error: null });
  });

  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl';
  it.each<[string, Failure, LatchkeyErrorCode]>([
    [
      'a 503 from a store that is down',
      { status: 503, text: '{"error":"LATCHKEY_BFF_UNAVAILABLE","message":"down"}' },
      'LATCHKEY_BFF_UNAVAILABLE',
    ],
    ['a 500', { status: 500, text: 'oops' }, 'LATCHKEY_BFF_UNAVAILABLE'],
    ['a 404 (wrong base)', { status: 404, text: '' }, 'LATCHKEY_BFF_UNAVAILABLE'],
    ['a network failure', { network: true }, 'LATCHKEY_BFF_UNAVAILABLE'],
    ['a proxy error page', { text: '<html>502 Bad Gateway</html>' }, 'LATCHKEY_BFF_UNAVAILABLE'],
    ['JSON cut off', { text: '{"status":"authenticated","user":{' }, 'LATCHKEY_BFF_UNAVAILABLE'],
    ['JSON of another shape', { text: '{"ok":true}' }, 'LATCHKEY_BFF_UNAVAILABLE'],
    ['a session without claims', { text: '{"status":"authenticated","user":null,"expiresAt":1,"now":1}' }, 'LATCHKEY_BFF_UNAVAILABLE'],
    ['a session with a string end', { text: `{"status":"anonymous","user":null,"expiresAt":"soon","now":1}` }, 'LATCHKEY_BFF_UNAVAILABLE'],
    ['a token where a body should be', { text: jwt }, 'LATCHKEY_BFF_UNAVAILABLE'],
    ['JSON null', { text: 'null' }, 'LATCHKEY_BFF_UNAVAILABLE'],
    ['a 403 (CSRF refused)', { status: 403, text: '{"error":"LATCHKEY_CSRF_REJECTED"}' }, 'LATCHKEY_CSRF_REJECTED'],
  ])('a failed read (%s) keeps the state and sets a coded error, never quoting the answer', async (_name, failure, code) => {
    bff.signIn();
    const t = await readyTab();
    const before = t.session.getState();
    bff.failure = failure;
    t.events.dispatchEvent(new Event('focus'));
    await settle();
    const after = t.session.getState();
    expect(after).toMatchObject({ status: 'authenticated', user: before.user, expiresAt: before.expiresAt, error: { code } });
    expect(after.error?.message).not.toContain(jwt);
    expect(after.error?.message).not.toContain('eyJ');
    expect(names(t)).toEqual(['error']);
  });

  it('starts from the server-rendered state at once, and confirms it with a read once the stream opens', async () => {
    bff.signIn(alice, 30 * MINUTE);
    // The page was rendered a second before it ran: the confirming read puts the end right.
    const rendered = { ...bff.body(), now: bff.now - 1_000 };
    const t = tab({ initialState: rendered });
    expect(t.session.getState()).toMatchObject({ status: 'authenticated', user: alice, expiresAt: clock.now() + 30 * MINUTE + 1_000 });
    await settle();
    expect(bff.reads()).toBe(0);
    bff.openSources[0]!.open();
    await settle();
    expect(bff.reads()).toBe(1);
    expect(t.session.getState().expiresAt).toBe(clock.now() + 30 * MINUTE);
    expect(names(t)).toEqual([]);
  });

  it('a tab that does not lead the stream confirms the server-rendered state at once', async () => {
    bff.signIn();
    await readyTab();
    const t = tab({ initialState: bff.body() });
    await settle();
    expect(t.requests).toEqual(['GET /bff/session']);
  });

  it('a base with a trailing slash is normalised for every endpoint', async () => {
    const t = tab(
      { baseUrl: '/auth/' },
      { fetch: async (input) => ({ ok: false, status: 404, text: async () => String(input) }) as Response },
    );
    await t.session.ready();
    await t.session.login({ returnTo: '/x' });
    expect(t.page.assigned).toEqual(['/auth/login?returnTo=%2Fx']);
    expect(bff.sources[0]?.url).toBe('/auth/events');
  });
});

describe('createBffSession: sign-in and the redirect back', () => {
  it('login navigates to {base}/login with the current page (path, query, hash) as returnTo, encoded', async () => {
    const t = tab();
    await t.session.login();
    await t.session.login({ returnTo: '/orders/42?tab=a b&x=1#top' });
    expect(t.page.assigned).toEqual([
      '/bff/login?returnTo=%2Fpage%3Fx%3D1%23h',
      '/bff/login?returnTo=%2Forders%2F42%3Ftab%3Da%2520b%26x%3D1%23top',
    ]);
  });

  it.each(['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)'])(
    'login keeps returnTo on the same origin: %j becomes /',
    async (returnTo) => {
      const t = tab();
      await t.session.login({ returnTo });
      expect(t.page.assigned).toEqual(['/bff/login?returnTo=%2F']);
    },
  );

  it('login refuses authorizationParams with a coded configuration error (the BFF configures them)', async () => {
    const t = tab();
    const error = await failureOf(t.session.login({ authorizationParams: { prompt: 'login' } }));
    expect(error).toBeInstanceOf(LatchkeyConfigError);
    expect(error.code).toBe('LATCHKEY_CONFIG_INVALID');
    expect(t.page.assigned).toEqual([]);
  });

  it('after a failed sign-in: a known code is kept, the parameter leaves the address bar, the promise rejects', async () => {
    const t = tab({}, {}, `${ORIGIN}/orders?tab=2&latchkey_error=LATCHKEY_ACCESS_DENIED#top`);
    expect(t.session.isRedirectCallback()).toBe(true);
    const error = await failureOf(t.session.handleRedirectCallback());
    expect(error.code).toBe('LATCHKEY_ACCESS_DENIED');
    expect(t.page.href).toBe(`${ORIGIN}/orders?tab=2#top`);
    expect(t.session.isRedirectCallback()).toBe(false);
    expect(t.session.getState()).toMatchObject({ status: 'anonymous', error });
    expect(t.heard).toEqual([['error', error]]);
  });

  it.each(['LATCHKEY_MADE_UP', 'access_denied', '__proto__', 'Your account is locked: call 555-0100'])(
    'an unknown latchkey_error %j becomes LATCHKEY_AUTHORIZATION_FAILED, never its text',
    async (value) => {
      const t = tab({}, {}, `${ORIGIN}/?latchkey_error=${encodeURIComponent(value)}`);
      const error = await failureOf(t.session.handleRedirectCallback());
      expect(error.code).toBe('LATCHKEY_AUTHORIZATION_FAILED');
      expect(error.message).not.toContain(value);
    },
  );

  it('any other page is no redirect back: handleRedirectCallback resolves with it', async () => {
    const t = tab();
    expect(t.session.isRedirectCallback()).toBe(false);
    expect(t.session.isRedirectCallback('https://evil.example/?latchkey_error=LATCHKEY_ACCESS_DENIED')).toBe(false);
    await expect(t.session.handleRedirectCallback()).resolves.toEqual({ returnTo: '/page?x=1#h' });
  });
});

describe('createBffSession: sign-out, tokens, claims, "Stay signed in"', () => {
  it('logout posts to {base}/logout, then signs out here (loggedOut) and in the other tabs (loggedOut elsewhere)', async () => {
    bff.signIn();
    const a = await readyTab();
    const b = await readyTab();
    await a.session.logout();
    expect(bff.requests.at(-1)).toMatchObject({ method: 'POST', path: '/bff/logout', csrf: '1', credentials: 'same-origin' });
    expect(a.session.getState().status).toBe('anonymous');
    await settle();
    expect(b.session.getState().status).toBe('anonymous');
    expect(a.heard).toEqual([['loggedOut', { elsewhere: false }]]);
    expect(b.heard).toEqual([['loggedOut', { elsewhere: true }]]);
    expect(a.page.assigned).toEqual([]);
  });

  it.each<[string, BffSessionOptions, { endSession?: boolean }, string | null, string[]]>([
    ['endSession asked', {}, { endSession: true }, '/bff/logout/end?once=1', ['/bff/logout/end?once=1']],
    ['endSession configured', { logout: { endSession: true } }, {}, '/bff/logout/end?once=1', ['/bff/logout/end?once=1']],
    ['endSession configured, refused for this call', { logout: { endSession: true } }, { endSession: false }, '/bff/logout/end', []],
    ['an absolute same-origin URL', {}, { endSession: true }, `${ORIGIN}/bff/logout/end`, ['/bff/logout/end']],
    ['another origin', {}, { endSession: true }, 'https://idp.example.com/logout', []],
    ['no end-session at the provider', {}, { endSession: true }, null, []],
  ])('logout with %s goes to the end-session URL only when it is same-origin', async (_name, options, call, url, assigned) => {
    bff.signIn();
    bff.endSessionUrl = url;
    const t = await readyTab(options);
    await t.session.logout(call);
    expect(t.session.getState().status).toBe('anonymous');
    expect(t.page.assigned).toEqual(assigned);
  });

  it.each<[string, Failure, LatchkeyErrorCode]>([
    ['a 503', { status: 503, text: '{"error":"LATCHKEY_BFF_UNAVAILABLE"}' }, 'LATCHKEY_BFF_UNAVAILABLE'],
    ['a network failure', { network: true }, 'LATCHKEY_BFF_UNAVAILABLE'],
    ['a 403', { status: 403, text: '' }, 'LATCHKEY_CSRF_REJECTED'],
  ])('a logout the BFF did not make (%s) rejects and leaves the session signed in, with the error', async (_name, failure, code) => {
    bff.signIn();
    const a = await readyTab();
    const b = await readyTab();
    bff.failure = failure;
    const error = await failureOf(a.session.logout({ endSession: true }));
    expect(error.code).toBe(code);
    await settle();
    expect(a.session.getState()).toMatchObject({ status: 'authenticated', error });
    expect(b.session.getState().status).toBe('authenticated');
    expect(names(a)).toEqual(['error']);
    expect(a.page.assigned).toEqual([]);
  });

  it("the stream telling of the end before the logout's own answer is this tab's logout: loggedOut once, not elsewhere", async () => {
    bff.signIn();
    const a = await readyTab();
    const b = await readyTab();
    bff.beforeLogoutAnswer = () => bff.push();
    await a.session.logout();
    await settle();
    expect(a.session.getState().status).toBe('anonymous');
    expect(a.heard).toEqual([['loggedOut', { elsewhere: false }]]);
    expect(b.heard).toEqual([['loggedOut', { elsewhere: true }]]);
  });

  it('getAccessToken always rejects with LATCHKEY_BFF_NO_TOKEN, pointing at the proxy', async () => {
    bff.signIn();
    const t = await readyTab({ baseUrl: '/auth' }, { fetch: bffAt('/auth') });
    const error = await failureOf(t.session.getAccessToken());
    expect(error.code).toBe('LATCHKEY_BFF_NO_TOKEN');
    expect(error.message).toContain('/auth/api/<name>/');
  });

  it('getUserInfo resolves with a copy of the claims, or rejects LATCHKEY_LOGIN_REQUIRED when signed out', async () => {
    bff.signIn();
    const t = await readyTab();
    const info = await t.session.getUserInfo();
    expect(info).toEqual(alice);
    info['name'] = 'Mallory';
    expect(t.session.getState().user?.name).toBe('Alice');
    await t.session.logout();
    expect((await failureOf(t.session.getUserInfo())).code).toBe('LATCHKEY_LOGIN_REQUIRED');
  });

  it('extend() posts to {base}/session: the end slides, the warning goes, and the other tabs follow without a request', async () => {
    bff.signIn(alice, 30 * MINUTE);
    const a = await readyTab();
    const b = await readyTab();
    await clock.advance(29.5 * MINUTE);
    expect(a.session.getState().expiringSoon).toBe(true);
    const requestsOfB = b.requests.length;
    await a.session.extend();
    await settle();
    expect(bff.reads('POST')).toBe(1);
    for (const t of [a, b]) {
      expect(t.session.getState()).toMatchObject({ status: 'authenticated', expiresAt: clock.now() + 30 * MINUTE, expiringSoon: false });
      expect(names(t)).toEqual(['expiringSoon', 'refreshed']);
    }
    expect(b.requests.length).toBe(requestsOfB);
  });

  it('extend() that fails rejects with the coded error and keeps the session', async () => {
    bff.signIn();
    const t = await readyTab();
    bff.failure = { network: true };
    expect((await failureOf(t.session.extend())).code).toBe('LATCHKEY_BFF_UNAVAILABLE');
    expect(t.session.getState()).toMatchObject({ status: 'authenticated', error: { code: 'LATCHKEY_BFF_UNAVAILABLE' } });
  });
});

/** The fake BFF served under another base. */
function bffAt(base: string): typeof fetch {
  return (input, init) => bff.fetch(String(input).replace(base, '/bff'), init);
}

describe('createBffSession: tabs and the event stream', () => {
  it('a sign-in seen in one tab reaches the others within the tick, without a request of theirs', async () => {
    const a = await readyTab();
    const b = await readyTab();
    const before = [a.requests.length, b.requests.length];
    bff.signIn();
    // The page the BFF's callback landed on, after the redirect.
    const c = tab();
    await c.session.ready();
    await settle();
    for (const t of [a, b]) {
      expect(t.session.getState()).toMatchObject({ status: 'authenticated', user: alice });
      expect(t.heard).toEqual([
        ['authenticated', { idToken: '', accessToken: '', idTokenPayload: alice, expiresAt: t.session.getState().expiresAt, state: '' }],
      ]);
    }
    expect(b.requests.length).toBe(before[1]);
  });

  it('opens one event stream per browser: the leader tab relays its events to the others', async () => {
    bff.signIn(alice, 30 * MINUTE);
    const tabs = [await readyTab(), await readyTab(), await readyTab()];
    expect(bff.sources.length).toBe(1);
    bff.signIn(alice, 45 * MINUTE);
    bff.push();
    await settle();
    for (const t of tabs) {
      expect(t.session.getState().expiresAt).toBe(clock.now() + 45 * MINUTE);
      expect(names(t)).toEqual(['refreshed']);
    }
    bff.session = null;
    bff.push();
    await settle();
    for (const t of tabs) {
      expect(t.session.getState().status).toBe('anonymous');
      expect(names(t)).toEqual(['refreshed', 'loggedOut']);
    }
  });

  it('a stream event at the end is the end: expired', async () => {
    bff.signIn(alice, 10 * MINUTE);
    const t = await readyTab();
    await clock.advance(10 * MINUTE - 500);
    bff.session = null;
    bff.push();
    await settle();
    expect(names(t)).toEqual(['expiringSoon', 'expired']);
  });

  it.each<[string, unknown]>([
    ['not JSON', 'hello'],
    ['JSON of another shape', { status: 'authenticated' }],
    ['a user without sub', { status: 'authenticated', user: { iss: 'x', exp: 1 }, expiresAt: 1, now: 1 }],
    ['an array', [1, 2]],
  ])('a stream event that is not a session body (%s) changes nothing, in any tab', async (_name, data) => {
    bff.signIn();
    const a = await readyTab();
    const b = await readyTab();
    const states = [a.session.getState(), b.session.getState()];
    bff.push(typeof data === 'string' ? data : JSON.stringify(data));
    await settle();
    expect([a.session.getState(), b.session.getState()]).toEqual(states);
    expect([...a.heard, ...b.heard]).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'logout please'],
    ['an unknown kind', { kind: 'refresh' }],
    ['a session without a body', { kind: 'session', receivedAt: 1 }],
    ['a session with a garbage body', { kind: 'session', body: { status: 'anonymous' }, receivedAt: Date.now() }],
    ['a session without receivedAt', { kind: 'session', body: { status: 'anonymous', user: null, expiresAt: null, now: 1 } }],
  ])('a channel message that is not ours (%s) changes nothing', async (_name, message) => {
    bff.signIn();
    const t = await readyTab();
    const state = t.session.getState();
    world.hub.open('latchkey:bff:/bff').postMessage(message);
    await settle();
    expect(t.session.getState()).toBe(state);
  });

  it('the leader reopens its stream when the status changes here, so the server binds it to the new cookie', async () => {
    const a = await readyTab();
    await readyTab();
    expect(bff.sources.length).toBe(1);
    bff.signIn();
    tab();
    await settle();
    expect(a.session.isAuthenticated()).toBe(true);
    expect(bff.sources.length).toBe(2);
    expect(bff.sources[0]!.closed).toBe(true);
    const reads = a.requests.length;
    bff.sources[1]!.open();
    await settle();
    expect(a.requests.length).toBe(reads + 1);
  });

  it('after a reconnect the leader reads again (events may be lost) and relays it to the others', async () => {
    bff.signIn();
    const a = await readyTab();
    const b = await readyTab();
    const source = bff.sources[0]!;
    source.fail();
    bff.session = null;
    source.open();
    await settle();
    expect(a.requests.at(-1)).toBe('GET /bff/session');
    expect(b.session.getState().status).toBe('anonymous');
    expect(b.heard).toEqual([['loggedOut', { elsewhere: true }]]);
  });

  it('reopens a stream the browser gave up on (an error answer), after a backoff', async () => {
    await readyTab();
    bff.sources[0]!.fail(true);
    expect(bff.openSources.length).toBe(0);
    await clock.advance(1_000);
    expect(bff.openSources.length).toBe(1);
  });

  it('when the leader goes, the next tab takes the lock, opens the stream and reads again', async () => {
    bff.signIn();
    const a = await readyTab();
    const b = await readyTab();
    expect(bff.sources.length).toBe(1);
    a.session.dispose();
    await settle();
    expect(bff.sources[0]!.closed).toBe(true);
    expect(bff.openSources.length).toBe(1);
    const reads = b.requests.length;
    bff.sources[1]!.open();
    await settle();
    expect(b.requests.length).toBe(reads + 1);
    bff.signIn(alice, 50 * MINUTE);
    bff.push();
    await settle();
    expect(b.session.getState().expiresAt).toBe(clock.now() + 50 * MINUTE);
  });

  it('without Web Locks every tab opens its own stream; without a channel each tab leads its own', async () => {
    await readyTab({}, { locks: undefined });
    await readyTab({}, { locks: undefined });
    expect(bff.openSources.length).toBe(2);
    await readyTab({}, { channel: undefined });
    expect(bff.openSources.length).toBe(3);
  });

  it('a tab that follows a sign-out elsewhere while it is still loading is signed out, not loading for ever', async () => {
    bff.signIn();
    await readyTab();
    const other = world.hub.open('latchkey:bff:/bff');
    let answer!: () => void;
    const t = tab({}, { fetch: (input, init) => new Promise((resolve) => (answer = () => resolve(bff.fetch(input, init)))) });
    other.postMessage({ kind: 'logout' });
    await settle();
    answer();
    expect((await t.session.ready()).status).toBe('anonymous');
  });
});

/** An EventTarget that counts the listeners it holds. */
class CountingTarget extends EventTarget {
  listeners = 0;
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.listeners++;
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    this.listeners--;
    super.removeEventListener(...args);
  }
}

describe('createBffSession: lifecycle', () => {
  it('dispose closes the stream and the channel, releases the lock, removes listeners and timers', async () => {
    bff.signIn();
    const events = new CountingTarget();
    const lifecycle = new CountingTarget();
    let channelsOpen = 0;
    const a = await readyTab(
      {},
      {
        events,
        lifecycleEvents: lifecycle,
        channel: (name) => {
          const channel = world.hub.open(name);
          channelsOpen++;
          return { ...channel, close: () => (channelsOpen--, channel.close()) };
        },
      },
    );
    expect(events.listeners).toBeGreaterThan(0);
    expect(clock.pending).toBeGreaterThan(0);
    a.session.dispose();
    expect(events.listeners).toBe(0);
    expect(lifecycle.listeners).toBe(0);
    expect(channelsOpen).toBe(0);
    expect(clock.pending).toBe(0);
    expect(bff.openSources.length).toBe(0);
    // The lock is free: the next tab leads at once.
    await readyTab();
    expect(bff.openSources.length).toBe(1);
  });

  it('outside a browser (no location) the session is inert and stays loading; bad options still throw', async () => {
    const session = createBffSession({}, {});
    expect(session.getState().status).toBe('loading');
    expect((await failureOf(session.login())).code).toBe('LATCHKEY_CONFIG_INVALID');
    expect((await failureOf(session.extend())).code).toBe('LATCHKEY_CONFIG_INVALID');
    expect(() => createBffSession({ baseUrl: 'https://bff.example.com' }, {})).toThrow(LatchkeyConfigError);
  });
});
