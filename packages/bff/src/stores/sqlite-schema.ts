import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** The tables (created if missing): sessions by key, with sub and sid indexed for back-channel logout; one-time values. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  key TEXT PRIMARY KEY NOT NULL,
  sub TEXT NOT NULL,
  sid TEXT,
  version INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_sid ON sessions (sid);
CREATE INDEX IF NOT EXISTS sessions_sub ON sessions (sub);
CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS once (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS once_expires_at ON once (expires_at);
`;

/** Every statement the store runs, prepared once when the database opens. */
export function prepareStatements(db: DatabaseSync) {
  return {
    get: db.prepare('SELECT json, last_seen FROM sessions WHERE key = ? AND expires_at > ?'),
    dropGarbage: db.prepare('DELETE FROM sessions WHERE key = ? AND json IS ?'),
    set: db.prepare(
      `INSERT INTO sessions (key, sub, sid, version, last_seen, expires_at, json)
       VALUES ($key, $sub, $sid, $version, $lastSeen, $expiresAt, $json)
       ON CONFLICT (key) DO UPDATE SET sub = excluded.sub, sid = excluded.sid, version = excluded.version,
         last_seen = excluded.last_seen, expires_at = excluded.expires_at, json = excluded.json`,
    ),
    // A refresh's compare-and-set: only over the version it read, and never over an expired row.
    replace: db.prepare(
      `UPDATE sessions SET sub = $sub, sid = $sid, version = $version, last_seen = $lastSeen, expires_at = $expiresAt, json = $json
       WHERE key = $key AND version = $expected AND expires_at > $now`,
    ),
    // The throttle is in the WHERE: a throttled touch matches no row and writes nothing.
    touch: db.prepare(
      `UPDATE sessions SET last_seen = $lastSeen, expires_at = $expiresAt
       WHERE key = $key AND expires_at > $now AND last_seen < $lastSeen - $throttleMs`,
    ),
    delete: db.prepare('DELETE FROM sessions WHERE key = ? RETURNING expires_at'),
    deleteBySid: db.prepare('DELETE FROM sessions WHERE sid = ? RETURNING key, expires_at'),
    deleteBySub: db.prepare('DELETE FROM sessions WHERE sub = ? RETURNING key, expires_at'),
    // Inserts, or overwrites only an expired value: one statement, so two callers cannot both win.
    putOnce: db.prepare(
      `INSERT INTO once (key, value, expires_at) VALUES ($key, $value, $expiresAt)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       WHERE once.expires_at <= $now`,
    ),
    takeOnce: db.prepare('DELETE FROM once WHERE key = ? RETURNING value, expires_at'),
    cleanupSessions: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    cleanupOnce: db.prepare('DELETE FROM once WHERE expires_at <= ?'),
  } satisfies Record<string, StatementSync>;
}

/** The prepared statements of {@link prepareStatements}. */
export type Statements = ReturnType<typeof prepareStatements>;
