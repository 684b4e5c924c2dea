export { Auth } from './auth';
export { LATCHKEY_OPTIONS, type LatchkeyConfigSource, type LatchkeyOptions } from './latchkey-options';
export { LatchkeyFeatureKind, provideLatchkey, withStore, type LatchkeyFeature } from './provide-latchkey';
export {
  LatchkeyError,
  localStore,
  memoryStore,
  sessionStore,
  type LatchkeyConfig,
  type LatchkeyErrorCode,
  type SessionState,
  type UserClaims,
} from '@latchkey/core';
