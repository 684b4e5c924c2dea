import { describe, expect, it, vi } from 'vitest';
import { memoryStore } from './session-store.ts';
import { createFakeBrowser } from './testing/fake-browser.ts';
import {
  KEY,
  advance,
  flushIo,
  holdRefreshAnswer,
  laggingTab,
  provider,
  realSetTimeout,
  signIn,
  tab,
  world,
  useFakeWorld,
} from './testing/harness.ts';

useFakeWorld();

describe('tabs', () => {
  it('a sign-in in one tab reaches the others; a different user replaces the session', async () => {
    const a = tab();
    const b = tab();
    await b.session.ready();
    await signIn(a);
    await advance(0);
    expect(b.session.getState().user?.name).toBe('Alice Liddell');
    await a.session.logout({ revokeRefreshToken: false });
    await a.session.login();
    a.browser.href = provider.authorize(a.browser.assigned as string, 'bob');
    await a.session.handleRedirectCallback();
    await advance(0);
    expect(b.session.getState().user?.name).toBe('Bob Builder');
  });

  it('logout in one tab signs out every tab, per-tab stores included', async () => {
    const shared = [tab(), tab()];
    await signIn(shared[0]!);
    const perTab = tab({ store: memoryStore() });
    await signIn(perTab);
    await advance(0);
    expect(shared[1]!.session.isAuthenticated()).toBe(true);
    const events: string[] = [];
    perTab.session.on('loggedOut', (e) => events.push(e.elsewhere ? 'elsewhere' : 'here'));
    await shared[0]!.session.logout();
    await advance(0);
    expect(shared[1]!.session.isAuthenticated()).toBe(false);
    expect(perTab.session.isAuthenticated()).toBe(false);
    expect(events).toEqual(['elsewhere']);
  });

  it('a logout during an in-flight refresh wins: the refreshed tokens are never stored', async () => {
    const t = tab();
    await signIn(t);
    let release!: () => void;
    provider.hooks.refreshResponse = (body) =>
      new Promise<Response>(
        (resolve) => (release = () => resolve(new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } }))),
      );
    await advance(76_000);
    expect(provider.refreshRequests).toBe(1);
    await t.session.logout({ revokeRefreshToken: false });
    release();
    await advance(1_000);
    expect(t.session.isAuthenticated()).toBe(false);
    expect(world.store.get(KEY)).toBeNull();
  });

  it.each([
    ['the logout marker reaches it first', false],
    ['neither the message nor the marker has reached it yet', true],
  ])('a logout in one tab while another refreshes (%s) signs out everywhere, for good', async (_name, ownMarkerStorage) => {
    const a = tab();
    const b = laggingTab(20, { ownMarkerStorage });
    await signIn(a);
    await new Promise((resolve) => realSetTimeout(resolve, 50));
    expect(b.session.isAuthenticated()).toBe(true);
    vi.setSystemTime(Date.now() + 1_000); // the user signs out a moment after signing in
    const held = holdRefreshAnswer();
    const pending = b.session.getAccessToken({ forceRefresh: true }).catch(() => undefined);
    for (let i = 0; i < 10 && provider.refreshRequests === 0; i++) await flushIo();
    expect(provider.refreshRequests).toBe(1);
    await a.session.logout({ revokeRefreshToken: false });
    held.release(); // B's answer arrives before A's logout message does
    await pending;
    await new Promise((resolve) => realSetTimeout(resolve, 100));
    await flushIo();
    expect(a.session.isAuthenticated()).toBe(false);
    expect(b.session.isAuthenticated()).toBe(false);
    expect(world.store.get(KEY)).toBeNull();
    const reloaded = tab();
    await reloaded.session.ready();
    expect(reloaded.session.isAuthenticated()).toBe(false);
  });

  it('a tab waking after its session ended leaves a newer sign-in from another tab in place, and follows it', async () => {
    provider.issueRefreshTokens = false;
    const b = tab();
    await signIn(b);
    // Tab A is frozen from now on: no message, no timer, until it resumes.
    let frozen = false;
    const aBrowser = createFakeBrowser(provider, { world });
    const a = tab({}, aBrowser, {
      ...aBrowser.ports,
      channel: (name) => {
        const real = world.hub.open(name);
        return {
          ...real,
          addEventListener: ((type: string, listener: (event: Event) => void) =>
            real.addEventListener(type, (event: Event) => (frozen ? undefined : listener(event)))) as never,
        };
      },
    });
    await a.session.ready();
    expect(a.session.isAuthenticated()).toBe(true);
    const seen: string[] = [];
    a.session.subscribe((state) => seen.push(state.status));
    a.session.on('expired', () => seen.push('event: expired'));
    frozen = true;
    vi.setSystemTime(Date.now() + 70_000);
    b.browser.assigned = undefined;
    await signIn(b); // the user signs in again in tab B before the first session ends
    const fresh = world.store.get(KEY);
    vi.setSystemTime(Date.now() + 40_000); // A's session ended at 100 s; B's runs until 170 s
    frozen = false;
    aBrowser.events.dispatchEvent(new Event('resume'));
    aBrowser.events.dispatchEvent(new Event('visibilitychange'));
    await flushIo();
    expect(world.store.get(KEY)).toBe(fresh);
    expect(a.session.isAuthenticated()).toBe(true);
    // Tab A now holds the newer session, not its own ended one.
    const newer = JSON.parse(fresh as string) as { access_token: string; expires_at_ms: number };
    expect(a.session.getState().expiresAt).toBe(newer.expires_at_ms);
    expect(newer.expires_at_ms).toBeGreaterThan(Date.now());
    expect(await a.session.getAccessToken()).toBe(newer.access_token);
    // It went straight to the new session: never signed out in between, no `expired`.
    expect(seen).not.toContain('anonymous');
    expect(seen).not.toContain('event: expired');
    b.browser.events.dispatchEvent(new Event('focus'));
    await flushIo();
    expect(b.session.isAuthenticated()).toBe(true);
  });

  it.each([
    ['ten minutes ahead (a logout before the clock was set back)', () => String(Date.now() + 10 * 60_000)],
    ['far in the future (garbage)', () => '9999999999999'],
  ])('a logout marker %s does not undo a new sign-in; it is removed', async (_name, marker) => {
    world.localStorage.setItem(`${KEY}:logged-out-at`, marker());
    const t = tab();
    await signIn(t);
    await flushIo();
    expect(t.session.getState()).toMatchObject({ status: 'authenticated', error: null });
    expect(world.store.get(KEY)).not.toBeNull();
    expect(world.localStorage.getItem(`${KEY}:logged-out-at`)).toBeNull();
  });

  it('a logout marker removed in another tab (one from the future) signs no tab out', async () => {
    const a = tab();
    await signIn(a);
    const b = tab({ store: memoryStore() });
    await signIn(b);
    // What a browser delivers to the other tabs when one removes the marker.
    const removed = Object.assign(new Event('storage'), { key: `${KEY}:logged-out-at`, oldValue: '9999999999999', newValue: null });
    a.browser.events.dispatchEvent(removed);
    b.browser.events.dispatchEvent(removed);
    await flushIo();
    expect(a.session.isAuthenticated()).toBe(true);
    expect(b.session.isAuthenticated()).toBe(true);
  });

  it('a sleeping per-tab session that missed the logout message ends on wake (logout marker)', async () => {
    const a = tab();
    await signIn(a);
    const sleeper = tab({ store: memoryStore() });
    await signIn(sleeper);
    // The message is lost: only the marker in localStorage tells.
    world.localStorage.setItem(`${KEY}:logged-out-at`, String(Date.now() + 1));
    vi.setSystemTime(Date.now() + 5);
    sleeper.browser.events.dispatchEvent(new Event('visibilitychange'));
    expect(sleeper.session.isAuthenticated()).toBe(false);
  });
});
