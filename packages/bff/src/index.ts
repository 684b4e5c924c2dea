export { createBff, type Bff } from './bff.ts';
export { SESSION_COOKIE, TRANSACTION_COOKIE_PREFIX } from './cookies.ts';
export { defaultSqlitePath } from './default-store-path.ts';
export type { SessionHub } from './hub.ts';
export {
  DEFAULT_ABSOLUTE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  type BffOptions,
  type ResolvedBffOptions,
  type UpstreamOptions,
} from './options.ts';
export { memoryHub } from './hub.ts';
export { redisHub, type RedisHubOptions, type ResubscribingHub } from './redis-hub.ts';
export {
  memoryStore,
  redisStore,
  sqliteStore,
  type MemoryStoreOptions,
  type RedisStoreOptions,
  type SqliteStoreOptions,
} from './stores/index.ts';
export type { HeldLock, ReplaceExpectation, ServerSession, ServerSessionStore, SessionLocks } from './stores/types.ts';
