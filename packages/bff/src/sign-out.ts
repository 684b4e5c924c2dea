import type { BffLogoutBody } from '@latchkey/core/bff';
import { endSessionRequest, revoke, type Provider } from '@latchkey/core/protocol';
import { clearCookie, readCookie, SESSION_COOKIE } from './cookies.ts';
import { describe, json, redirect } from './http.ts';
import { randomId, storeKey } from './ids.ts';
import type { ResolvedBffOptions } from './options.ts';
import type { ServerSessions } from './sessions.ts';
import type { ServerSessionStore } from './stores/types.ts';

/** The one-time end-session URL lives this long. */
const LOGOUT_END_TTL_MS = 5 * 60_000;

export interface SignOutContext {
  readonly options: ResolvedBffOptions;
  readonly provider: Provider;
  readonly store: ServerSessionStore;
  readonly sessions: ServerSessions;
}

/**
 * `POST {base}/logout`: the session is deleted, its refresh token revoked, the cookie cleared. The
 * answer holds a one-time `{base}/logout/end` URL (the request behind it is kept here) that sends the
 * browser to the provider's end-session with `id_token_hint`: no answer the page can read holds the ID token.
 */
export async function logout(request: Request, context: SignOutContext): Promise<Response> {
  const { options, provider, store, sessions } = context;
  const active = await sessions.read(readCookie(request.headers.get('cookie'), SESSION_COOKIE));
  const cookies = { 'Set-Cookie': clearCookie(SESSION_COOKIE) };
  if (!active) return json(200, { endSessionUrl: null } satisfies BffLogoutBody, cookies);
  await sessions.end(active.key);
  const { stored } = active.session.tokens;
  if (stored.refresh_token) await revoke(provider, stored.refresh_token);
  let endSessionUrl: string | null = null;
  const end = await endSessionRequest(provider, {
    idToken: stored.id_token,
    postLogoutRedirectUri: options.postLogoutRedirectUri,
    state: options.endSessionState,
  }).catch(() => undefined);
  if (end) {
    const target = new URL(end.url);
    for (const [name, value] of Object.entries(end.fields)) target.searchParams.set(name, value);
    const ticket = randomId();
    try {
      await store.putOnce(storeKey('logout', ticket), target.href, LOGOUT_END_TTL_MS);
      endSessionUrl = `${options.basePath}/logout/end?t=${ticket}`;
    } catch (error) {
      // The app's session is over either way; only the provider's stays.
      options.log(`bff: could not keep the end-session request: ${describe(error)}`);
    }
  }
  return json(200, { endSessionUrl } satisfies BffLogoutBody, cookies);
}

/** `GET {base}/logout/end?t=`: once, to the provider's end-session; a used or unknown ticket goes back to the app. */
export async function logoutEnd(request: Request, context: SignOutContext): Promise<Response> {
  const { options, store } = context;
  const ticket = new URL(request.url).searchParams.get('t');
  let target: string | undefined;
  if (ticket && /^[A-Za-z0-9_-]{43}$/.test(ticket)) {
    target = await store.takeOnce(storeKey('logout', ticket)).catch(() => undefined);
  }
  return redirect(target ?? options.postLogoutRedirectUri);
}
