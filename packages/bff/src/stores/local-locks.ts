import type { HeldLock, SessionLocks } from './types.ts';

/** The in-process side of {@link SessionLocks}, with `clear()` for a store's `close()`. */
export interface LocalLocks extends SessionLocks {
  /** Whether `lock` holds the lock of `key` now (taken with its token, and not expired). */
  holds(key: string, lock: HeldLock): boolean;
  /** Drops every lock (the store is closing). */
  clear(): void;
}

/**
 * Per-session locks held in this process, expired by `now`: what the memory and SQLite stores share.
 * One node only; across nodes the lock has to live in the shared store (Redis).
 */
export function localLocks(now: () => number): LocalLocks {
  const held = new Map<string, { token: string; expiresAtMs: number }>();
  return {
    async acquire(key, ttlMs): Promise<HeldLock | undefined> {
      assertTtl(ttlMs);
      const current = held.get(key);
      if (current && current.expiresAtMs > now()) return undefined;
      const token = globalThis.crypto.randomUUID();
      held.set(key, { token, expiresAtMs: now() + ttlMs });
      return { token };
    },
    async release(key, lock) {
      // An expired lock another holder has taken since is theirs: only the token that took it frees it.
      if (held.get(key)?.token === lock.token) held.delete(key);
    },
    holds(key, lock) {
      const current = held.get(key);
      return current !== undefined && current.token === lock.token && current.expiresAtMs > now();
    },
    clear() {
      held.clear();
    },
  };
}

/**
 * Refuses a TTL that is not a finite number: `NaN` or `Infinity` would be an entry that never expires.
 * @throws RangeError
 */
export function assertTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs)) throw new RangeError(`A store TTL must be a finite number of milliseconds, not ${String(ttlMs)}.`);
}
