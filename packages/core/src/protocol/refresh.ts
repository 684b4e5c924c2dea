import * as oauth from 'oauth4webapi';
import { LatchkeyError } from '../errors.ts';
import { isTimeout } from './deadline.ts';
import { refreshProcessed, refreshTimedOut, RETRYABLE_STATUS, unreachable } from './errors.ts';
import { dpopOption, withDpopNonceRetry, type DpopKey } from './dpop.ts';
import { clientOf, metadata, requestOptions, type Provider } from './provider.ts';
import { processTokenResponse, type TokenResult } from './token-response.ts';

/**
 * Refreshes with the refresh token: one request, never retried here. The refreshed ID token must keep
 * `iss`, `sub`, `aud` and `azp` (OIDC Core §12.2); a response without one keeps the old one. With
 * `dpop` (the session's key) the request carries a proof, and a `use_dpop_nonce` answer is retried once.
 *
 * @throws LatchkeyError `LATCHKEY_PROVIDER_UNREACHABLE` when the request cannot have been processed
 *   (no response, 429, 502, 503, 504: safe to retry); `LATCHKEY_TOKEN_REQUEST_FAILED` when it may have
 *   been (a timeout, a 500, an answer that could not be checked: never retried); `LATCHKEY_REFRESH_REJECTED`
 *   for `invalid_grant`.
 * @see RFC 6749 §6; OpenID Connect Core 1.0 §12
 */
export async function refresh(provider: Provider, previous: TokenResult, dpop?: DpopKey): Promise<TokenResult> {
  const refreshToken = previous.stored.refresh_token;
  if (!refreshToken) throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'The session has no refresh token; sign in again.');
  const as = await metadata(provider);
  let response: Response;
  try {
    response = await withDpopNonceRetry(dpop, () =>
      oauth.refreshTokenGrantRequest(
        as,
        clientOf(provider, previous.stored.clock_offset_ms),
        provider.clientAuth,
        refreshToken,
        requestOptions(provider, dpopOption(dpop)),
      ),
    );
  } catch (cause) {
    // No answer in time: it may have been processed, so it is never retried.
    throw isTimeout(cause) ? refreshTimedOut(cause) : unreachable(cause);
  }
  if (RETRYABLE_STATUS.has(response.status)) throw unreachable(undefined, response.status);
  try {
    return await processTokenResponse(
      provider,
      as,
      response,
      (client) => oauth.processRefreshTokenResponse(as, client, response),
      previous,
      dpop,
    );
  } catch (error) {
    // The provider has processed this refresh (and may have rotated the token): nothing now is retried.
    throw error instanceof LatchkeyError ? refreshProcessed(error) : error;
  }
}
