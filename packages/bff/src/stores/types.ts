import type { TokenResult } from '@latchkey/core/protocol';

/** One server session: the tokens (only ever on the server), who it is, and its times. */
export interface ServerSession {
  readonly v: 1;
  /** The ID token's `sub`, and its `sid` when the provider sent one: the back-channel logout's keys. */
  readonly sub: string;
  readonly sid?: string;
  /** Bumped at every write of new tokens: a refresh writes only over the version it read. */
  readonly version: number;
  /** The validated token response: ID, access and refresh token, claims, expiry. */
  readonly tokens: TokenResult;
  readonly createdAtMs: number;
  /** The last request that counts as activity (an open event stream does not). */
  readonly lastSeenAtMs: number;
  /** The absolute timeout: the session ends then, whatever the activity. */
  readonly absoluteEndsAtMs: number;
}

/**
 * Where a BFF keeps its sessions. Keys are the hash of the cookie's id, never the id itself, so a dump
 * of the store yields no usable cookie. Every method may reject (an unreachable store); the BFF answers
 * that with a coded 503 and signs nobody out.
 *
 * `memoryStore()` and `sqliteStore()` implement it for one node; `redisStore()` does for many.
 */
export interface ServerSessionStore extends SessionLocks {
  /** The session, or `undefined` (none, or expired by its TTL). */
  get(key: string): Promise<ServerSession | undefined>;
  /** Writes the session; it is gone after `ttlMs` (the sooner of the idle and absolute ends). */
  set(key: string, session: ServerSession, ttlMs: number): Promise<void>;
  /**
   * Records activity: `lastSeenAtMs` and a new TTL, without rewriting the tokens. A store may throttle it:
   * a touch whose `lastSeenAtMs` is at most `throttleMs` (default: its {@link ServerSessionStore.touchThrottleMs})
   * after the stored one writes nothing. The BFF passes a smaller `throttleMs` for a short idle timeout.
   */
  touch(key: string, lastSeenAtMs: number, ttlMs: number, throttleMs?: number): Promise<void>;
  /**
   * A store that throttles `touch` says by how much (at most; the BFF uses a tenth of its idle timeout when
   * that is less). The BFF then skips a touch that would write nothing, by the session it has just read,
   * sparing the store a round trip (the store's own check stays, for touches racing on other nodes).
   * Absent: every touch is sent.
   */
  readonly touchThrottleMs?: number;
  /**
   * A refresh's write, as a compare-and-set: writes the session (as `set` does) only while `lock` still
   * holds the session's lock and the stored session's `version` is `expected.version`; otherwise it
   * writes nothing and resolves `false`. So a node whose lock expired mid-refresh (another may have
   * rotated the tokens since) writes nothing, and a session ended meanwhile is not brought back.
   */
  replaceIfLocked(key: string, session: ServerSession, ttlMs: number, expected: ReplaceExpectation): Promise<boolean>;
  /** Deletes one session; `true` when there was one. */
  delete(key: string): Promise<boolean>;
  /** Deletes every session of that `sid` (or, without one, of that `sub`): the keys deleted. */
  deleteBy(match: { readonly sid?: string; readonly sub?: string }): Promise<string[]>;
  /**
   * A one-time value (the logout's end-session request, a logout token's `jti`): `put` refuses to
   * overwrite (`false` when the key exists), `take` returns and deletes it in one step.
   */
  putOnce(key: string, value: string, ttlMs: number): Promise<boolean>;
  takeOnce(key: string): Promise<string | undefined>;
  /** Releases connections, timers and files. */
  close(): Promise<void>;
}

/** What a refresh's write ({@link ServerSessionStore.replaceIfLocked}) expects to find: its lock, and the version it read. */
export interface ReplaceExpectation {
  readonly version: number;
  readonly lock: HeldLock;
}

/** A held per-session lock: released only with its token, by its holder. */
export interface HeldLock {
  readonly token: string;
}

/** The per-session lock (a refresh is made once per rotation): in-process for one node, in Redis for many. */
export interface SessionLocks {
  /** Takes the lock for `ttlMs`, or `undefined` when another holder has it. */
  acquire(key: string, ttlMs: number): Promise<HeldLock | undefined>;
  /** Releases it, only if `lock` still holds it (its TTL may have passed and another taken it). */
  release(key: string, lock: HeldLock): Promise<void>;
}
