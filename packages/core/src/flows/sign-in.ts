import type { ResolvedConfig } from '../config.ts';
import { LatchkeyError } from '../errors.ts';
import { authorizationRequest, exchangeCode, stateMissing, type Provider, type TokenResult } from '../protocol/index.ts';
import { safeReturnTo } from '../return-to.ts';
import type { LoginOptions, SessionPorts } from '../session/types.ts';
import { saveTransaction, takeTransaction } from '../transaction.ts';
import type { DpopKeys } from './dpop-keys.ts';

type BrowserPorts = SessionPorts & Required<Pick<SessionPorts, 'location'>>;

/**
 * Starts a sign-in: the authorization request (PKCE S256, fresh `state` and `nonce`), its transaction
 * kept in sessionStorage by `state` (and read back, so storage that drops writes fails here, not after
 * the redirect). Returns where to send the browser.
 *
 * @throws LatchkeyError `LATCHKEY_STORAGE_UNAVAILABLE`, or the provider's
 */
export async function startSignIn(provider: Provider, config: ResolvedConfig, ports: BrowserPorts, options: LoginOptions): Promise<URL> {
  const origin = ports.location.origin;
  const current = new URL(ports.location.href);
  const returnTo = safeReturnTo(options.returnTo ?? current.pathname + current.search + current.hash, origin);
  const { url, pending } = await authorizationRequest(provider, {
    redirectUri: config.redirectUri,
    scope: config.scope,
    audience: config.audience,
    audienceParameter: config.audienceParameter,
    params: options.authorizationParams ?? {},
  });
  const storage = ports.transactionStorage;
  if (!storage) throw new LatchkeyError('LATCHKEY_STORAGE_UNAVAILABLE', 'Sign-in needs sessionStorage, which this browser refused.');
  const { state, ...kept } = pending;
  saveTransaction(
    storage,
    state,
    { issuer: config.issuer.href, client_id: config.clientId, ...kept, return_to: returnTo, created_at_ms: provider.clock.now() },
    provider.clock.now(),
  );
  return url;
}

/**
 * Completes a sign-in from the redirect back: its transaction (taken out, used once, this issuer and
 * client only), then the code exchange and every check on the tokens. With the `dpop` option, the
 * exchange binds the tokens to a new key of `dpop`, kept for the session once they arrived.
 *
 * @returns the tokens, the `returnTo` of the sign-in (same origin only), and `keyInMemory` when the
 *   tokens are bound to a key only this tab holds (so they must not be stored for the other tabs either)
 */
export async function completeSignIn(
  provider: Provider,
  config: ResolvedConfig,
  ports: BrowserPorts,
  callback: URL,
  dpop: DpopKeys,
): Promise<TokenResult & { returnTo: string; keyInMemory: boolean }> {
  const state = callback.searchParams.get('state');
  if (!state) throw stateMissing(callback);
  const tx = ports.transactionStorage ? takeTransaction(ports.transactionStorage, state, provider.clock.now()) : undefined;
  if (!tx || tx.issuer !== config.issuer.href || tx.client_id !== config.clientId) {
    throw new LatchkeyError(
      'LATCHKEY_STATE_MISMATCH',
      'This sign-in response matches no sign-in started in this tab: it was already used (back button, reload) or changed on the way. Sign in again.',
      { claim: 'state' },
    );
  }
  const key = config.dpop ? await dpop.create(provider) : undefined;
  const pending = { state, nonce: tx.nonce, code_verifier: tx.code_verifier, redirect_uri: tx.redirect_uri };
  const result = await exchangeCode(provider, callback, pending, key);
  const keyInMemory = key !== undefined && result.stored.dpop_jkt !== undefined && !(await dpop.keep(key));
  return { ...result, returnTo: safeReturnTo(tx.return_to, ports.location.origin), keyInMemory };
}
