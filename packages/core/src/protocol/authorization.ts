import * as oauth from 'oauth4webapi';
import { LatchkeyError } from '../errors.ts';
import { accessDenied, authResponseError, issMismatch, stateMismatch, unreachable } from './errors.ts';
import { dpopOption, withDpopNonceRetry, type DpopKey } from './dpop.ts';
import { clientOf, metadata, requestOptions, type Provider } from './provider.ts';
import { processTokenResponse, type TokenResult } from './token-response.ts';

/** Parameters that Latchkey sets itself; `params` may not override them. */
const PROTECTED_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'scope',
]);

export interface AuthorizationRequestOptions {
  readonly redirectUri: string;
  readonly scope: string;
  /** The API the access token is for, sent as `audienceParameter` (RFC 8707 `resource`, or Auth0's `audience`). */
  readonly audience?: string | undefined;
  readonly audienceParameter?: 'resource' | 'audience';
  /** Extra parameters (`prompt`, `login_hint`, …). */
  readonly params?: Readonly<Record<string, string>>;
}

/** What the redirect back is checked against; kept by the caller until then, used once. */
export interface PendingAuthorization {
  readonly state: string;
  readonly nonce: string;
  readonly code_verifier: string;
  readonly redirect_uri: string;
}

/**
 * A fresh PKCE verifier (S256), `state` and `nonce`, and the authorization endpoint URL to send the
 * browser to.
 *
 * @throws LatchkeyError `LATCHKEY_CONFIG_INVALID` when `params` sets what Latchkey sets, or the metadata errors
 * @see RFC 7636; OpenID Connect Core 1.0 §3.1.2.1
 */
export async function authorizationRequest(
  provider: Provider,
  options: AuthorizationRequestOptions,
): Promise<{ url: URL; pending: PendingAuthorization }> {
  const as = await metadata(provider);
  const code_verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint as string);
  const query = url.searchParams;
  query.set('client_id', provider.clientId);
  query.set('redirect_uri', options.redirectUri);
  query.set('response_type', 'code');
  query.set('scope', options.scope);
  query.set('state', state);
  query.set('nonce', nonce);
  query.set('code_challenge', await oauth.calculatePKCECodeChallenge(code_verifier));
  query.set('code_challenge_method', 'S256');
  if (options.audience !== undefined) query.set(options.audienceParameter ?? 'resource', options.audience);
  for (const [name, value] of Object.entries(options.params ?? {})) {
    if (PROTECTED_PARAMS.has(name)) {
      throw new LatchkeyError('LATCHKEY_CONFIG_INVALID', `authorizationParams may not set "${name}": Latchkey sets it for every sign-in.`);
    }
    if (typeof value !== 'string') throw new LatchkeyError('LATCHKEY_CONFIG_INVALID', `authorizationParams.${name} must be a string.`);
    query.set(name, value);
  }
  return { url, pending: { state, nonce, code_verifier, redirect_uri: options.redirectUri } };
}

/** The redirect back carries no `state`: a cancelled sign-in (`error=access_denied`) or an unmatched response. */
export function stateMissing(callback: URL): LatchkeyError {
  if (callback.searchParams.get('error') === 'access_denied') return accessDenied({ error: 'access_denied' });
  return new LatchkeyError(
    'LATCHKEY_STATE_MISSING',
    'The sign-in response carries no "state", so it cannot be matched to a sign-in from this tab. Sign in again.',
    { claim: 'state' },
  );
}

/**
 * Checks the redirect back: RFC 9207 `iss` and `state` first (oauth4webapi reports both with one code,
 * so they are told apart here), then `error=` and the rest through oauth4webapi.
 */
function validateCallback(
  as: oauth.AuthorizationServer,
  provider: Provider,
  params: URLSearchParams,
  expectedState: string,
): URLSearchParams {
  // An empty value counts as none, as oauth4webapi reads it.
  const iss = params.getAll('iss').filter((value) => value !== '');
  if (
    iss.length > 1 ||
    (iss.length === 0 && as.authorization_response_iss_parameter_supported) ||
    (iss[0] !== undefined && iss[0] !== as.issuer)
  ) {
    throw issMismatch();
  }
  const state = params.getAll('state');
  if (state.length !== 1 || state[0] !== expectedState) throw stateMismatch();
  try {
    return oauth.validateAuthResponse(as, clientOf(provider), params, expectedState);
  } catch (cause) {
    throw authResponseError(cause);
  }
}

/**
 * Validates the redirect back (`state`, RFC 9207 `iss`, `error=`), exchanges the code with its PKCE
 * verifier, and validates the ID token's claims and signature. The code exchange is never retried, but
 * for the one retry a `use_dpop_nonce` answer asks for. With `dpop`, the request carries a DPoP proof,
 * so the tokens are bound to that key.
 *
 * @see RFC 6749 §4.1.3; RFC 9207; OpenID Connect Core 1.0 §3.1.3.7; RFC 9449 §5
 */
export async function exchangeCode(provider: Provider, callback: URL, pending: PendingAuthorization, dpop?: DpopKey): Promise<TokenResult> {
  const as = await metadata(provider);
  const params = validateCallback(as, provider, callback.searchParams, pending.state);
  let response: Response;
  try {
    response = await withDpopNonceRetry(dpop, () =>
      oauth.authorizationCodeGrantRequest(
        as,
        clientOf(provider),
        provider.clientAuth,
        params,
        pending.redirect_uri,
        pending.code_verifier,
        requestOptions(provider, dpopOption(dpop)),
      ),
    );
  } catch (cause) {
    throw unreachable(cause);
  }
  return processTokenResponse(
    provider,
    as,
    response,
    (client) => oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: true }),
    undefined,
    dpop,
  );
}
