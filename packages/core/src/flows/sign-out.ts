import type { LogoutOptions, ResolvedConfig } from '../config.ts';
import { endSessionRequest, revoke, type Provider } from '../protocol/index.ts';
import type { StoredSession } from '../stored-session.ts';
import type { SessionPorts } from '../session/types.ts';

/**
 * What a logout does beyond the browser, after the local sign-out: revokes the refresh token (RFC
 * 7009, best effort), then ends the provider's session (RP-initiated logout): by GET with
 * `id_token_hint`, `client_id` and `post_logout_redirect_uri` unless configured otherwise. Navigates away.
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
  const request = await endSessionRequest(provider, {
    idToken: options.idTokenHint ? ended?.id_token : undefined,
    postLogoutRedirectUri: config.postLogoutRedirectUri,
    state: options.state,
  });
  if (!request) return;
  const submit = ports.submitForm ?? submitWithDocument();
  if (options.endSessionMethod === 'POST' && submit) {
    submit(request.url, request.fields);
    return;
  }
  // The ID token (an ID token, not an API credential) is the one token ever put in a URL: the hint
  // RP-Initiated Logout 1.0 recommends, and that some providers require. Not when POST was asked for
  // (to keep it out of URLs) and there is no page to post from.
  const url = new URL(request.url);
  for (const [name, value] of Object.entries(request.fields)) {
    if (name !== 'id_token_hint' || options.endSessionMethod === 'GET') url.searchParams.set(name, value);
  }
  ports.location.assign(url.href);
}

/** A browser's form POST (the page navigates), or `undefined` where there is no document. */
function submitWithDocument(): SessionPorts['submitForm'] {
  const document = (globalThis as Partial<typeof globalThis>).document;
  if (!document) return undefined;
  return (url, fields) => {
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = url;
    form.style.display = 'none';
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
  };
}
