import { describe, expect, it } from 'vitest';
import { LatchkeyError, type LatchkeyErrorCode } from '../errors.ts';
import { refreshWith } from '../flows/refresh-under-lock.ts';
import type { TokenResult } from '../protocol/index.ts';
import type { RestoredSession, StoredSession } from '../stored-session.ts';
import { FakeLocks } from '../testing/fake-browser.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { RefreshCoordinator, type RefreshHost } from './refresh-coordinator.ts';
import { SessionCell } from './session-cell.ts';

// The coordinator with fake ports and a fake provider answer: no WebCrypto, no provider.

function session(n: number, refreshToken: string | undefined = `rt-${n}`): RestoredSession {
  const stored: StoredSession = {
    v: 1,
    issuer: 'https://op.example.com/',
    client_id: 'app',
    id_token: `id-${n}`,
    access_token: `at-${n}`,
    token_type: 'bearer',
    issued_at_ms: 1_000 * n,
    signed_in_at_ms: 0,
    expires_at_ms: 1_800_000_000_000 + 100_000,
    clock_offset_ms: 0,
    ...(refreshToken && { refresh_token: refreshToken }),
  };
  return { stored, user: { sub: 'alice', iss: stored.issuer, exp: 0 } };
}

type Answer = (previous: TokenResult) => Promise<TokenResult>;

function setUp(options: { answer?: Answer; shared?: boolean; locks?: FakeLocks; loadFails?: boolean } = {}) {
  const clock = new FakeClock();
  const cell = new SessionCell();
  let stored: RestoredSession | undefined = session(1);
  cell.update({ loaded: true, record: stored });
  const log: string[] = [];
  let requests = 0;
  const answer: Answer =
    options.answer ??
    (async (previous) => {
      requests++;
      return session(Number(previous.stored.id_token.slice(3)) + 1);
    });
  const host: RefreshHost = {
    clock,
    locks: options.locks,
    lockName: 'latchkey:refresh:test',
    cell,
    store: {
      shared: options.shared ?? false,
      read: () => stored,
      write: async (next) => void (stored = { stored: next, user: session(1).user }),
    },
    follower: { loggedOutSince: () => false, loggedOutElsewhere: () => void log.push('logged out elsewhere') },
    loadRefresh: async () => {
      if (options.loadFails) throw new LatchkeyError('LATCHKEY_CHUNK_LOAD_FAILED', 'reload');
      return (run) => refreshWith(run, answer);
    },
    refreshed: (next, here) => {
      cell.update({ record: next });
      log.push(`refreshed ${next.stored.access_token}${here ? '' : ' elsewhere'}`);
    },
    signOut: (failure) => {
      cell.update({ record: undefined });
      log.push(`signed out: ${failure.code}`);
    },
    fail: (failure) => void log.push(`failed: ${failure.code}`),
  };
  const coordinator = new RefreshCoordinator(host);
  return {
    clock,
    cell,
    log,
    coordinator,
    requests: () => requests,
    setStored: (next: RestoredSession | undefined) => void (stored = next),
  };
}

describe('RefreshCoordinator', () => {
  it('makes one request for every concurrent caller, and re-schedules once', async () => {
    const t = setUp();
    let settled = 0;
    await Promise.all([
      t.coordinator.refresh(() => settled++),
      t.coordinator.refresh(() => settled++),
      t.coordinator.refresh(() => settled++),
    ]);
    expect(t.requests()).toBe(1);
    expect(settled).toBe(1);
    expect(t.log).toEqual(['refreshed at-2']);
    expect(t.coordinator.inFlight).toBeUndefined();
  });

  it('between tabs: one holds the lock; the one that waited finds the rotated tokens and makes no request', async () => {
    const locks = new FakeLocks();
    const a = setUp({ locks, shared: true });
    const b = setUp({ locks, shared: true });
    // b's store shows a's write (one localStorage); a announces it before releasing the lock.
    const answer = a.coordinator.refresh(() => {});
    await Promise.resolve(); // a holds the lock now: b has to wait for it
    const waiting = b.coordinator.refresh(() => {});
    await answer;
    b.setStored(a.cell.record);
    b.coordinator.storedElsewhere(a.cell.record?.stored.issued_at_ms);
    await b.clock.advance(1_000);
    await waiting;
    expect(a.requests() + b.requests()).toBe(1);
    expect(b.log).toEqual(['refreshed at-2 elsewhere']);
  });

  it.each([
    ['LATCHKEY_PROVIDER_UNREACHABLE', 'retryable', 6],
    ['LATCHKEY_TOKEN_REQUEST_FAILED', 'blocked', 1],
  ] as const)('%s: retried with backoff while it cannot have been processed, then %s', async (code, trouble, attempts) => {
    let calls = 0;
    const t = setUp({
      answer: async () => {
        calls++;
        throw new LatchkeyError(code as LatchkeyErrorCode, 'no');
      },
    });
    const done = t.coordinator.refresh(() => {});
    await t.clock.advance(90_000);
    await done;
    expect(calls).toBe(attempts);
    expect(t.log).toEqual([`failed: ${code}`]);
    expect(t.coordinator.troubleFor(t.cell.record as RestoredSession)).toBe(trouble);
    t.coordinator.woke();
    expect(t.coordinator.troubleFor(t.cell.record as RestoredSession)).toBe(trouble === 'retryable' ? 'none' : 'blocked');
  });

  it('invalid_grant ends the session once', async () => {
    const t = setUp({
      answer: async () => {
        throw new LatchkeyError('LATCHKEY_REFRESH_REJECTED', 'over');
      },
    });
    await t.coordinator.refresh(() => {});
    expect(t.log).toEqual(['signed out: LATCHKEY_REFRESH_REJECTED']);
  });

  it('loads the part that refreshes before it takes the lock: no tab waits on a download', async () => {
    const locks = new FakeLocks();
    const requested: string[] = [];
    const spy = {
      request: (name: string, options: { ifAvailable?: boolean }, cb: (lock: unknown) => Promise<unknown>) => (
        requested.push(name),
        locks.request(name, options, cb)
      ),
    };
    const t = setUp({ loadFails: true, locks: spy as unknown as FakeLocks });
    await t.coordinator.refresh(() => {});
    expect(requested).toEqual([]);
    expect(t.log).toEqual(['failed: LATCHKEY_CHUNK_LOAD_FAILED']);
  });

  it('a part that cannot be loaded (a chunk gone after a deploy) keeps the session: a coded failure, retried on wake', async () => {
    const t = setUp({ loadFails: true });
    await t.coordinator.refresh(() => {});
    expect(t.log).toEqual(['failed: LATCHKEY_CHUNK_LOAD_FAILED']);
    expect(t.cell.state.status).toBe('authenticated');
    expect(t.coordinator.troubleFor(t.cell.record as RestoredSession)).toBe('retryable');
    t.coordinator.woke();
    expect(t.coordinator.troubleFor(t.cell.record as RestoredSession)).toBe('none');
  });

  it('tokens that arrive after the session was replaced or ended are dropped, never stored', async () => {
    let release!: () => void;
    const t = setUp({ answer: () => new Promise((resolve) => (release = () => resolve(session(9)))) });
    const done = t.coordinator.refresh(() => {});
    await Promise.resolve();
    t.cell.update({ record: undefined });
    release();
    await done;
    expect(t.log).toEqual([]);
  });

  it('the trouble belongs to the tokens it happened with: new tokens start clean', async () => {
    const t = setUp({
      answer: async () => {
        throw new LatchkeyError('LATCHKEY_TOKEN_REQUEST_FAILED', 'maybe processed');
      },
    });
    await t.coordinator.refresh(() => {});
    expect(t.coordinator.troubleFor(session(1))).toBe('blocked');
    expect(t.coordinator.troubleFor(session(2))).toBe('none');
  });
});
