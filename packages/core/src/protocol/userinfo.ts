import * as oauth from 'oauth4webapi';
import { LatchkeyError } from '../errors.ts';
import type { StoredSession } from '../stored-session.ts';
import { unreachable, userinfoError } from './errors.ts';
import { dpopOption, withDpopNonceRetry, type DpopKey } from './dpop.ts';
import { clientOf, metadata, requestOptions, type Provider } from './provider.ts';

/**
 * Fetches userinfo with the access token (and a proof of `dpop`, for a DPoP-bound one). Its `sub` must be the ID token's, or it is discarded.
 *
 * @throws LatchkeyError `LATCHKEY_USERINFO_INVALID`, `LATCHKEY_PROVIDER_UNREACHABLE`
 * @see OpenID Connect Core 1.0 §5.3.2
 */
export async function userinfo(provider: Provider, stored: StoredSession, sub: string, dpop?: DpopKey): Promise<Record<string, unknown>> {
  const as = await metadata(provider);
  if (!as.userinfo_endpoint) throw new LatchkeyError('LATCHKEY_USERINFO_INVALID', 'The provider has no userinfo endpoint.');
  const client = clientOf(provider, stored.clock_offset_ms);
  let response: Response;
  try {
    response = await withDpopNonceRetry(dpop, () =>
      oauth.userInfoRequest(as, client, stored.access_token, requestOptions(provider, dpopOption(dpop))),
    );
  } catch (cause) {
    throw unreachable(cause);
  }
  try {
    return { ...(await oauth.processUserInfoResponse(as, client, sub, response)) };
  } catch (cause) {
    throw userinfoError(cause, response.status);
  }
}
