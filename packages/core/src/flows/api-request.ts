import { asksForDpopNonce, createDpopProof, type ChallengeResponse, type Provider } from '../protocol/index.ts';
import type { StoredSession } from '../stored-session.ts';
import type { TokenSession } from '../session/types.ts';
import type { DpopKeys } from './dpop-keys.ts';

/**
 * The headers for one API request of a DPoP-bound session: `Authorization: DPoP` and a fresh proof of
 * `stored`'s key (RFC 9449 §7), with the API origin's last nonce, its `iat` on the provider's clock
 * (resource servers keep the provider's time, not this browser's).
 *
 * @throws LatchkeyError `LATCHKEY_DPOP_KEY_MISSING` when the key is gone
 */
export async function dpopHeaders(
  provider: Provider,
  keys: DpopKeys,
  stored: StoredSession,
  request: { readonly method: string; readonly url: URL; readonly accessToken: string },
): Promise<Record<string, string>> {
  const key = await keys.forSession(provider, stored);
  if (!key) throw new TypeError('dpopHeaders: the session is not DPoP-bound');
  const nowMs = provider.clock.now() + stored.clock_offset_ms;
  const proof = await createDpopProof(key, { ...request, nonce: keys.nonces.get(request.url.origin), nowMs });
  return { Authorization: `DPoP ${request.accessToken}`, DPoP: proof };
}

/** Keeps the nonce of an API's `use_dpop_nonce` challenge (RFC 9449 §9); true when there was one, worth one retry. */
export function keepDpopNonce(keys: DpopKeys, url: string, response: ChallengeResponse): boolean {
  if (!asksForDpopNonce(response)) return false;
  keys.nonces.set(new URL(url).origin, response.headers.get('DPoP-Nonce') as string);
  return true;
}

/**
 * `session.fetch()`: `fetch` with the session's credentials — the access token (refreshed first when
 * due) as `Bearer`, or as `DPoP` with a fresh proof. Retried once with the API's nonce when it asks for
 * one (`use_dpop_nonce`), and once with a refreshed token after a 401 whose token is still the current one.
 */
export async function authorizedFetch(
  session: TokenSession,
  fetchImpl: typeof fetch,
  input: RequestInfo | URL,
  init?: RequestInit,
): Promise<Response> {
  const request = new Request(input, init);
  let token = await session.getAccessToken();
  let nonceRetried = false;
  let refreshed = false;
  for (;;) {
    const attempt = request.clone();
    const headers = new Headers(attempt.headers);
    for (const [name, value] of Object.entries(await session.authorizeRequest(attempt.method, attempt.url, token)))
      headers.set(name, value);
    const response = await fetchImpl(new Request(attempt, { headers }));
    if (response.status !== 401) return response;
    if (!nonceRetried && session.dpopNonceChallenge(attempt.url, response)) {
      nonceRetried = true;
      continue;
    }
    if (refreshed || !session.isAuthenticated()) return response;
    refreshed = true;
    const next = await session.getAccessToken({ forceRefresh: true, rejectedToken: token }).catch(() => undefined);
    if (next === undefined) return response;
    token = next;
  }
}
