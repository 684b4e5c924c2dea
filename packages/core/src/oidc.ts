import * as oauth from 'oauth4webapi';
import type { ResolvedConfig } from './config.ts';
import { LatchkeyError, type LatchkeyErrorCode } from './errors.ts';
import { decodeJwtPayload } from './jwt.ts';
import type { StoredSession, UserClaims } from './stored-session.ts';
import type { LoginTransaction } from './transaction.ts';
import { isAllowedEndpoint, isLoopback } from './transport.ts';

/** Parameters that Latchkey sets itself; `authorizationParams` may not override them. */
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

/** Statuses that say the request was not processed, so a retry cannot double-spend a refresh token. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

// The provider's clock may differ from this browser's; beyond this the difference is not trusted.
const MAX_CLOCK_OFFSET_MS = 15 * 60 * 1000;

// Statuses whose Response may not carry a body (the Fetch standard).
const NULL_BODY_STATUS = new Set([204, 205, 304]);

/** A request the provider has not answered by then has failed (auth0-spa-js waits as long). */
export const REQUEST_TIMEOUT_MS = 10_000;

// Tokens that would end sooner than this after they arrive are refused: the session would end unseen,
// and a refreshed one would be refreshed again at once.
const MIN_LIFETIME_MS = 1_000;

export interface TokenResult {
  readonly stored: StoredSession;
  readonly user: UserClaims;
}

export interface AuthorizationRequest {
  readonly url: URL;
  readonly state: string;
  readonly transaction: LoginTransaction;
}

/**
 * The provider as Latchkey talks to it: discovery fetched once when first needed and cached, and
 * every protocol step delegated to oauth4webapi. Ours: building the request, mapping failures to
 * `LatchkeyError` codes, the clock offset.
 */
export class OidcClient {
  readonly #config: ResolvedConfig;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #setTimeout: (handler: () => void, ms: number) => unknown;
  readonly #clearTimeout: (id: unknown) => void;
  #metadata: Promise<oauth.AuthorizationServer> | undefined;
  #jwksAs: oauth.AuthorizationServer | undefined;

  constructor(
    config: ResolvedConfig,
    fetchImpl: typeof fetch,
    now: () => number,
    setTimeoutImpl: (handler: () => void, ms: number) => unknown,
    clearTimeoutImpl: (id: unknown) => void,
  ) {
    this.#config = config;
    this.#fetch = fetchImpl;
    this.#now = now;
    this.#setTimeout = setTimeoutImpl;
    this.#clearTimeout = clearTimeoutImpl;
  }

  /** Every request has a deadline, on the session's clock, for its whole answer, body included. */
  readonly #fetchWithDeadline: typeof fetch = async (input, init) => {
    const controller = new AbortController();
    const timer = this.#setTimeout(
      () => controller.abort(new DOMException('The provider did not answer in time.', 'TimeoutError')),
      REQUEST_TIMEOUT_MS,
    );
    try {
      const answer = await this.#fetch(input, { ...init, signal: controller.signal });
      // A redirect not followed (oauth4webapi asks for `redirect: 'manual'`) has no body to wait for.
      if (answer.status < 200 || answer.status > 599) return answer;
      // Read within the deadline: a body that stalls after the headers fails like no answer at all.
      const body = NULL_BODY_STATUS.has(answer.status) ? null : await answer.arrayBuffer();
      return new Response(body, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
    } finally {
      this.#clearTimeout(timer);
    }
  };

  #options<T extends object>(
    extra?: T,
    fetchImpl: typeof fetch = this.#fetchWithDeadline,
  ): T & { [oauth.customFetch]: typeof fetch; [oauth.allowInsecureRequests]: boolean } {
    return {
      ...(extra as T),
      [oauth.customFetch]: fetchImpl,
      [oauth.allowInsecureRequests]: isLoopback(this.#config.issuer),
    };
  }

  #client(clockOffsetMs = 0): oauth.Client {
    return { client_id: this.#config.clientId, [oauth.clockSkew]: Math.round(clockOffsetMs / 1000) };
  }

  /** The provider's metadata, fetched on first use; a failed fetch is not cached, so a retry tries again. */
  metadata(): Promise<oauth.AuthorizationServer> {
    this.#metadata ??= this.#discover().catch((error: unknown) => {
      this.#metadata = undefined;
      throw error;
    });
    return this.#metadata;
  }

  async #discover(): Promise<oauth.AuthorizationServer> {
    const issuer = this.#config.issuer;
    let response: Response;
    try {
      response = await oauth.discoveryRequest(issuer, this.#options({ algorithm: 'oidc' as const }));
    } catch (cause) {
      throw unreachable(cause);
    }
    if (response.status >= 500) throw unreachable(undefined, response.status);
    let as: oauth.AuthorizationServer;
    try {
      as = await oauth.processDiscoveryResponse(issuer, response);
    } catch (cause) {
      if (cause instanceof oauth.OperationProcessingError && cause.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
        throw new LatchkeyError(
          'LATCHKEY_ISSUER_MISMATCH',
          `The provider's discovery document names another issuer than the configured "${issuer.href}". Configure the issuer exactly as the provider's metadata says it.`,
          { claim: 'issuer' },
        );
      }
      throw new LatchkeyError(
        'LATCHKEY_DISCOVERY_INVALID',
        `The provider at ${issuer.origin} did not answer with valid OpenID Provider metadata.`,
        {
          status: response.status,
          ...causeName(cause),
        },
      );
    }
    for (const field of [
      'authorization_endpoint',
      'token_endpoint',
      'jwks_uri',
      'end_session_endpoint',
      'revocation_endpoint',
      'userinfo_endpoint',
    ] as const) {
      const value = as[field];
      if (value === undefined) continue;
      const url = URL.parse(value);
      if (!url || !isAllowedEndpoint(url)) {
        throw new LatchkeyError(
          'LATCHKEY_INSECURE_ENDPOINT',
          `The provider's ${field} is not an https: URL; Latchkey only talks to providers over TLS (http: only on localhost).`,
          { claim: field },
        );
      }
    }
    for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
      if (!as[field]) throw new LatchkeyError('LATCHKEY_DISCOVERY_INVALID', `The provider's metadata has no ${field}.`, { claim: field });
    }
    return as;
  }

  /** A fresh PKCE verifier, `state` and `nonce`, and the URL to send the browser to. */
  async authorizationRequest(options: { returnTo: string; params: Readonly<Record<string, string>> }): Promise<AuthorizationRequest> {
    const as = await this.metadata();
    const config = this.#config;
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint as string);
    const query = url.searchParams;
    query.set('client_id', config.clientId);
    query.set('redirect_uri', config.redirectUri);
    query.set('response_type', 'code');
    query.set('scope', config.scope);
    query.set('state', state);
    query.set('nonce', nonce);
    query.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
    query.set('code_challenge_method', 'S256');
    if (config.audience !== undefined) query.set(config.audienceParameter, config.audience);
    for (const [name, value] of Object.entries(options.params)) {
      if (PROTECTED_PARAMS.has(name)) {
        throw new LatchkeyError(
          'LATCHKEY_CONFIG_INVALID',
          `authorizationParams may not set "${name}": Latchkey sets it for every sign-in.`,
        );
      }
      if (typeof value !== 'string') throw new LatchkeyError('LATCHKEY_CONFIG_INVALID', `authorizationParams.${name} must be a string.`);
      query.set(name, value);
    }
    return {
      url,
      state,
      transaction: {
        issuer: config.issuer.href,
        client_id: config.clientId,
        redirect_uri: config.redirectUri,
        code_verifier: codeVerifier,
        nonce,
        return_to: options.returnTo,
        created_at_ms: this.#now(),
      },
    };
  }

  /**
   * Validates the redirect back (`state`, RFC 9207 `iss`, `error=`), exchanges the code with its
   * PKCE verifier, and validates the ID token's claims and signature. The code exchange is never retried.
   */
  async exchangeCode(callback: URL, state: string, tx: LoginTransaction): Promise<TokenResult> {
    const as = await this.metadata();
    let params: URLSearchParams;
    try {
      params = oauth.validateAuthResponse(as, this.#client(), callback.searchParams, state);
    } catch (cause) {
      throw authResponseError(cause);
    }
    let response: Response;
    try {
      response = await oauth.authorizationCodeGrantRequest(
        as,
        this.#client(),
        oauth.None(),
        params,
        tx.redirect_uri,
        tx.code_verifier,
        this.#options(),
      );
    } catch (cause) {
      throw unreachable(cause);
    }
    return this.#processTokenResponse(as, response, (client) =>
      oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: tx.nonce, requireIdToken: true }),
    );
  }

  /**
   * Verifies the ID token's signature against the provider's JWKS. A `kid` the cached key set does not
   * have triggers one re-fetch (key rotation; oauth4webapi alone would wait 60 s), never more.
   */
  async #verifySignature(as: oauth.AuthorizationServer, response: Response): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let jwksStatus: number | undefined;
      const fetchJwks: typeof fetch = async (input, init) => {
        const answer = await this.#fetchWithDeadline(input, init);
        jwksStatus = answer.status;
        return answer;
      };
      try {
        // oauth4webapi caches the JWKS per metadata object: a fresh copy is a fresh cache.
        this.#jwksAs ??= as;
        await oauth.validateApplicationLevelSignature(this.#jwksAs, response, this.#options(undefined, fetchJwks));
        return;
      } catch (cause) {
        // The keys could not be had (no answer, or a server failure): nothing says the signature is bad.
        const noKeys = (cause instanceof TypeError && !(cause as { code?: string }).code) || isTimeout(cause);
        if (noKeys || (jwksStatus !== undefined && RETRYABLE_STATUS.has(jwksStatus)) || (jwksStatus ?? 0) >= 500) {
          throw unreachable(cause, jwksStatus);
        }
        if (attempt === 0 && cause instanceof oauth.OperationProcessingError && cause.code === oauth.KEY_SELECTION) {
          this.#jwksAs = { ...as };
          continue;
        }
        throw new LatchkeyError(
          'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID',
          "The ID token signature does not verify with the provider's published keys. Nothing was stored.",
          causeName(cause),
        );
      }
    }
  }

  /**
   * Refreshes with the refresh token: one request, never retried here. The refreshed ID token must
   * keep `iss`, `sub`, `aud` and `azp` (OIDC Core §12.2); a response without one keeps the old one.
   *
   * @throws LatchkeyError `LATCHKEY_PROVIDER_UNREACHABLE` when the request cannot have been processed
   *   (no response, 429, 502, 503, 504: safe to retry); `LATCHKEY_REFRESH_REJECTED` for `invalid_grant`.
   * @see OpenID Connect Core 1.0 §12
   */
  async refresh(previous: StoredSession, previousUser: UserClaims): Promise<TokenResult> {
    const refreshToken = previous.refresh_token;
    if (!refreshToken) throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'The session has no refresh token; sign in again.');
    const as = await this.metadata();
    let response: Response;
    try {
      response = await oauth.refreshTokenGrantRequest(
        as,
        this.#client(previous.clock_offset_ms),
        oauth.None(),
        refreshToken,
        this.#options(),
      );
    } catch (cause) {
      if (isTimeout(cause)) {
        throw new LatchkeyError(
          'LATCHKEY_TOKEN_REQUEST_FAILED',
          `The provider did not answer the refresh within ${REQUEST_TIMEOUT_MS / 1000} s. It may have processed it, so it is not retried; the session lasts until it ends.`,
          causeName(cause),
        );
      }
      throw unreachable(cause);
    }
    if (RETRYABLE_STATUS.has(response.status)) throw unreachable(undefined, response.status);
    try {
      return await this.#processTokenResponse(as, response, (client) => oauth.processRefreshTokenResponse(as, client, response), {
        stored: previous,
        user: previousUser,
      });
    } catch (error) {
      // The provider has processed this refresh (and may have rotated the token): nothing now is retried.
      if (error instanceof LatchkeyError && error.code === 'LATCHKEY_PROVIDER_UNREACHABLE') {
        throw new LatchkeyError(
          'LATCHKEY_TOKEN_REQUEST_FAILED',
          "The refreshed ID token could not be checked: the provider's keys could not be fetched. The refresh is not retried (the provider has processed it); the session lasts until it ends.",
          error.cause,
        );
      }
      throw error;
    }
  }

  /**
   * Revokes a refresh token. Best effort: resolves `false` instead of throwing.
   *
   * @see RFC 7009
   */
  async revoke(refreshToken: string): Promise<boolean> {
    try {
      const as = await this.metadata();
      if (!as.revocation_endpoint) return false;
      const response = await oauth.revocationRequest(as, this.#client(), oauth.None(), refreshToken, {
        ...this.#options(),
        additionalParameters: { token_type_hint: 'refresh_token' },
      });
      await oauth.processRevocationResponse(response);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The RP-initiated logout request: `end_session_endpoint` with `id_token_hint`, `client_id` and
   * `post_logout_redirect_uri`, or `undefined` when the provider has no such endpoint.
   *
   * @see OpenID Connect RP-Initiated Logout 1.0 §2
   */
  async endSessionRequest(idToken: string | undefined): Promise<{ url: string; fields: Record<string, string> } | undefined> {
    const as = await this.metadata();
    if (!as.end_session_endpoint) return undefined;
    const fields: Record<string, string> = {
      client_id: this.#config.clientId,
      post_logout_redirect_uri: this.#config.postLogoutRedirectUri,
    };
    if (idToken) fields['id_token_hint'] = idToken;
    return { url: as.end_session_endpoint, fields };
  }

  /**
   * Fetches userinfo with the access token. Its `sub` must be the ID token's, or it is discarded.
   *
   * @throws LatchkeyError `LATCHKEY_USERINFO_INVALID`
   * @see OpenID Connect Core 1.0 §5.3.2
   */
  async userinfo(stored: StoredSession, sub: string): Promise<Record<string, unknown>> {
    const as = await this.metadata();
    if (!as.userinfo_endpoint) throw new LatchkeyError('LATCHKEY_USERINFO_INVALID', 'The provider has no userinfo endpoint.');
    const client = this.#client(stored.clock_offset_ms);
    let response: Response;
    try {
      response = await oauth.userInfoRequest(as, client, stored.access_token, this.#options());
    } catch (cause) {
      throw unreachable(cause);
    }
    try {
      return { ...(await oauth.processUserInfoResponse(as, client, sub, response)) };
    } catch (cause) {
      const mismatch = cause instanceof oauth.OperationProcessingError && cause.code === oauth.JSON_ATTRIBUTE_COMPARISON;
      throw new LatchkeyError(
        'LATCHKEY_USERINFO_INVALID',
        mismatch
          ? 'The userinfo response is about another user than the ID token; it was discarded.'
          : 'The userinfo response is not valid; it was discarded.',
        { status: response.status, ...(mismatch && { claim: 'sub' }) },
      );
    }
  }

  async #processTokenResponse(
    as: oauth.AuthorizationServer,
    response: Response,
    process: (client: oauth.Client) => Promise<oauth.TokenEndpointResponse>,
    previous?: { stored: StoredSession; user: UserClaims },
  ): Promise<TokenResult> {
    const receivedAtMs = this.#now();
    const clockOffsetMs = await measureClockOffset(response, receivedAtMs);
    let result: oauth.TokenEndpointResponse;
    try {
      result = await process(this.#client(clockOffsetMs));
    } catch (cause) {
      throw tokenResponseError(cause, response.status, previous !== undefined);
    }
    // oauth4webapi accepts any non-negative number (a string or array parsed to one); a lifetime
    // under a second would be a session that ends before anyone sees it.
    const expiresIn = result.expires_in;
    if (expiresIn !== undefined && !(expiresIn >= 1)) {
      throw new LatchkeyError(
        'LATCHKEY_TOKEN_REQUEST_FAILED',
        `The provider's token response says the access token lives under a second (expires_in ${String(expiresIn)}). Nothing was stored.`,
        { status: response.status, claim: 'expires_in' },
      );
    }
    const fresh = oauth.getValidatedIdTokenClaims(result) as unknown as UserClaims | undefined;
    if (fresh && typeof result.id_token === 'string') {
      await this.#verifySignature(as, response);
      if (previous) assertSameIdentity(previous.user, fresh);
    } else if (!previous) {
      throw new LatchkeyError('LATCHKEY_ID_TOKEN_INVALID', 'The provider returned no ID token. Is "openid" in the scope?', {
        claim: 'id_token',
      });
    }
    // A refresh response without an ID token keeps the one from before (and its claims).
    const user = fresh ?? (previous as { user: UserClaims }).user;
    const idToken = fresh ? (result.id_token as string) : (previous as { stored: StoredSession }).stored.id_token;
    const offset = fresh ? clockOffsetMs : (previous?.stored.clock_offset_ms ?? 0);
    const accessTokenEnd = expiresIn === undefined ? Infinity : receivedAtMs + expiresIn * 1000;
    // The session ends when its access token does, or sooner if a new ID token says so (the tutorial's rule).
    const idTokenEnd = fresh ? fresh.exp * 1000 - offset : Infinity;
    let endAtMs = Math.min(accessTokenEnd, idTokenEnd);
    if (!Number.isFinite(endAtMs)) endAtMs = user.exp * 1000 - offset;
    if (endAtMs < receivedAtMs + MIN_LIFETIME_MS) {
      // oauth4webapi allows the ID token's exp a little clock tolerance; a session needs it ahead.
      if (fresh) {
        throw new LatchkeyError('LATCHKEY_ID_TOKEN_EXPIRED', 'The provider\'s ID token has expired by its "exp". Nothing was stored.', {
          claim: 'exp',
        });
      }
      throw new LatchkeyError(
        'LATCHKEY_TOKEN_REQUEST_FAILED',
        "The refreshed tokens carry no lifetime (no expires_in, no new ID token) and the session's ID token has expired; they were not used.",
        { status: response.status, claim: 'expires_in' },
      );
    }
    const refreshToken = result.refresh_token ?? previous?.stored.refresh_token;
    const scope = result.scope ?? previous?.stored.scope;
    const stored: StoredSession = {
      v: 1,
      issuer: this.#config.issuer.href,
      client_id: this.#config.clientId,
      id_token: idToken,
      access_token: result.access_token,
      token_type: result.token_type,
      issued_at_ms: receivedAtMs,
      signed_in_at_ms: previous?.stored.signed_in_at_ms ?? receivedAtMs,
      expires_at_ms: endAtMs,
      clock_offset_ms: offset,
      ...(refreshToken !== undefined && { refresh_token: refreshToken }),
      ...(scope !== undefined && { scope }),
    };
    return { stored, user };
  }
}

/**
 * The provider's clock minus ours, from the ID token's `iat` (the `Date` header is not readable
 * cross-origin). Bounded, so a token claiming an implausible issue time cannot stretch its own life.
 */
async function measureClockOffset(response: Response, receivedAtMs: number): Promise<number> {
  try {
    const body = (await response.clone().json()) as { id_token?: unknown } | null;
    const iat = decodeJwtPayload(body?.id_token)?.['iat'];
    if (typeof iat !== 'number' || !Number.isFinite(iat)) return 0;
    const offset = iat * 1000 - receivedAtMs;
    return Math.max(-MAX_CLOCK_OFFSET_MS, Math.min(MAX_CLOCK_OFFSET_MS, Math.round(offset)));
  } catch {
    return 0;
  }
}

/**
 * OIDC Core §12.2: a refreshed ID token is about the same user, from the same issuer, for the same
 * client. Anything else ends the session.
 */
function assertSameIdentity(before: UserClaims, after: UserClaims): void {
  const audience = (value: unknown) => JSON.stringify([value].flat().sort());
  for (const claim of ['iss', 'sub', 'azp', 'aud'] as const) {
    const same = claim === 'aud' ? audience(before[claim]) === audience(after[claim]) : before[claim] === after[claim];
    if (!same) {
      throw new LatchkeyError(
        'LATCHKEY_IDENTITY_CHANGED',
        `The refreshed ID token has another "${claim}" than the session's; the session was ended.`,
        {
          claim,
        },
      );
    }
  }
}

function isTimeout(cause: unknown): boolean {
  return (cause as { name?: unknown } | null)?.name === 'TimeoutError';
}

function causeName(cause: unknown): { name?: string } {
  return cause instanceof Error ? { name: cause.name } : {};
}

function unreachable(cause: unknown, status?: number): LatchkeyError {
  return new LatchkeyError(
    'LATCHKEY_PROVIDER_UNREACHABLE',
    'Sign-in is unavailable: the provider could not be reached. Check the connection and try again.',
    {
      ...causeName(cause),
      ...(status !== undefined && { status }),
    },
  );
}

/** The user (or the provider) declined the sign-in: with or without the `state` the redirect should carry. */
export function accessDenied(detail: { error: string; error_description?: string }): LatchkeyError {
  return new LatchkeyError(
    'LATCHKEY_ACCESS_DENIED',
    'Sign-in was cancelled or refused at the provider. You are still signed out; sign in again when ready.',
    detail,
  );
}

function authResponseError(cause: unknown): LatchkeyError {
  if (cause instanceof oauth.AuthorizationResponseError) {
    const error = cause.error;
    const detail = { error, ...(cause.error_description !== undefined && { error_description: cause.error_description }) };
    if (error === 'access_denied') return accessDenied(detail);
    return new LatchkeyError(
      'LATCHKEY_AUTHORIZATION_FAILED',
      `The provider could not sign you in (${error}). You are still signed out.`,
      detail,
    );
  }
  const message = cause instanceof Error ? cause.message : '';
  if (message.includes('"iss"')) {
    return new LatchkeyError(
      'LATCHKEY_ISS_MISMATCH',
      'The sign-in response does not come from the configured provider (its "iss" is wrong or missing). Nothing was exchanged.',
      { claim: 'iss' },
    );
  }
  if (message.includes('"state"')) {
    return new LatchkeyError(
      'LATCHKEY_STATE_MISMATCH',
      'The sign-in response does not match the sign-in that was started. Sign in again.',
      { claim: 'state' },
    );
  }
  return new LatchkeyError(
    'LATCHKEY_AUTHORIZATION_FAILED',
    "The provider's sign-in response is malformed. You are still signed out.",
    causeName(cause),
  );
}

function tokenResponseError(cause: unknown, status: number, refreshing: boolean): LatchkeyError {
  if (cause instanceof oauth.ResponseBodyError && refreshing && cause.error === 'invalid_grant') {
    return new LatchkeyError(
      'LATCHKEY_REFRESH_REJECTED',
      'The provider no longer accepts this session (revoked, expired, or used elsewhere). Sign in again.',
      {
        error: cause.error,
        status: cause.status,
      },
    );
  }
  if (cause instanceof oauth.ResponseBodyError) {
    return new LatchkeyError('LATCHKEY_TOKEN_REQUEST_FAILED', `The provider refused the token request (${cause.error}). Sign in again.`, {
      error: cause.error,
      status: cause.status,
      ...(cause.error_description !== undefined && { error_description: cause.error_description }),
    });
  }
  const message = cause instanceof Error ? cause.message : '';
  const code = (cause as { code?: string } | undefined)?.code;
  const claim = (cause as { cause?: { claim?: unknown } } | undefined)?.cause?.claim;
  const aboutIdToken = /JWT|ID Token/.test(message);
  if (!aboutIdToken) {
    return new LatchkeyError(
      'LATCHKEY_TOKEN_REQUEST_FAILED',
      `The provider's token endpoint did not answer with a valid token response (HTTP ${status}). Nothing was stored; sign in again.`,
      {
        status,
        ...causeName(cause),
      },
    );
  }
  const detail = typeof claim === 'string' ? { claim } : {};
  let errorCode: LatchkeyErrorCode = 'LATCHKEY_ID_TOKEN_INVALID';
  if (claim === 'nonce') errorCode = 'LATCHKEY_NONCE_MISMATCH';
  else if (code === oauth.JWT_TIMESTAMP_CHECK) errorCode = 'LATCHKEY_ID_TOKEN_EXPIRED';
  else if (message.includes('"alg"')) errorCode = 'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID';
  return new LatchkeyError(errorCode, `The provider's ID token failed validation: ${message}. Nothing was stored.`, detail);
}
