import { describe, expect, it } from 'vitest';
import { Emitter } from '../events.ts';
import { memoryStore } from '../session-store.ts';
import type { StoredSession } from '../stored-session.ts';
import { TabSync } from '../tabs.ts';
import { MapStorage } from '../testing/fake-browser.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { fakeJwt } from '../testing/fake-provider.ts';
import { SessionCell } from './session-cell.ts';
import { StoreGateway } from './store-gateway.ts';
import { TabFollower } from './tab-follower.ts';
import type { SessionEvents } from './types.ts';

const issuer = 'https://op.example.com/';
const KEY = 'latchkey:app';

function record(clock: FakeClock, options: { sub?: string; issuedAgoMs?: number; lifetimeMs?: number; n?: number } = {}): StoredSession {
  const { sub = 'alice', issuedAgoMs = 0, lifetimeMs = 60_000, n = 1 } = options;
  const issued = clock.now() - issuedAgoMs;
  return {
    v: 1,
    issuer,
    client_id: 'app',
    id_token: fakeJwt({ iss: issuer, sub, aud: 'app', exp: Math.floor((issued + lifetimeMs) / 1000), n }),
    access_token: `at-${sub}-${n}`,
    token_type: 'bearer',
    issued_at_ms: issued,
    signed_in_at_ms: issued,
    expires_at_ms: issued + lifetimeMs,
    clock_offset_ms: 0,
  };
}

function setUp(shared = true) {
  const clock = new FakeClock();
  const cell = new SessionCell();
  const backing = { ...memoryStore(), shared };
  const store = new StoreGateway(
    { store: backing, refreshTokenStore: undefined, storeKey: KEY, issuer: new URL(issuer), clientId: 'app' },
    () => {},
  );
  const markerStorage = new MapStorage();
  const tabs = new TabSync(KEY, { markerStorage }, { onStored: () => {}, onLogout: () => {} }, shared);
  const events = new Emitter<SessionEvents>();
  const seen: string[] = [];
  for (const name of ['authenticated', 'refreshed', 'expired', 'loggedOut'] as const) events.on(name, () => seen.push(name));
  const follower = new TabFollower({
    clock,
    cell,
    store,
    tabs,
    events,
    adopt: (session, also) => cell.update({ record: session, ...also }),
    endLocally: (removeStored) => {
      cell.update({ record: undefined });
      if (removeStored) store.remove();
    },
  });
  const put = (stored: StoredSession) => backing.set(KEY, JSON.stringify(stored));
  return { clock, cell, backing, follower, markerStorage, seen, put, store };
}

describe('TabFollower', () => {
  it('restores a stored session in one step (loading → authenticated), synchronously for a sync store', () => {
    const t = setUp();
    t.put(record(t.clock));
    const states: string[] = [];
    t.cell.subscribe((s) => states.push(s.status));
    const state = t.follower.restore();
    expect(state).toMatchObject({ status: 'authenticated' });
    expect(states).toEqual(['authenticated']);
  });

  it('restores nothing from a session signed out since (the logout marker), and removes it', () => {
    const t = setUp();
    t.put(record(t.clock, { issuedAgoMs: 10_000 }));
    t.markerStorage.setItem(`${KEY}:logged-out-at`, String(t.clock.now() - 5_000));
    expect(t.follower.restore()).toMatchObject({ status: 'anonymous' });
    expect(t.backing.get(KEY)).toBeNull();
  });

  it('follows a newer session of the same user as a refresh, another user as a sign-in, and never steps back', () => {
    const t = setUp();
    t.put(record(t.clock, { issuedAgoMs: 1_000 }));
    t.follower.restore();
    t.follower.follow({ stored: record(t.clock, { n: 2 }), user: { sub: 'alice', iss: issuer, exp: 0 } });
    expect(t.seen).toEqual(['refreshed']);
    t.follower.follow({ stored: record(t.clock, { issuedAgoMs: 5_000, n: 3 }), user: { sub: 'alice', iss: issuer, exp: 0 } });
    expect(t.seen).toEqual(['refreshed']);
    t.follower.follow({ stored: record(t.clock, { sub: 'bob' }), user: { sub: 'bob', iss: issuer, exp: 0 } });
    expect(t.seen).toEqual(['refreshed', 'authenticated']);
    expect(t.cell.state.user?.sub).toBe('bob');
    t.follower.follow(undefined);
    expect(t.seen).toEqual(['refreshed', 'authenticated', 'loggedOut']);
    expect(t.cell.state.status).toBe('anonymous');
  });

  it('at the end, follows a newer session another tab stored instead of showing the end', () => {
    const t = setUp();
    // Past its end but renewable (a refresh token), so a reload restores it.
    t.put({ ...record(t.clock, { issuedAgoMs: 70_000 }), refresh_token: 'rt' });
    t.follower.restore();
    t.put(record(t.clock, { sub: 'alice', n: 2 }));
    t.follower.expire(t.clock.now());
    expect(t.seen).toEqual(['refreshed']);
    expect(t.cell.state.status).toBe('authenticated');
  });

  it('at the end with nothing newer, ends and removes the session', () => {
    const t = setUp();
    const ended = record(t.clock, { issuedAgoMs: 70_000 });
    t.put({ ...ended, refresh_token: 'rt' });
    t.follower.restore();
    t.follower.expire(t.clock.now());
    expect(t.seen).toEqual(['expired']);
    expect(t.backing.get(KEY)).toBeNull();
  });
});
