import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HeldLock, ServerSession, ServerSessionStore } from '../stores/types.ts';
import { sampleSession } from './sample-session.ts';

/**
 * A store made for one test of the contract, and how its time passes: on a fake `now` the suite moves
 * on with `advance`; a store whose TTLs run on its own real clock (Redis expires keys itself) says
 * `realTime: true`, and the suite waits instead.
 */
export type StoreUnderTest =
  | {
      readonly store: ServerSessionStore;
      /** Moves the store's clock on by `ms` (a fake `now`). */
      advance(ms: number): void;
      readonly realTime?: false;
    }
  | { readonly store: ServerSessionStore; readonly realTime: true };

/** The suite's minute and second: real ones on a fake clock; on a real clock, short enough to wait for. */
const FAKE_TIME = { MINUTE: 60_000, SECOND: 1_000 };
// A "second" stays well above a timer's lateness, so the checks just before a TTL ends hold.
const REAL_TIME = { MINUTE: 200, SECOND: 100 };
// Redis expires a key only once its clock is past the TTL's last millisecond; a timer may fire ~1 ms early.
const REAL_WAIT_SLACK_MS = 5;

/** A mutable view, to prove that changing a value read or written changes nothing stored. */
function scribble(session: ServerSession): void {
  const open = session as unknown as { sub: string; tokens: { stored: { access_token: string } } };
  open.sub = 'scribbled';
  open.tokens.stored.access_token = 'scribbled';
}

/**
 * The conformance suite every {@link ServerSessionStore} passes (memory, SQLite, Redis): call it from the
 * store's spec with a factory that makes a fresh, empty store on a clock moved by `advance`. Each test
 * makes its own store and closes it afterwards.
 *
 * On a fake clock TTLs here are minutes long and touches minutes apart, so a store that throttles
 * `touch` by up to a minute (the SQLite default) passes as configured by default. On a real clock a
 * "minute" is 200 ms and a "second" 100 ms (the suite takes a few seconds): make the store with a
 * touch throttle under 100 ms.
 */
export function describeServerSessionStore(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`${name} (ServerSessionStore contract)`, () => {
    let t: StoreUnderTest;
    let store: ServerSessionStore;
    let MINUTE = FAKE_TIME.MINUTE;
    let SECOND = FAKE_TIME.SECOND;

    async function advance(ms: number): Promise<void> {
      if (!t.realTime) return t.advance(ms);
      await new Promise((resolve) => setTimeout(resolve, ms + REAL_WAIT_SLACK_MS));
    }

    beforeEach(async () => {
      t = await make();
      store = t.store;
      ({ MINUTE, SECOND } = t.realTime ? REAL_TIME : FAKE_TIME);
    });

    afterEach(async () => {
      await store.close();
    });

    describe('sessions', () => {
      it('reads an unknown key as undefined', async () => {
        expect(await store.get('missing')).toBeUndefined();
      });

      it('returns a deep copy of what was set: changing either object changes nothing stored', async () => {
        const session = sampleSession();
        const expected = structuredClone(session);
        await store.set('k', session, 10 * MINUTE);
        scribble(session);
        const read = await store.get('k');
        expect(read).toEqual(expected);
        scribble(read as ServerSession);
        expect(await store.get('k')).toEqual(expected);
      });

      it('keeps a session without a sid', async () => {
        const session = sampleSession({ sid: undefined });
        await store.set('k', session, MINUTE);
        const read = await store.get('k');
        expect(read).toEqual(session);
        expect(read?.sid).toBeUndefined();
      });

      it('overwrites a session and its TTL with a second set', async () => {
        await store.set('k', sampleSession({ version: 1 }), MINUTE);
        await store.set('k', sampleSession({ version: 2 }), 10 * MINUTE);
        await advance(2 * MINUTE);
        expect((await store.get('k'))?.version).toBe(2);
      });

      it('returns a session until its TTL ends, and never after', async () => {
        await store.set('k', sampleSession(), 10 * MINUTE);
        await advance(10 * MINUTE - SECOND);
        expect(await store.get('k')).toBeDefined();
        await advance(SECOND);
        expect(await store.get('k')).toBeUndefined();
        await advance(MINUTE);
        expect(await store.get('k')).toBeUndefined();
      });

      it('touch updates lastSeenAtMs and extends the TTL, leaving the tokens and version as they were', async () => {
        const session = sampleSession();
        await store.set('k', session, 10 * MINUTE);
        await advance(5 * MINUTE);
        const lastSeenAtMs = session.lastSeenAtMs + 5 * MINUTE;
        await store.touch('k', lastSeenAtMs, 10 * MINUTE);
        await advance(6 * MINUTE); // past the TTL of the set
        const read = await store.get('k');
        expect(read?.lastSeenAtMs).toBe(lastSeenAtMs);
        expect(read?.tokens).toEqual(session.tokens);
        expect(read?.version).toBe(session.version);
        expect(read?.createdAtMs).toBe(session.createdAtMs);
        await advance(4 * MINUTE); // the touch's TTL ends
        expect(await store.get('k')).toBeUndefined();
      });

      it('touch creates nothing for a missing or expired key', async () => {
        await store.touch('missing', Date.now(), 10 * MINUTE);
        expect(await store.get('missing')).toBeUndefined();
        const session = sampleSession();
        await store.set('k', session, MINUTE);
        await advance(2 * MINUTE);
        await store.touch('k', session.lastSeenAtMs + 2 * MINUTE, 10 * MINUTE);
        expect(await store.get('k')).toBeUndefined();
      });

      it('delete answers true for a session it deleted, false when there was none', async () => {
        await store.set('k', sampleSession(), MINUTE);
        expect(await store.delete('k')).toBe(true);
        expect(await store.get('k')).toBeUndefined();
        expect(await store.delete('k')).toBe(false);
        expect(await store.delete('missing')).toBe(false);
      });

      it('delete answers false for an expired session', async () => {
        await store.set('k', sampleSession(), MINUTE);
        await advance(MINUTE);
        expect(await store.delete('k')).toBe(false);
      });
    });

    describe('deleteBy', () => {
      beforeEach(async () => {
        await store.set('a1', sampleSession({ sub: 'alice', sid: 'op-1' }), 10 * MINUTE);
        await store.set('a2', sampleSession({ sub: 'alice', sid: 'op-1' }), 10 * MINUTE);
        await store.set('a3', sampleSession({ sub: 'alice', sid: 'op-2' }), 10 * MINUTE);
        await store.set('a4', sampleSession({ sub: 'alice', sid: undefined }), 10 * MINUTE);
        await store.set('b1', sampleSession({ sub: 'bob', sid: 'op-3' }), 10 * MINUTE);
      });

      it('by sid deletes every session of that sid and returns their keys; the others stay', async () => {
        expect((await store.deleteBy({ sid: 'op-1' })).sort()).toEqual(['a1', 'a2']);
        expect(await store.get('a1')).toBeUndefined();
        expect(await store.get('a2')).toBeUndefined();
        for (const key of ['a3', 'a4', 'b1']) expect(await store.get(key)).toBeDefined();
      });

      it('by sub deletes every session of that sub, whatever its sid; the others stay', async () => {
        expect((await store.deleteBy({ sub: 'alice' })).sort()).toEqual(['a1', 'a2', 'a3', 'a4']);
        for (const key of ['a1', 'a2', 'a3', 'a4']) expect(await store.get(key)).toBeUndefined();
        expect(await store.get('b1')).toBeDefined();
      });

      it('with both a sid and a sub deletes by the sid', async () => {
        expect((await store.deleteBy({ sid: 'op-2', sub: 'alice' })).sort()).toEqual(['a3']);
        for (const key of ['a1', 'a2', 'a4']) expect(await store.get(key)).toBeDefined();
      });

      it('returns no key when nothing matches, or when neither a sid nor a sub is given', async () => {
        expect(await store.deleteBy({ sid: 'op-9' })).toEqual([]);
        expect(await store.deleteBy({ sub: 'carol' })).toEqual([]);
        expect(await store.deleteBy({})).toEqual([]);
        for (const key of ['a1', 'a2', 'a3', 'a4', 'b1']) expect(await store.get(key)).toBeDefined();
      });

      it('does not return the keys of expired sessions', async () => {
        await store.set('c1', sampleSession({ sub: 'carol', sid: 'op-4' }), MINUTE);
        await store.set('c2', sampleSession({ sub: 'carol', sid: 'op-4' }), 20 * MINUTE);
        await advance(MINUTE);
        expect(await store.deleteBy({ sid: 'op-4' })).toEqual(['c2']);
      });
    });

    describe('putOnce / takeOnce', () => {
      it('refuses a second put of a key, and keeps the first value', async () => {
        expect(await store.putOnce('o', 'first', MINUTE)).toBe(true);
        expect(await store.putOnce('o', 'second', MINUTE)).toBe(false);
        expect(await store.takeOnce('o')).toBe('first');
      });

      it('takes a value once: the second take is undefined, and the key can be put again', async () => {
        await store.putOnce('o', 'value', MINUTE);
        expect(await store.takeOnce('o')).toBe('value');
        expect(await store.takeOnce('o')).toBeUndefined();
        expect(await store.putOnce('o', 'again', MINUTE)).toBe(true);
      });

      it('reads an unknown key as undefined', async () => {
        expect(await store.takeOnce('missing')).toBeUndefined();
      });

      it('expires a value by its TTL, after which the key can be put again', async () => {
        await store.putOnce('o', 'value', MINUTE);
        await advance(MINUTE - SECOND);
        expect(await store.putOnce('o', 'other', MINUTE)).toBe(false);
        await advance(SECOND);
        expect(await store.takeOnce('o')).toBeUndefined();
        await store.putOnce('p', 'value', MINUTE);
        await advance(MINUTE);
        expect(await store.putOnce('p', 'new', MINUTE)).toBe(true);
        expect(await store.takeOnce('p')).toBe('new');
      });

      it('keeps one-time values apart from sessions', async () => {
        await store.putOnce('k', 'value', MINUTE);
        expect(await store.get('k')).toBeUndefined();
        await store.set('k', sampleSession(), MINUTE);
        expect(await store.takeOnce('k')).toBe('value');
        expect(await store.get('k')).toBeDefined();
      });
    });

    describe('locks', () => {
      it('refuses a second acquire while the lock is held', async () => {
        const lock = await store.acquire('k', 10 * SECOND);
        expect(lock?.token).toEqual(expect.any(String));
        expect(await store.acquire('k', 10 * SECOND)).toBeUndefined();
        expect(await store.acquire('other', 10 * SECOND)).toBeDefined();
      });

      it('keeps the lock on a release with a wrong token, frees it on the right one', async () => {
        const lock = await store.acquire('k', 10 * SECOND);
        await store.release('k', { token: 'not-the-token' });
        expect(await store.acquire('k', 10 * SECOND)).toBeUndefined();
        await store.release('k', lock as { token: string });
        expect(await store.acquire('k', 10 * SECOND)).toBeDefined();
      });

      it("frees a lock when its TTL ends, and the old holder's release does not free the new holder's", async () => {
        const first = await store.acquire('k', 10 * SECOND);
        await advance(10 * SECOND);
        const second = await store.acquire('k', 10 * SECOND);
        expect(second).toBeDefined();
        expect(second?.token).not.toBe(first?.token);
        await store.release('k', first as { token: string });
        expect(await store.acquire('k', 10 * SECOND)).toBeUndefined();
      });

      it('releases a lock nobody holds without failing', async () => {
        await expect(store.release('k', { token: 'none' })).resolves.toBeUndefined();
      });
    });

    describe('replaceIfLocked', () => {
      const held = async (key = 'k') => (await store.acquire(key, 10 * SECOND)) as HeldLock;

      it('writes the session and its TTL while the lock is held and the stored version is the expected one', async () => {
        await store.set('k', sampleSession({ version: 3 }), MINUTE);
        const lock = await held();
        const next = sampleSession({ version: 4 });
        expect(await store.replaceIfLocked('k', next, 10 * MINUTE, { version: 3, lock })).toBe(true);
        expect(await store.acquire('k', SECOND)).toBeUndefined();
        await advance(2 * MINUTE); // past the TTL of the set
        expect(await store.get('k')).toEqual(next);
      });

      it('writes nothing over another version (the tokens were rotated meanwhile)', async () => {
        const rotated = sampleSession({ version: 2 });
        await store.set('k', rotated, MINUTE);
        const lock = await held();
        expect(await store.replaceIfLocked('k', sampleSession({ version: 2 }), MINUTE, { version: 1, lock })).toBe(false);
        expect(await store.get('k')).toEqual(rotated);
      });

      it('writes nothing when the session is gone (ended meanwhile): a logout is not undone', async () => {
        await store.set('k', sampleSession(), MINUTE);
        const lock = await held();
        await store.delete('k');
        expect(await store.replaceIfLocked('k', sampleSession({ version: 2 }), MINUTE, { version: 1, lock })).toBe(false);
        expect(await store.get('k')).toBeUndefined();
      });

      it("writes nothing without the lock: none taken, or another holder's", async () => {
        const session = sampleSession();
        await store.set('k', session, MINUTE);
        const next = sampleSession({ version: 2 });
        expect(await store.replaceIfLocked('k', next, MINUTE, { version: 1, lock: { token: 'not-taken' } })).toBe(false);
        await held();
        expect(await store.replaceIfLocked('k', next, MINUTE, { version: 1, lock: { token: 'not-the-token' } })).toBe(false);
        expect(await store.replaceIfLocked('k', next, MINUTE, { version: 1, lock: await held('other') })).toBe(false);
        expect(await store.get('k')).toEqual(session);
      });

      it('writes nothing once its lock expired, whether or not another holder took it since', async () => {
        await store.set('k', sampleSession(), 10 * MINUTE);
        const first = await held();
        await advance(10 * SECOND);
        expect(await store.replaceIfLocked('k', sampleSession({ version: 2 }), MINUTE, { version: 1, lock: first })).toBe(false);
        const second = await held();
        expect(await store.replaceIfLocked('k', sampleSession({ version: 2 }), MINUTE, { version: 1, lock: first })).toBe(false);
        expect(await store.replaceIfLocked('k', sampleSession({ version: 3 }), MINUTE, { version: 1, lock: second })).toBe(true);
        expect((await store.get('k'))?.version).toBe(3);
      });

      it('keeps the written session found by deleteBy', async () => {
        await store.set('k', sampleSession({ sub: 'alice', sid: 'op-1' }), MINUTE);
        const lock = await held();
        await store.replaceIfLocked('k', sampleSession({ sub: 'alice', sid: 'op-1', version: 2 }), 10 * MINUTE, { version: 1, lock });
        await advance(2 * MINUTE);
        expect(await store.deleteBy({ sid: 'op-1' })).toEqual(['k']);
      });
    });

    describe('arguments and lifecycle', () => {
      it('rejects a TTL that is not a finite number (it would never expire)', async () => {
        await expect(store.set('k', sampleSession(), Number.NaN)).rejects.toThrow(RangeError);
        await expect(store.touch('k', 0, Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
        await expect(store.putOnce('o', 'v', Number.NaN)).rejects.toThrow(RangeError);
        await expect(store.acquire('l', Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
        await expect(store.replaceIfLocked('k', sampleSession(), Number.NaN, { version: 1, lock: { token: 't' } })).rejects.toThrow(
          RangeError,
        );
        expect(await store.get('k')).toBeUndefined();
        expect(await store.takeOnce('o')).toBeUndefined();
      });

      it('closes, twice without failing, and rejects operations afterwards', async () => {
        await store.set('k', sampleSession(), MINUTE);
        await expect(store.close()).resolves.toBeUndefined();
        await expect(store.close()).resolves.toBeUndefined();
        await expect(store.get('k')).rejects.toThrow(/closed/);
        await expect(store.acquire('k', SECOND)).rejects.toThrow(/closed/);
        await expect(store.replaceIfLocked('k', sampleSession(), SECOND, { version: 1, lock: { token: 't' } })).rejects.toThrow(/closed/);
      });
    });
  });
}

/**
 * For a store that throttles `touch` by a minute (`touchThrottleMs`): a touch's own smaller `throttleMs` (a
 * short idle timeout's) is the one it uses, never a larger one.
 */
export async function expectTouchTakesTheSmallerThrottle(store: ServerSessionStore): Promise<void> {
  const session = sampleSession();
  await store.set('k', session, 10 * 60_000);
  await store.touch('k', session.lastSeenAtMs + 30_000, 10 * 60_000, 2 * 60_000);
  expect((await store.get('k'))?.lastSeenAtMs).toBe(session.lastSeenAtMs);
  await store.touch('k', session.lastSeenAtMs + 30_000, 10 * 60_000, 10_000);
  expect((await store.get('k'))?.lastSeenAtMs).toBe(session.lastSeenAtMs + 30_000);
}
