import * as oauth from 'oauth4webapi';
import { clientOf, metadata, requestOptions, type Provider } from './provider.ts';

/**
 * Revokes a refresh token. Best effort: resolves `false` instead of throwing.
 *
 * @see RFC 7009
 */
export async function revoke(provider: Provider, refreshToken: string): Promise<boolean> {
  try {
    const as = await metadata(provider);
    if (!as.revocation_endpoint) return false;
    const response = await oauth.revocationRequest(as, clientOf(provider), provider.clientAuth, refreshToken, {
      ...requestOptions(provider),
      additionalParameters: { token_type_hint: 'refresh_token' },
    });
    await oauth.processRevocationResponse(response);
    return true;
  } catch {
    return false;
  }
}

/** Where RP-initiated logout goes, and what it sends there (by GET in the query, or in a form POST). */
export interface EndSessionRequest {
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * The RP-initiated logout request: `end_session_endpoint` with `id_token_hint` (when given),
 * `client_id`, `post_logout_redirect_uri` and a fresh `state` (when asked), or `undefined` when the
 * provider has no such endpoint.
 *
 * @see OpenID Connect RP-Initiated Logout 1.0 §2
 */
export async function endSessionRequest(
  provider: Provider,
  options: { idToken?: string | undefined; postLogoutRedirectUri: string; state?: boolean },
): Promise<EndSessionRequest | undefined> {
  const as = await metadata(provider);
  if (!as.end_session_endpoint) return undefined;
  const fields: Record<string, string> = { client_id: provider.clientId, post_logout_redirect_uri: options.postLogoutRedirectUri };
  if (options.idToken) fields['id_token_hint'] = options.idToken;
  if (options.state) fields['state'] = oauth.generateRandomState();
  return { url: as.end_session_endpoint, fields };
}
