import { LatchkeyError } from '@latchkey/core';
import type { BffSessionBody } from '@latchkey/core/bff';
import { refresh, type Provider, type TokenResult } from '@latchkey/core/protocol';
import type { SessionHub } from './hub.ts';
import { describe, StoreUnavailable } from './http.ts';
import { randomId, storeKey } from './ids.ts';
import type { ResolvedBffOptions } from './options.ts';
import type { HeldLock, ServerSession, ServerSessionStore } from './stores/types.ts';

/** An access token this close to its end (or in the last third of a shorter life) is refreshed before it is sent. */
export const REFRESH_MARGIN_MS = 30_000;
/** Longer than a provider request's deadline (10 s), so a refresh never outlives its lock. */
const REFRESH_LOCK_MS = 15_000;
/** How long a request waits for a refresh another node holds the lock for. */
const REFRESH_WAIT_MS = 12_000;
const REFRESH_POLL_MS = 100;

/** Refresh failures after which the session cannot go on (the grant is gone or its answer untrustworthy). */
const ENDS_SESSION = new Set<LatchkeyError['code']>([
  'LATCHKEY_REFRESH_REJECTED',
  'LATCHKEY_IDENTITY_CHANGED',
  'LATCHKEY_ID_TOKEN_INVALID',
  'LATCHKEY_ID_TOKEN_EXPIRED',
  'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID',
  'LATCHKEY_LOGIN_REQUIRED',
]);

export interface ActiveSession {
  readonly key: string;
  readonly session: ServerSession;
}

/**
 * The server sessions: made at sign-in, read by the cookie's id (through its hash), timed out (idle and
 * absolute), refreshed when due — once, however many requests need it — and ended, telling the open
 * event streams. Store failures surface as {@link StoreUnavailable}: a 503, never a sign-out.
 */
export class ServerSessions {
  readonly #store: ServerSessionStore;
  readonly #options: ResolvedBffOptions;
  readonly #provider: Provider;
  readonly #hub: SessionHub;
  readonly #now: () => number;
  readonly #refreshing = new Map<string, Promise<ServerSession>>();
  readonly #maxConcurrentRefreshes: number;
  /** The store's touch throttle, at most a tenth of the idle timeout; `undefined` for a store without one. */
  readonly #touchThrottleMs: number | undefined;
  #refreshesInFlight = 0;
  readonly #waitingForSlot: (() => void)[] = [];

  constructor(store: ServerSessionStore, options: ResolvedBffOptions, provider: Provider, hub: SessionHub, now: () => number) {
    this.#store = store;
    this.#options = options;
    this.#provider = provider;
    this.#hub = hub;
    this.#now = now;
    this.#maxConcurrentRefreshes = options.maxConcurrentRefreshes;
    const storeThrottleMs = store.touchThrottleMs;
    this.#touchThrottleMs = storeThrottleMs === undefined ? undefined : Math.min(storeThrottleMs, options.idleTimeoutMs / 10);
  }

  async #call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.#options.log(`bff: the session store failed: ${describe(error)}`);
      throw new StoreUnavailable(error);
    }
  }

  /** The BFF's clock (epoch ms). */
  now(): number {
    return this.#now();
  }

  /** A one-time value (`putOnce`), a store failure being {@link StoreUnavailable}. */
  putOnce(key: string, ttlMs: number): Promise<boolean> {
    return this.#call(() => this.#store.putOnce(key, '1', ttlMs));
  }

  /** When the session ends: the idle end, the absolute end, or its tokens' end when they cannot be refreshed. */
  endsAt(session: ServerSession): number {
    const idleEnd = session.lastSeenAtMs + this.#options.idleTimeoutMs;
    const tokenEnd = session.tokens.stored.refresh_token ? Infinity : session.tokens.stored.expires_at_ms;
    return Math.min(idleEnd, session.absoluteEndsAtMs, tokenEnd);
  }

  #ttl(session: ServerSession): number {
    return Math.max(1, this.endsAt(session) - this.#now());
  }

  /** What the browser may know: claims and times, never a token. */
  body(session: ServerSession | undefined): BffSessionBody {
    const now = this.#now();
    if (!session) return { status: 'anonymous', user: null, expiresAt: null, now };
    return { status: 'authenticated', user: session.tokens.user, expiresAt: this.endsAt(session), now };
  }

  /** A new session with a new id (never the one the browser had: no fixation). */
  async create(tokens: TokenResult): Promise<{ id: string } & ActiveSession> {
    const now = this.#now();
    const sid = tokens.user['sid'];
    const session: ServerSession = {
      v: 1,
      sub: tokens.user.sub,
      ...(typeof sid === 'string' && sid !== '' && { sid }),
      version: 1,
      tokens,
      createdAtMs: now,
      lastSeenAtMs: now,
      absoluteEndsAtMs: now + this.#options.absoluteTimeoutMs,
    };
    const id = randomId();
    const key = storeKey('session', id);
    await this.#call(() => this.#store.set(key, session, this.#ttl(session)));
    return { id, key, session };
  }

  /** The live session for the cookie's id, or `undefined` (none, or timed out: then it is deleted). */
  async read(id: string | undefined): Promise<ActiveSession | undefined> {
    if (!id) return undefined;
    const key = storeKey('session', id);
    const session = await this.#call(() => this.#store.get(key));
    if (!session) return undefined;
    if (this.endsAt(session) <= this.#now()) {
      await this.end(key);
      return undefined;
    }
    return { key, session };
  }

  /**
   * Activity: the idle end slides. A store that throttles the write is not asked within its throttle (at
   * most a tenth of the idle timeout, so "Stay signed in" at a warning always writes) of the `lastSeenAtMs`
   * just read: such a lookup is one read, no write, and the session keeps the idle end it has in the store
   * (the answer says that one, not one never written).
   */
  async touch(active: ActiveSession): Promise<ActiveSession> {
    const now = this.#now();
    const throttleMs = this.#touchThrottleMs;
    if (throttleMs !== undefined && now - active.session.lastSeenAtMs <= throttleMs) return active;
    const session = { ...active.session, lastSeenAtMs: now };
    await this.#call(() => this.#store.touch(active.key, now, this.#ttl(session), throttleMs));
    return { key: active.key, session };
  }

  /** Deletes the session and tells its open streams. */
  async end(key: string): Promise<ServerSession | undefined> {
    const session = await this.#call(() => this.#store.get(key));
    await this.#call(() => this.#store.delete(key));
    this.#hub.publish(key, this.body(undefined));
    return session;
  }

  /** Ends every session of a `sid` (or `sub`): back-channel logout. */
  async endBy(match: { sid?: string; sub?: string }): Promise<number> {
    const keys = await this.#call(() => this.#store.deleteBy(match));
    for (const key of keys) this.#hub.publish(key, this.body(undefined));
    return keys.length;
  }

  /**
   * The access token, refreshed first when it is due: one refresh per session in this process, and
   * across nodes one per rotation (the store's lock; the others wait for its result).
   *
   * @throws LatchkeyError `LATCHKEY_LOGIN_REQUIRED` when the session ended on the way (refresh
   *   refused), `LATCHKEY_PROVIDER_UNREACHABLE` when it is due and the provider cannot be reached
   */
  async accessToken(active: ActiveSession): Promise<string> {
    const stored = active.session.tokens.stored;
    // Due 30 s before its end, or in the last third of a shorter life (else a short-lived token is always due).
    const margin = Math.min(REFRESH_MARGIN_MS, (stored.expires_at_ms - stored.issued_at_ms) / 3);
    if (stored.expires_at_ms - this.#now() > margin) return stored.access_token;
    if (!stored.refresh_token) {
      if (stored.expires_at_ms > this.#now()) return stored.access_token;
      await this.end(active.key);
      throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'The session has ended; sign in again.');
    }
    let flight = this.#refreshing.get(active.key);
    if (!flight) {
      flight = this.#refresh(active).finally(() => this.#refreshing.delete(active.key));
      this.#refreshing.set(active.key, flight);
    }
    return (await flight).tokens.stored.access_token;
  }

  async #refresh(active: ActiveSession): Promise<ServerSession> {
    const lock = await this.#call(() => this.#store.acquire(active.key, REFRESH_LOCK_MS));
    if (!lock) return this.#awaitOtherRefresh(active);
    try {
      // Another node may have refreshed between our read and the lock.
      const current = await this.#call(() => this.#store.get(active.key));
      if (!current) throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'The session has ended; sign in again.');
      if (current.version !== active.session.version) return current;
      let tokens: TokenResult;
      try {
        tokens = await this.#limited(() => refresh(this.#provider, current.tokens));
      } catch (error) {
        if (error instanceof LatchkeyError && ENDS_SESSION.has(error.code)) {
          await this.end(active.key);
          throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', `The session has ended (${error.code}); sign in again.`);
        }
        if (error instanceof LatchkeyError && error.code === 'LATCHKEY_TOKEN_REQUEST_FAILED')
          return this.#withoutRefresh(active.key, current, lock);
        throw error;
      }
      const next: ServerSession = { ...current, tokens, version: current.version + 1 };
      // Compare-and-set on the lock and the version: a holder whose lock expired writes nothing.
      const written = await this.#call(() =>
        this.#store.replaceIfLocked(active.key, next, this.#ttl(next), { version: current.version, lock }),
      );
      if (!written) return this.#afterLostLock(active.key);
      this.#hub.publish(active.key, this.body(next));
      return next;
    } finally {
      await this.#store.release(active.key, lock).catch(() => undefined);
    }
  }

  /**
   * The provider may have processed a refresh whose answer was lost (a timeout, a 500): its refresh
   * token may be rotated away, and a retry could revoke the grant. The session keeps its access token
   * until that ends, and then ends — never a retry loop.
   */
  async #withoutRefresh(key: string, current: ServerSession, lock: HeldLock): Promise<ServerSession> {
    const { refresh_token: _dropped, ...stored } = current.tokens.stored;
    const next: ServerSession = { ...current, tokens: { ...current.tokens, stored }, version: current.version + 1 };
    if (this.endsAt(next) <= this.#now()) {
      await this.end(key);
      throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'The session has ended (its refresh failed); sign in again.');
    }
    const written = await this.#call(() => this.#store.replaceIfLocked(key, next, this.#ttl(next), { version: current.version, lock }));
    if (!written) return this.#afterLostLock(key);
    this.#hub.publish(key, this.body(next));
    return next;
  }

  /**
   * The refresh outlived its lock (the provider took longer than the lock's life) and another node may
   * have refreshed since: its tokens are the session's now, ours are dropped. No session left: signed out.
   */
  async #afterLostLock(key: string): Promise<ServerSession> {
    const current = await this.#call(() => this.#store.get(key));
    if (!current) throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'The session has ended; sign in again.');
    return current;
  }

  /** At most `maxConcurrentRefreshes` provider requests at once from this node: a storm waits its turn. */
  async #limited<T>(work: () => Promise<T>): Promise<T> {
    while (this.#refreshesInFlight >= this.#maxConcurrentRefreshes) {
      await new Promise<void>((resolve) => this.#waitingForSlot.push(resolve));
    }
    this.#refreshesInFlight++;
    try {
      return await work();
    } finally {
      this.#refreshesInFlight--;
      this.#waitingForSlot.shift()?.();
    }
  }

  async #awaitOtherRefresh(active: ActiveSession): Promise<ServerSession> {
    const deadline = this.#now() + REFRESH_WAIT_MS;
    while (this.#now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, REFRESH_POLL_MS));
      const current = await this.#call(() => this.#store.get(active.key));
      if (!current) throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'The session has ended; sign in again.');
      if (current.version !== active.session.version) return current;
    }
    throw new LatchkeyError('LATCHKEY_PROVIDER_UNREACHABLE', 'The session is being refreshed elsewhere and it did not finish in time.');
  }
}
