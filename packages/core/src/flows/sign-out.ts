import type { LogoutOptions, ResolvedConfig } from '../config.ts';
import { endSessionRequest, revoke, type Provider } from '../protocol/index.ts';
import type { StoredSession } from '../stored-session.ts';
import type { SessionPorts } from '../session/types.ts';

/**
 * What a logout does beyond the browser, after the local sign-out: revokes the refresh token (RFC
 * 7009, best effort), then ends the provider's session (RP-initiated logout), which navigates away.
 *
 * @throws LatchkeyError when the provider's metadata cannot be had (the local sign-out stands)
 */
export async function endRemoteSession(
  provider: Provider,
  config: ResolvedConfig,
  ports: SessionPorts & Required<Pick<SessionPorts, 'location'>>,
  ended: StoredSession | undefined,
  options: Required<LogoutOptions>,
): Promise<void> {
  const refreshToken = ended?.refresh_token;
  if (options.revokeRefreshToken && refreshToken) await revoke(provider, refreshToken);
  if (!options.endSession) return;
  const request = await endSessionRequest(provider, { idToken: ended?.id_token, postLogoutRedirectUri: config.postLogoutRedirectUri });
  if (!request) return;
  if (options.endSessionMethod === 'POST' && ports.submitForm) {
    ports.submitForm(request.url, request.fields);
    return;
  }
  // By GET the ID token would land in the provider's logs and the history: it is left out
  // (client_id identifies the app; some providers then ask the user to confirm).
  const url = new URL(request.url);
  for (const [name, value] of Object.entries(request.fields)) if (name !== 'id_token_hint') url.searchParams.set(name, value);
  ports.location.assign(url.href);
}
