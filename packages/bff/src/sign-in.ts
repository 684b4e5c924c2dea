import { LatchkeyError, safeReturnTo } from '@latchkey/core';
import { authorizationRequest, exchangeCode, stateMissing, type PendingAuthorization, type Provider } from '@latchkey/core/protocol';
import { clearCookie, readCookie, SESSION_COOKIE, setCookie, TRANSACTION_COOKIE_PREFIX } from './cookies.ts';
import { describe, redirect, StoreUnavailable } from './http.ts';
import { randomId, stateTag, storeKey } from './ids.ts';
import type { ResolvedBffOptions } from './options.ts';
import type { ServerSessions } from './sessions.ts';
import type { ServerSessionStore } from './stores/types.ts';

/** A sign-in not completed within this time is refused (and its cookie is gone). */
const TRANSACTION_TTL_MS = 10 * 60_000;

interface Transaction {
  readonly pending: PendingAuthorization;
  readonly returnTo: string;
}

export interface SignInContext {
  readonly options: ResolvedBffOptions;
  readonly provider: Provider;
  readonly store: ServerSessionStore;
  readonly sessions: ServerSessions;
}

/** Back to the app with the failure's code, which the browser side shows (`?latchkey_error=`). */
function failed(options: ResolvedBffOptions, returnTo: string, error: unknown, cookies: string[] = []): Response {
  const code =
    error instanceof LatchkeyError
      ? error.code
      : error instanceof StoreUnavailable
        ? 'LATCHKEY_BFF_UNAVAILABLE'
        : 'LATCHKEY_AUTHORIZATION_FAILED';
  if (!(error instanceof LatchkeyError) && !(error instanceof StoreUnavailable)) {
    options.log(`bff: sign-in failed unexpectedly: ${describe(error)}`);
  }
  const target = new URL(returnTo, options.appOrigin);
  target.searchParams.set('latchkey_error', code);
  return redirect(target.href, cookies);
}

/**
 * `GET {base}/login?returnTo=`: to the provider with PKCE (S256), `state` and `nonce`. The
 * transaction stays on the server; the browser gets a short-lived cookie, named after the `state`,
 * that binds it to this browser.
 */
export async function login(request: Request, context: SignInContext): Promise<Response> {
  const { options, provider, store } = context;
  const returnTo = safeReturnTo(new URL(request.url).searchParams.get('returnTo'), options.appOrigin, '/');
  try {
    const { url, pending } = await authorizationRequest(provider, {
      redirectUri: options.redirectUri,
      scope: options.scope,
      audience: options.audience,
      audienceParameter: options.audienceParameter,
      params: options.authorizationParams,
    });
    const secret = randomId();
    const transaction: Transaction = { pending, returnTo };
    try {
      await store.putOnce(storeKey('tx', secret), JSON.stringify(transaction), TRANSACTION_TTL_MS);
    } catch (error) {
      throw new StoreUnavailable(error);
    }
    const cookie = setCookie(TRANSACTION_COOKIE_PREFIX + stateTag(pending.state), secret, {
      sameSite: 'Lax',
      maxAgeSeconds: TRANSACTION_TTL_MS / 1000,
    });
    return redirect(url.href, [cookie]);
  } catch (error) {
    return failed(options, returnTo, error);
  }
}

function parseTransaction(raw: string | undefined): Transaction | undefined {
  if (raw === undefined) return undefined;
  try {
    const value = JSON.parse(raw) as Transaction;
    const p = value?.pending;
    const fields = [p?.state, p?.nonce, p?.code_verifier, p?.redirect_uri, value?.returnTo];
    return fields.every((field) => typeof field === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `GET {base}/callback`: the redirect back. Matched to this browser's transaction (its cookie), then
 * validated and exchanged by the same functions as browser mode (`state`, RFC 9207 `iss`, PKCE,
 * nonce, the ID token's claims and signature). A new session with a new id; the old one, if any, ends.
 */
export async function callback(request: Request, context: SignInContext): Promise<Response> {
  const { options, provider, store, sessions } = context;
  const incoming = new URL(request.url);
  // The URL as the provider was told it, from configuration, never from the request's Host.
  const callbackUrl = new URL(options.redirectUri);
  callbackUrl.search = incoming.search;
  const states = callbackUrl.searchParams.getAll('state');
  const state = states.length === 1 ? states[0] : undefined;
  if (!state) return failed(options, '/', stateMissing(callbackUrl));
  const cookieName = TRANSACTION_COOKIE_PREFIX + stateTag(state);
  const cookies = [clearCookie(cookieName)];
  const cookieHeader = request.headers.get('cookie');
  const secret = readCookie(cookieHeader, cookieName);
  let transaction: Transaction | undefined;
  try {
    transaction = secret ? parseTransaction(await store.takeOnce(storeKey('tx', secret))) : undefined;
  } catch (error) {
    return failed(options, '/', new StoreUnavailable(error), cookies);
  }
  if (!transaction || transaction.pending.state !== state) {
    const mismatch = new LatchkeyError(
      'LATCHKEY_STATE_MISMATCH',
      'The sign-in response matches no sign-in started in this browser (expired, or already used). Sign in again.',
      { claim: 'state' },
    );
    return failed(options, '/', mismatch, cookies);
  }
  try {
    const tokens = await exchangeCode(provider, callbackUrl, transaction.pending);
    const previous = await sessions.read(readCookie(cookieHeader, SESSION_COOKIE)).catch(() => undefined);
    if (previous) await sessions.end(previous.key);
    const { id } = await sessions.create(tokens);
    cookies.push(setCookie(SESSION_COOKIE, id, { sameSite: 'Lax', maxAgeSeconds: options.absoluteTimeoutMs / 1000 }));
    return redirect(new URL(transaction.returnTo, options.appOrigin).href, cookies);
  } catch (error) {
    return failed(options, transaction.returnTo, error, cookies);
  }
}
