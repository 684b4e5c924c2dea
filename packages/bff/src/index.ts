export { createBff, type Bff } from './bff.ts';
export { SESSION_COOKIE, TRANSACTION_COOKIE_PREFIX } from './cookies.ts';
export { defaultSqlitePath } from './default-store-path.ts';
export type { SessionHub } from './hub.ts';
export { DEFAULT_ABSOLUTE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, type BffOptions, type UpstreamOptions } from './options.ts';
export { memoryStore, sqliteStore } from './stores/index.ts';
export type { HeldLock, ServerSession, ServerSessionStore, SessionLocks } from './stores/types.ts';
