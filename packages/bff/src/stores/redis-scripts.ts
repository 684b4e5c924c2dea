import type { ServerSession } from './types.ts';

/**
 * Where `redisStore` keeps what, under its prefix: a session as JSON (`session:`), one-time values
 * (`once:`), locks (`lock:`), and the sets of session keys by `sid` and by `sub` (`by-sid:`, `by-sub:`)
 * that back-channel logout deletes by. The scripts build the keys of a set's members from the same prefix.
 */
export function redisKeys(prefix: string) {
  return {
    session: (key: string) => `${prefix}session:${key}`,
    once: (key: string) => `${prefix}once:${key}`,
    lock: (key: string) => `${prefix}lock:${key}`,
    bySid: (sid: string) => `${prefix}by-sid:${sid}`,
    bySub: (sub: string) => `${prefix}by-sub:${sub}`,
    /** The sets a session is a member of. */
    indexes: (session: ServerSession) => [
      `${prefix}by-sub:${session.sub}`,
      ...(session.sid !== undefined ? [`${prefix}by-sid:${session.sid}`] : []),
    ],
  };
}

/**
 * A session's JSON with `lastSeenAtMs` and `version` first, always: the scripts read and rewrite them
 * at that fixed place, without decoding (and re-encoding, which Lua's cjson would not do faithfully)
 * the tokens.
 */
export function encodeSession(session: ServerSession): string {
  const { lastSeenAtMs, version, ...rest } = session;
  return JSON.stringify({ lastSeenAtMs, version, ...rest });
}

// Adds a session key to an index set, and keeps the set at least as long as the session.
const INDEX = `
local function index(set, member, px)
  redis.call('SADD', set, member)
  if redis.call('PTTL', set) < px then redis.call('PEXPIRE', set, px) end
end
-- KEYS[at] is the session, the keys after it its index sets.
local function write(at, json, px, member)
  redis.call('SET', KEYS[at], json, 'PX', px)
  for i = at + 1, #KEYS do index(KEYS[i], member, px) end
end
`;

/** `set`. KEYS: session, its index sets. ARGV: JSON, PX, the session's key. */
export const SET_SCRIPT = `${INDEX}
write(1, ARGV[1], tonumber(ARGV[2]), ARGV[3])
return 1
`;

/**
 * `replaceIfLocked`: writes as `set` does, only while the lock holds the token and the stored
 * version is the expected one. KEYS: lock, session, its index sets. ARGV: JSON, PX, the session's key,
 * token, expected version.
 */
export const REPLACE_SCRIPT = `${INDEX}
if redis.call('GET', KEYS[1]) ~= ARGV[4] then return 0 end
local stored = redis.call('GET', KEYS[2])
if not stored then return 0 end
local version = string.match(stored, '^{"lastSeenAtMs":[^,]*,"version":([^,]*),')
if not version or tonumber(version) ~= tonumber(ARGV[5]) then return 0 end
write(2, ARGV[1], tonumber(ARGV[2]), ARGV[3])
return 1
`;

/**
 * `touch`: a new `lastSeenAtMs` and TTL for a session that exists, unless the stored one is within the
 * throttle of the new one (or newer); the session's index sets live as long. KEYS: session. ARGV: last
 * seen, PX, throttle, the session's key, the prefixes of the by-sub and by-sid sets.
 */
export const TOUCH_SCRIPT = `${INDEX}
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
local last, rest = string.match(stored, '^{"lastSeenAtMs":([^,]*)(,.*)$')
local lastMs = last and tonumber(last)
if not lastMs or lastMs >= tonumber(ARGV[1]) - tonumber(ARGV[3]) then return 0 end
local px = tonumber(ARGV[2])
redis.call('SET', KEYS[1], '{"lastSeenAtMs":' .. ARGV[1] .. rest, 'PX', px)
local ok, session = pcall(cjson.decode, stored)
if ok and type(session) == 'table' then
  if type(session.sub) == 'string' then index(ARGV[5] .. session.sub, ARGV[4], px) end
  if type(session.sid) == 'string' then index(ARGV[6] .. session.sid, ARGV[4], px) end
end
return 1
`;

/**
 * `deleteBy`: deletes the sessions of an index set whose `sid` (or `sub`) is still the one asked for,
 * and the set (its other members are stale: expired, deleted, rewritten). KEYS: the set. ARGV: `sid` or
 * `sub`, its value, the prefix of session keys. Returns the keys deleted.
 */
export const DELETE_BY_SCRIPT = `
local deleted = {}
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[3] .. member
  local stored = redis.pcall('GET', key)
  if type(stored) == 'string' then
    local ok, session = pcall(cjson.decode, stored)
    if ok and type(session) == 'table' and session[ARGV[1]] == ARGV[2] then
      redis.call('DEL', key)
      deleted[#deleted + 1] = member
    end
  end
end
redis.call('DEL', KEYS[1])
return deleted
`;

/** `release`: deletes the lock only if it still holds the token. KEYS: lock. ARGV: token. */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
