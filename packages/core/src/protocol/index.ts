// The protocol, on oauth4webapi: plain functions over a provider handle, shared by the browser
// session (a public client) and the BFF (a confidential client). The only importer of oauth4webapi;
// it knows nothing of tabs, stores or timers.
export {
  authorizationRequest,
  exchangeCode,
  stateMissing,
  type AuthorizationRequestOptions,
  type PendingAuthorization,
} from './authorization.ts';
export { REQUEST_TIMEOUT_MS, type Clock } from './deadline.ts';
export {
  asksForDpopNonce,
  createDpopProof,
  dpopKey,
  generateDpopKeyPair,
  type ChallengeResponse,
  type DpopKey,
  type ProofRequest,
} from './dpop.ts';
export { endSessionRequest, revoke, type EndSessionRequest } from './logout.ts';
export {
  clientSecretBasic,
  createProvider,
  metadata,
  privateKeyJwt,
  type ClientAuth,
  type Provider,
  type ProviderOptions,
} from './provider.ts';
export { refresh } from './refresh.ts';
export type { TokenResult } from './token-response.ts';
export { userinfo } from './userinfo.ts';
export type { StoredSession, UserClaims } from '../stored-session.ts';
export { LatchkeyConfigError, LatchkeyError } from '../errors.ts';
