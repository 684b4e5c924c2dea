import { assertTtl, localLocks } from './local-locks.ts';
import type { ServerSession, ServerSessionStore } from './types.ts';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** The clock TTLs are measured by; `Date.now` unless a test hands it a fake one. */
  readonly now?: () => number;
}

// Expired entries nobody reads again are swept on a write, at most this often: no timer to hold a process.
const SWEEP_INTERVAL_MS = 60_000;

interface Entry<T> {
  readonly value: T;
  readonly expiresAtMs: number;
}

/**
 * A {@link ServerSessionStore} on Maps, for tests and for a single process that may lose its sessions
 * (a restart signs everyone out; `sqliteStore()` does not). Values are stored and returned as copies, so
 * a caller changing its object changes nothing stored; expired entries are never returned.
 */
export function memoryStore(options: MemoryStoreOptions = {}): ServerSessionStore {
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Entry<ServerSession>>();
  const once = new Map<string, Entry<string>>();
  const locks = localLocks(now);
  let closed = false;
  let sweptAtMs = now();

  function live<T>(map: Map<string, Entry<T>>, key: string): Entry<T> | undefined {
    const entry = map.get(key);
    if (entry === undefined || entry.expiresAtMs > now()) return entry;
    map.delete(key);
    return undefined;
  }

  function sweep(): void {
    if (now() - sweptAtMs < SWEEP_INTERVAL_MS) return;
    sweptAtMs = now();
    for (const map of [sessions, once] as Map<string, Entry<unknown>>[]) {
      for (const [key, entry] of map) if (entry.expiresAtMs <= sweptAtMs) map.delete(key);
    }
  }

  function write(key: string, session: ServerSession, ttlMs: number): void {
    sweep();
    sessions.set(key, { value: structuredClone(session), expiresAtMs: now() + ttlMs });
  }

  function assertUsable(ttlMs?: number): void {
    if (closed) throw new Error('memoryStore: the store is closed.');
    if (ttlMs !== undefined) assertTtl(ttlMs);
  }

  return {
    async get(key) {
      assertUsable();
      const entry = live(sessions, key);
      return entry && structuredClone(entry.value);
    },
    async set(key, session, ttlMs) {
      assertUsable(ttlMs);
      write(key, session, ttlMs);
    },
    async replaceIfLocked(key, session, ttlMs, expected) {
      assertUsable(ttlMs);
      if (!locks.holds(key, expected.lock) || live(sessions, key)?.value.version !== expected.version) return false;
      write(key, session, ttlMs);
      return true;
    },
    async touch(key, lastSeenAtMs, ttlMs) {
      assertUsable(ttlMs);
      const entry = live(sessions, key);
      if (entry) sessions.set(key, { value: { ...entry.value, lastSeenAtMs }, expiresAtMs: now() + ttlMs });
    },
    async delete(key) {
      assertUsable();
      const existed = live(sessions, key) !== undefined;
      sessions.delete(key);
      return existed;
    },
    async deleteBy(match) {
      assertUsable();
      const deleted: string[] = [];
      if (match.sid === undefined && match.sub === undefined) return deleted;
      for (const [key, entry] of sessions) {
        const hit = match.sid !== undefined ? entry.value.sid === match.sid : entry.value.sub === match.sub;
        if (!hit) continue;
        sessions.delete(key);
        if (entry.expiresAtMs > now()) deleted.push(key);
      }
      return deleted;
    },
    async putOnce(key, value, ttlMs) {
      assertUsable(ttlMs);
      sweep();
      if (live(once, key)) return false;
      once.set(key, { value, expiresAtMs: now() + ttlMs });
      return true;
    },
    async takeOnce(key) {
      assertUsable();
      const entry = live(once, key);
      once.delete(key);
      return entry?.value;
    },
    async acquire(key, ttlMs) {
      assertUsable(ttlMs);
      return locks.acquire(key, ttlMs);
    },
    async release(key, lock) {
      assertUsable();
      return locks.release(key, lock);
    },
    async close() {
      closed = true;
      sessions.clear();
      once.clear();
      locks.clear();
    },
  };
}
