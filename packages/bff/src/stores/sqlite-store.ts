import { LatchkeyConfigError } from '@latchkey/core';
import type { DatabaseSync } from 'node:sqlite';
import { assertTtl, localLocks, type LocalLocks } from './local-locks.ts';
import { parseServerSession } from './parse-server-session.ts';
import { prepareFiles, restrictCompanions } from './sqlite-files.ts';
import { prepareStatements, SCHEMA, type Statements } from './sqlite-schema.ts';
import type { HeldLock, ReplaceExpectation, ServerSession, ServerSessionStore } from './types.ts';
import type * as sqlite from 'node:sqlite';

type SqliteModule = typeof sqlite;

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file; its directory is created (mode 0700) if missing. */
  readonly path: string;
  /** The clock TTLs are measured by; `Date.now` unless a test hands it a fake one. */
  readonly now?: () => number;
  /**
   * A `touch` writes only when the stored `lastSeenAtMs` is older than this before the new one; a
   * throttled touch writes nothing, so the idle end may come early by at most this. Default 60 s.
   */
  readonly touchThrottleMs?: number;
  /** How often expired rows are deleted (reads never return them before). Default 60 s. */
  readonly cleanupIntervalMs?: number;
}

const DEFAULT_TOUCH_THROTTLE_MS = 60_000;
const DEFAULT_CLEANUP_INTERVAL_MS = 60_000;
// DatabaseSync waits for a lock held by another connection on the event loop: briefly, then fails.
const BUSY_TIMEOUT_MS = 1_000;
// setInterval's ceiling; a longer delay would fire at once.
const MAX_INTERVAL_MS = 2 ** 31 - 1;

interface Opened {
  readonly db: DatabaseSync;
  readonly statements: Statements;
  readonly timer: ReturnType<typeof setInterval>;
}

/**
 * The failure of one operation, as an `Error` that names the store and the operation and keeps only
 * SQLite's generic code and text: never a key, a session or a token (SQLite's own message can quote SQL).
 */
function storeError(operation: string, cause: unknown): Error {
  const c = (typeof cause === 'object' && cause !== null ? cause : {}) as Record<string, unknown>;
  const pick = (name: string) => (typeof c[name] === 'string' || typeof c[name] === 'number' ? c[name] : undefined);
  const detail = pick('errstr') ?? pick('code') ?? pick('name') ?? 'unknown error';
  return new Error(
    `sqliteStore: ${operation} failed (${String(detail)}). Check that the database file is writable, the disk is not full and no other process holds it locked.`,
    { cause: { name: pick('name'), code: pick('code'), errcode: pick('errcode'), errstr: pick('errstr') } },
  );
}

function isLive(row: Record<string, unknown> | undefined, nowMs: number): boolean {
  const expiresAt = row?.['expires_at'];
  return typeof expiresAt === 'number' && expiresAt > nowMs;
}

class SqliteSessionStore implements ServerSessionStore {
  readonly #path: string;
  readonly #now: () => number;
  /** See {@link ServerSessionStore.touchThrottleMs}. */
  readonly touchThrottleMs: number;
  readonly #cleanupIntervalMs: number;
  readonly #locks: LocalLocks;
  #opening: Promise<Opened> | undefined;
  #closed = false;

  constructor(options: SqliteStoreOptions) {
    this.#path = options.path;
    this.#now = options.now ?? Date.now;
    this.touchThrottleMs = options.touchThrottleMs ?? DEFAULT_TOUCH_THROTTLE_MS;
    this.#cleanupIntervalMs = options.cleanupIntervalMs ?? DEFAULT_CLEANUP_INTERVAL_MS;
    this.#locks = localLocks(this.#now);
  }

  async get(key: string): Promise<ServerSession | undefined> {
    return this.#use('get', ({ get, dropGarbage }) => {
      const row = get.get(key, this.#now());
      if (row === undefined) return undefined;
      const lastSeen = row['last_seen'];
      const session = typeof lastSeen === 'number' ? parseServerSession(row['json']) : undefined;
      if (session === undefined || typeof lastSeen !== 'number') {
        dropGarbage.run(key, row['json'] ?? null);
        return undefined;
      }
      // touch() writes the column alone, never the JSON with the tokens.
      return { ...session, lastSeenAtMs: lastSeen };
    });
  }

  async set(key: string, session: ServerSession, ttlMs: number): Promise<void> {
    assertTtl(ttlMs);
    return this.#use('set', ({ set }) => {
      set.run(this.#row(key, session, ttlMs));
    });
  }

  async replaceIfLocked(key: string, session: ServerSession, ttlMs: number, expected: ReplaceExpectation): Promise<boolean> {
    assertTtl(ttlMs);
    // The lock check and the write run in one synchronous step: nothing in this process comes between.
    return this.#use('replaceIfLocked', ({ replace }) => {
      if (!this.#locks.holds(key, expected.lock)) return false;
      return replace.run({ ...this.#row(key, session, ttlMs), expected: expected.version, now: this.#now() }).changes === 1;
    });
  }

  async touch(key: string, lastSeenAtMs: number, ttlMs: number, throttleMs = this.touchThrottleMs): Promise<void> {
    assertTtl(ttlMs);
    return this.#use('touch', ({ touch }) => {
      const nowMs = this.#now();
      touch.run({
        key,
        lastSeen: lastSeenAtMs,
        expiresAt: nowMs + ttlMs,
        now: nowMs,
        throttleMs: Math.min(throttleMs, this.touchThrottleMs),
      });
    });
  }

  async delete(key: string): Promise<boolean> {
    return this.#use('delete', (s) => isLive(s.delete.get(key), this.#now()));
  }

  async deleteBy(match: { readonly sid?: string; readonly sub?: string }): Promise<string[]> {
    return this.#use('deleteBy', ({ deleteBySid, deleteBySub }) => {
      const rows = match.sid !== undefined ? deleteBySid.all(match.sid) : match.sub !== undefined ? deleteBySub.all(match.sub) : [];
      const nowMs = this.#now();
      return rows.filter((row) => isLive(row, nowMs)).map((row) => String(row['key']));
    });
  }

  async putOnce(key: string, value: string, ttlMs: number): Promise<boolean> {
    assertTtl(ttlMs);
    return this.#use('putOnce', ({ putOnce }) => {
      const nowMs = this.#now();
      return putOnce.run({ key, value, expiresAt: nowMs + ttlMs, now: nowMs }).changes === 1;
    });
  }

  async takeOnce(key: string): Promise<string | undefined> {
    return this.#use('takeOnce', ({ takeOnce }) => {
      const row = takeOnce.get(key);
      const value = row?.['value'];
      return isLive(row, this.#now()) && typeof value === 'string' ? value : undefined;
    });
  }

  async acquire(key: string, ttlMs: number): Promise<HeldLock | undefined> {
    this.#assertOpen('acquire');
    return this.#locks.acquire(key, ttlMs);
  }

  async release(key: string, lock: HeldLock): Promise<void> {
    this.#assertOpen('release');
    return this.#locks.release(key, lock);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#locks.clear();
    const opened = await this.#opening?.catch(() => undefined);
    if (opened === undefined) return;
    clearInterval(opened.timer);
    try {
      opened.db.close();
    } catch (cause) {
      throw storeError('close', cause);
    }
  }

  #row(key: string, session: ServerSession, ttlMs: number) {
    return {
      key,
      sub: session.sub,
      sid: session.sid ?? null,
      version: session.version,
      lastSeen: session.lastSeenAtMs,
      expiresAt: this.#now() + ttlMs,
      json: JSON.stringify(session),
    };
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new Error(`sqliteStore: ${operation} after close(); the store is closed.`);
  }

  async #use<T>(operation: string, run: (statements: Statements) => T): Promise<T> {
    this.#assertOpen(operation);
    // A failed open is forgotten, so the next call tries again (the disk may have room by then).
    this.#opening ??= this.#open().catch((error: unknown) => {
      this.#opening = undefined;
      throw error;
    });
    const { statements } = await this.#opening;
    try {
      return run(statements);
    } catch (cause) {
      throw storeError(operation, cause);
    }
  }

  async #open(): Promise<Opened> {
    let db: DatabaseSync | undefined;
    try {
      // Loaded here, on first use: an app on another store never loads node:sqlite. Through
      // getBuiltinModule, because bundlers (esbuild, Angular's server build) rewrite an
      // `import('node:sqlite')` to `import('sqlite')`, which does not exist: node:sqlite has no bare name.
      const { DatabaseSync } = process.getBuiltinModule('node:sqlite') as SqliteModule;
      prepareFiles(this.#path);
      db = new DatabaseSync(this.#path);
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(SCHEMA);
      restrictCompanions(this.#path);
      const statements = prepareStatements(db);
      const timer = setInterval(() => this.#cleanup(statements), this.#cleanupIntervalMs);
      // Never what keeps the process alive.
      timer.unref();
      return { db, statements, timer };
    } catch (cause) {
      try {
        db?.close();
      } catch {
        // The open failed already; that is the error to report.
      }
      throw storeError('open', cause);
    }
  }

  #cleanup({ cleanupSessions, cleanupOnce }: Statements): void {
    try {
      const nowMs = this.#now();
      cleanupSessions.run(nowMs);
      cleanupOnce.run(nowMs);
    } catch {
      // Tried again at the next tick; reads never return an expired row meanwhile.
    }
  }
}

/**
 * A {@link ServerSessionStore} in an embedded SQLite database (Node's built-in `node:sqlite`): the
 * default for one node, since a restart of the server signs nobody out. The database is in WAL mode,
 * readable by its owner only (file 0600, a directory it creates 0700), and loaded on first use.
 * Rows that do not read back as a session are treated as absent and deleted. Locks are in-process:
 * for many nodes use `redisStore()`.
 *
 * @throws LatchkeyConfigError (`LATCHKEY_CONFIG_INVALID`) when an option is missing or out of range.
 * Methods reject with an `Error` naming the store and the operation (never a key or a token) when
 * SQLite fails (disk full, a file locked by another process).
 */
export function sqliteStore(options: SqliteStoreOptions): ServerSessionStore {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new LatchkeyConfigError('sqliteStore: "path" must be the database file, e.g. "./data/sessions.db".');
  }
  const { touchThrottleMs, cleanupIntervalMs } = options;
  if (touchThrottleMs !== undefined && !(Number.isFinite(touchThrottleMs) && touchThrottleMs >= 0)) {
    throw new LatchkeyConfigError(`sqliteStore: "touchThrottleMs" must be 0 or more milliseconds, not ${String(touchThrottleMs)}.`);
  }
  if (cleanupIntervalMs !== undefined && !(cleanupIntervalMs >= 1 && cleanupIntervalMs <= MAX_INTERVAL_MS)) {
    throw new LatchkeyConfigError(
      `sqliteStore: "cleanupIntervalMs" must be between 1 and ${MAX_INTERVAL_MS} milliseconds, not ${String(cleanupIntervalMs)}.`,
    );
  }
  return new SqliteSessionStore(options);
}
