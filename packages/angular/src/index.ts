export { Auth } from './auth';
export { authGuard, authGuardWith, signedInMatch, type AuthGuardOptions } from './auth-guard';
export { authInterceptor, SKIP_LATCHKEY_TOKEN } from './auth-interceptor';
export {
  LATCHKEY_SESSION_FACTORY,
  ɵLATCHKEY_IDLE_OPTIONS,
  ɵLATCHKEY_OPTIONS,
  ɵLATCHKEY_TOKEN_RULES,
  type IdleTimeoutOptions,
  type LatchkeyAngularConfig,
  type LatchkeyConfigSource,
  type LatchkeyOptions,
  type TokenRule,
} from './latchkey-options';
export {
  LatchkeyFeatureKind,
  provideLatchkey,
  withDpop,
  withIdleTimeout,
  withSessionWarning,
  withStore,
  withTokenFor,
  type LatchkeyFeature,
} from './provide-latchkey';
export { provideLatchkeyBff, type LatchkeyBffOptions, type LatchkeyBffSource, type LatchkeyRequestContext } from './provide-latchkey-bff';
export {
  LatchkeyConfigError,
  LatchkeyError,
  localStore,
  memoryStore,
  sessionStore,
  type LatchkeyConfig,
  type LatchkeyErrorCode,
  type LoginOptions,
  type TokenSession,
  type LogoutOptions,
  type SessionState,
  type SessionStore,
  type UserClaims,
} from '@latchkey/core';
