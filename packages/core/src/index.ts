export type { LatchkeyConfig, LogoutOptions } from './config.ts';
export {
  createBffSession,
  type BffEventSource,
  type BffSession,
  type BffSessionOptions,
  type BffSessionPorts,
  type BffSessionBody,
} from './bff/index.ts';
export { LatchkeyConfigError, LatchkeyError, type LatchkeyErrorCause, type LatchkeyErrorCode } from './errors.ts';
export { createIdleMonitor, type IdleHandlers, type IdleMonitor, type IdleOptions, type IdlePorts } from './idle.ts';
export { decodeJwtPayload, type JsonObject } from './jwt.ts';
export { safeReturnTo } from './return-to.ts';
export {
  createSession,
  type AccessTokenOptions,
  type AuthenticatedEvent,
  type DpopKeyStore,
  type LoginOptions,
  type Session,
  type SessionEvents,
  type SessionPorts,
  type SessionState,
  type SessionStatus,
  type TokenSession,
} from './session/index.ts';
export { localStore, memoryStore, sessionStore, type SessionStore } from './session-store.ts';
export type { UserClaims } from './stored-session.ts';
export type { TabPorts } from './tabs.ts';
export type { TransactionStorage } from './transaction.ts';

// Internal, for @latchkey/angular (and other adapters) only: the ɵ prefix says not public API, as in
// Angular's own packages. They keep session logic in core, where an adapter reuses instead of repeating it.
export { storeKeyFor as ɵstoreKeyFor } from './config.ts';
export { Emitter as ɵEmitter } from './events.ts';
export { completeRedirect as ɵcompleteRedirect, extendSession as ɵextendSession } from './session/app-flows.ts';
export { browserIdlePorts as ɵbrowserIdlePorts } from './session/browser-ports.ts';
export { LOADING_STATE as ɵLOADING_STATE } from './session/session-cell.ts';
export { isAllowedEndpoint as ɵisAllowedEndpoint } from './transport.ts';
