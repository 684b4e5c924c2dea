import { afterEach, beforeEach, expect, vi } from 'vitest';
import type { LatchkeyConfig } from '../config.ts';
import { createSession, type Session, type SessionPorts, type TokenSession } from '../session/index.ts';
import { createFakeBrowser, createFakeWorld, MapStorage, type FakeBrowser, type FakeWorld } from './fake-browser.ts';
import { createFakeProvider, type FakeProvider } from './fake-provider.ts';

// The shared harness of the session's black-box suites: sessions on fake tabs against the fake
// provider, signed in as a browser would be.

/** Captured at import, before any fake timers: WebCrypto and the fake provider finish on real event-loop turns. */
export const realSetTimeout = globalThis.setTimeout;
export const CLIENT_ID = 'app';
export const KEY = `latchkey:${CLIENT_ID}`;

/** A session and the fake browser tab it runs in. */
export interface Tab {
  readonly session: TokenSession;
  readonly browser: FakeBrowser;
}

const opened: TokenSession[] = [];

/** A session for `provider` in `browser` (its store unless `extra` says otherwise); disposed after the test. */
export function openSession(
  provider: FakeProvider,
  browser: FakeBrowser,
  extra: Partial<LatchkeyConfig> = {},
  ports: SessionPorts = browser.ports,
): TokenSession {
  const session = createSession({ issuer: provider.issuer, clientId: CLIENT_ID, store: browser.store, ...extra }, ports);
  opened.push(session);
  return session;
}

/** login → provider → callback, as a browser would; returns the callback's result. */
export async function signInWith(provider: FakeProvider, session: Session, browser: FakeBrowser, returnTo?: string) {
  await session.login(returnTo === undefined ? {} : { returnTo });
  browser.href = provider.authorize(browser.assigned as string);
  return session.handleRedirectCallback();
}

afterEach(() => {
  for (const session of opened.splice(0)) session.dispose();
});

// ---- many tabs of one browser, on fake timers, with rotating refresh tokens ----

/** The provider and the browser of the current test (after {@link useFakeWorld}'s set-up). */
export let provider!: FakeProvider;
export let world!: FakeWorld;

/**
 * Each test: fake `Date` and timers, a provider issuing refresh tokens for 100 s tokens (rotated on
 * every use; a reuse revokes the grant), and one browser whose tabs share localStorage.
 */
export function useFakeWorld(): void {
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    provider = await createFakeProvider();
    provider.issueRefreshTokens = true;
    provider.tokenTtlSeconds = 100;
    world = createFakeWorld();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** A tab of the world's browser. */
export function tab(
  extra: Partial<LatchkeyConfig> = {},
  browser: FakeBrowser = createFakeBrowser(provider, { world }),
  ports?: SessionPorts,
): Tab {
  return { session: openSession(provider, browser, extra, ports ?? browser.ports), browser };
}

export function signIn({ session, browser }: Tab) {
  return signInWith(provider, session, browser);
}

/** Lets real async work (WebCrypto) finish: a few real event-loop turns. */
export async function flushIo(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => realSetTimeout(resolve, 1));
}

/** Advances the fake clock in steps, letting real async work finish between them. */
export async function advance(ms: number, stepMs = 500): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
    await vi.advanceTimersByTimeAsync(Math.min(stepMs, ms - elapsed));
    await flushIo();
  }
}

/**
 * Advances until `condition` holds (or `maxMs` passed). Under load, WebCrypto may finish a refresh a
 * few fake seconds late; counting rotations this way keeps the test about requests, not timing.
 */
export async function advanceUntil(condition: () => boolean, maxMs: number, stepMs = 1_000): Promise<void> {
  for (let elapsed = 0; elapsed < maxMs && !condition(); elapsed += stepMs) await advance(stepMs, stepMs);
}

/** Lets `rotations` refresh instants pass and asserts one request each, and no grant revoked by a reuse. */
export async function expectOneRefreshPerRotation(rotations: number): Promise<void> {
  for (let rotation = 1; rotation <= rotations; rotation++) {
    await advanceUntil(() => provider.refreshRequests >= rotation, 120_000);
    // Every tab has had its timer fire by now: still one request for this rotation.
    await advance(5_000, 1_000);
    expect(provider.refreshRequests).toBe(rotation);
  }
  expect(provider.revokedGrants).toBe(0);
}

/** A tab in another renderer: the other tabs' messages reach it `ms` late (and, optionally, not the logout marker). */
export function laggingTab(ms: number, options: { ownMarkerStorage?: boolean } = {}): Tab {
  const browser = createFakeBrowser(provider, { world });
  return tab({}, browser, {
    ...browser.ports,
    ...(options.ownMarkerStorage && { markerStorage: new MapStorage() }),
    channel: (name) => {
      const real = world.hub.open(name);
      return {
        ...real,
        addEventListener: ((type: string, listener: (event: Event) => void) =>
          real.addEventListener(type, (event: Event) => void realSetTimeout(() => listener(event), ms))) as never,
      };
    },
  });
}

/** A shared store that answers a couple of milliseconds later (IndexedDB-like), over a Map. */
export function asyncSharedStore() {
  const map = new Map<string, string>();
  const later = <T>(value: T) => new Promise<T>((resolve) => realSetTimeout(() => resolve(value), 2));
  const store = {
    shared: true,
    get: (key: string) => later(map.get(key) ?? null),
    set: (key: string, value: string) => later(void map.set(key, value)),
    remove: (key: string) => later(void map.delete(key)),
  };
  return { map, store };
}

/**
 * Holds the refresh answer until `release()`. The provider counts a request before it has made its
 * answer (WebCrypto): a release that comes first lets the answer go as soon as it is made.
 */
export function holdRefreshAnswer(): { release: () => void } {
  let released = false;
  let answer: (() => void) | undefined;
  provider.hooks.refreshResponse = (body) =>
    new Promise<Response>((resolve) => {
      answer = () => resolve(new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } }));
      if (released) answer();
    });
  return {
    release: () => {
      released = true;
      answer?.();
    },
  };
}

export function storedRefreshToken(): string | undefined {
  return JSON.parse((world.store.get(KEY) as string | null) ?? '{}').refresh_token;
}
