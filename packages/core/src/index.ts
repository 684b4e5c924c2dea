export type { LatchkeyConfig, LogoutOptions } from './config.ts';
export { LatchkeyConfigError, LatchkeyError, type LatchkeyErrorCause, type LatchkeyErrorCode } from './errors.ts';
export { createIdleMonitor, type IdleHandlers, type IdleMonitor, type IdleOptions, type IdlePorts } from './idle.ts';
export { decodeJwtPayload, type JsonObject } from './jwt.ts';
export { safeReturnTo } from './return-to.ts';
export {
  createSession,
  type AccessTokenOptions,
  type AuthenticatedEvent,
  type LoginOptions,
  type Session,
  type SessionEvents,
  type SessionPorts,
  type SessionState,
  type SessionStatus,
} from './session.ts';
export { localStore, memoryStore, sessionStore, type SessionStore } from './session-store.ts';
export type { UserClaims } from './stored-session.ts';
export type { TabPorts } from './tabs.ts';
export type { TransactionStorage } from './transaction.ts';
