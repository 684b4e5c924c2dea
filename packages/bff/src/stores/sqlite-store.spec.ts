import { LatchkeyConfigError } from '@latchkey/core';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SAMPLE_NOW_MS, sampleSession } from '../testing/sample-session.ts';
import { describeServerSessionStore, expectTouchTakesTheSmallerThrottle } from '../testing/store-contract.ts';
import { sqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
import type { ServerSessionStore } from './types.ts';

const MINUTE = 60_000;
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-sqlite-'));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeServerSessionStore('sqliteStore', async () => {
  let nowMs = SAMPLE_NOW_MS;
  return {
    store: sqliteStore({ path: join(await tempDir(), 'sessions.db'), now: () => nowMs }),
    advance: (ms) => void (nowMs += ms),
  };
});

describe('sqliteStore', () => {
  let path: string;
  let nowMs: number;
  const opened: ServerSessionStore[] = [];
  // A second connection, as an operator's sqlite3 shell would be: to see and plant rows directly.
  let raw: DatabaseSync | undefined;

  function open(options: Partial<SqliteStoreOptions> = {}): ServerSessionStore {
    const store = sqliteStore({ path, now: () => nowMs, ...options });
    opened.push(store);
    return store;
  }

  function direct(): DatabaseSync {
    raw ??= new DatabaseSync(path);
    return raw;
  }

  function count(table: 'sessions' | 'once'): number {
    return Number(direct().prepare(`SELECT count(*) AS n FROM ${table}`).get()?.['n']);
  }

  beforeEach(async () => {
    path = join(await tempDir(), 'data', 'sessions.db');
    nowMs = SAMPLE_NOW_MS;
  });

  afterEach(async () => {
    raw?.close();
    raw = undefined;
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it('creates its directory 0700 and the database file, with its -wal and -shm, 0600', async () => {
    const store = open();
    await store.set('k', sampleSession(), MINUTE);
    expect((await stat(join(path, '..'))).mode & 0o777).toBe(0o700);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('puts the database in WAL mode', async () => {
    await open().get('k');
    expect(direct().prepare('PRAGMA journal_mode').get()?.['journal_mode']).toBe('wal');
  });

  it('opens nothing until first used', async () => {
    open();
    await expect(stat(join(path, '..'))).rejects.toThrow(/ENOENT/);
  });

  it('keeps sessions, one-time values and TTLs across a close and a reopen: a restart signs nobody out', async () => {
    const session = sampleSession();
    const first = open();
    await first.set('k', session, 10 * MINUTE);
    await first.putOnce('o', 'value', 10 * MINUTE);
    await first.close();
    const second = open();
    expect(await second.get('k')).toEqual(session);
    expect(await second.takeOnce('o')).toBe('value');
    nowMs += 10 * MINUTE;
    expect(await second.get('k')).toBeUndefined();
  });

  it.each([
    ['JSON that does not parse', '{"v":1,'],
    ['JSON that is not an object', '[1,2,3]'],
    ['another version', JSON.stringify({ ...sampleSession(), v: 2 })],
    ['a sub that is not a string', JSON.stringify({ ...sampleSession(), sub: 42 })],
    ['no tokens', JSON.stringify({ ...sampleSession(), tokens: null })],
    ['tokens without user', JSON.stringify({ ...sampleSession(), tokens: { stored: sampleSession().tokens.stored } })],
    [
      'an access token that is not a string',
      JSON.stringify({ ...sampleSession(), tokens: { ...sampleSession().tokens, stored: { access_token: 1 } } }),
    ],
    ['a version that is not a number', JSON.stringify({ ...sampleSession(), version: '1' })],
  ])('reads a row holding %s as absent, deletes it and throws nothing', async (_, json) => {
    const store = open();
    await store.get('warm-up');
    direct()
      .prepare('INSERT INTO sessions (key, sub, sid, version, last_seen, expires_at, json) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run('bad', 'user-1', 'sid-1', 1, nowMs, nowMs + MINUTE, json);
    expect(await store.get('bad')).toBeUndefined();
    expect(count('sessions')).toBe(0);
  });

  it('does not write a touch within the throttle of the stored last_seen, and writes one beyond it', async () => {
    const store = open({ touchThrottleMs: MINUTE });
    const session = sampleSession();
    await store.set('k', session, 10 * MINUTE);
    const row = () => direct().prepare('SELECT last_seen, expires_at FROM sessions WHERE key = ?').get('k');
    const before = row();
    nowMs += 30_000;
    await store.touch('k', session.lastSeenAtMs + 30_000, 10 * MINUTE);
    expect(row()).toEqual(before);
    expect((await store.get('k'))?.lastSeenAtMs).toBe(session.lastSeenAtMs);
    nowMs += 31_000;
    await store.touch('k', session.lastSeenAtMs + 61_000, 10 * MINUTE);
    expect(row()).toEqual({ last_seen: session.lastSeenAtMs + 61_000, expires_at: nowMs + 10 * MINUTE });
    expect((await store.get('k'))?.lastSeenAtMs).toBe(session.lastSeenAtMs + 61_000);
  });

  it("takes a touch's own smaller throttle (a short idle timeout's), never a larger one", () =>
    expectTouchTakesTheSmallerThrottle(open({ touchThrottleMs: MINUTE })));

  it('never writes a touch that would move last_seen back', async () => {
    const store = open({ touchThrottleMs: 0 });
    const session = sampleSession();
    await store.set('k', session, 10 * MINUTE);
    await store.touch('k', session.lastSeenAtMs - MINUTE, 10 * MINUTE);
    expect((await store.get('k'))?.lastSeenAtMs).toBe(session.lastSeenAtMs);
  });

  it('deletes expired rows of both tables on its cleanup timer, and keeps the rest', async () => {
    const store = open({ cleanupIntervalMs: 10 });
    await store.set('old', sampleSession(), MINUTE);
    await store.set('new', sampleSession(), 10 * MINUTE);
    await store.putOnce('old', 'value', MINUTE);
    await store.putOnce('new', 'value', 10 * MINUTE);
    nowMs += MINUTE;
    await vi.waitFor(() => {
      expect(count('sessions')).toBe(1);
      expect(count('once')).toBe(1);
    });
    expect(await store.get('new')).toBeDefined();
    expect(await store.takeOnce('new')).toBe('value');
  });

  it('rejects an SQLite failure with an Error naming the store and the operation, never the key or a token', async () => {
    const store = open();
    const session = sampleSession();
    await store.set('secret-key-hash', session, MINUTE);
    // Another process holding the write lock past the busy timeout.
    direct().exec('BEGIN EXCLUSIVE');
    const error = await store.set('secret-key-hash', { ...session, version: 2 }, MINUTE).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    direct().exec('ROLLBACK');
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toMatch(/^sqliteStore: set failed \(database is locked\)/);
    const shown = `${error?.message} ${JSON.stringify(error?.cause)}`;
    for (const secret of ['secret-key-hash', session.tokens.stored.access_token, session.tokens.stored.id_token]) {
      expect(shown).not.toContain(secret);
    }
    expect((await store.get('secret-key-hash'))?.version).toBe(1);
  });

  it('rejects when the database cannot be opened, and opens on a later call once it can', async () => {
    const dir = await tempDir();
    path = join(dir, 'sessions.db');
    await rm(dir, { recursive: true });
    const store = open();
    // A file where the directory should be.
    await writeFile(dir, '');
    await expect(store.get('k')).rejects.toThrow(/^sqliteStore: open failed/);
    await rm(dir);
    expect(await store.get('k')).toBeUndefined();
  });

  it.each([
    [{ path: '' }],
    [{ path: 'x.db', touchThrottleMs: -1 }],
    [{ path: 'x.db', touchThrottleMs: Number.NaN }],
    [{ path: 'x.db', cleanupIntervalMs: 0 }],
    [{ path: 'x.db', cleanupIntervalMs: 2 ** 31 }],
  ])('refuses the options %o at configuration time', (options) => {
    expect(() => sqliteStore(options)).toThrow(LatchkeyConfigError);
  });
});
