// Where the BFF keeps its sessions: in memory (tests, one process), in SQLite (the default for one
// node), and in Redis (many nodes). Every store passes the same contract (src/testing/).
export { memoryStore, type MemoryStoreOptions } from './memory-store.ts';
export { redisStore, type RedisStoreOptions } from './redis-store.ts';
export { sqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
export type { HeldLock, ReplaceExpectation, ServerSession, ServerSessionStore, SessionLocks } from './types.ts';
