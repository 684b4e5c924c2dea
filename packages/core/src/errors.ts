/**
 * Every way a Latchkey operation can fail, one code per failure (see docs/security.md).
 * `switch (error.code)` narrows; the message says what happened and what to do.
 */
export type LatchkeyErrorCode =
  /** The configuration is missing a field or has a wrong one (thrown at configuration time). */
  | 'LATCHKEY_CONFIG_INVALID'
  /** The provider could not be reached (network error, or no answer) — sign-in is unavailable for now. */
  | 'LATCHKEY_PROVIDER_UNREACHABLE'
  /** The provider's discovery document is not valid OpenID Provider metadata. */
  | 'LATCHKEY_DISCOVERY_INVALID'
  /** The discovery document names another issuer than the configured one. */
  | 'LATCHKEY_ISSUER_MISMATCH'
  /** A provider endpoint is plain `http:` on a host other than loopback. */
  | 'LATCHKEY_INSECURE_ENDPOINT'
  /** The redirect back from the provider carries no `state`. */
  | 'LATCHKEY_STATE_MISSING'
  /** The redirect's `state` matches no sign-in started in this tab: changed, or already used. */
  | 'LATCHKEY_STATE_MISMATCH'
  /** The redirect's `iss` parameter is wrong, or missing where the provider promised it (RFC 9207). */
  | 'LATCHKEY_ISS_MISMATCH'
  /** The user (or the provider) declined the sign-in: `error=access_denied`. */
  | 'LATCHKEY_ACCESS_DENIED'
  /** The provider redirected back with another `error=`. */
  | 'LATCHKEY_AUTHORIZATION_FAILED'
  /** The token endpoint answered with an error, a server failure or something that is not a token response. */
  | 'LATCHKEY_TOKEN_REQUEST_FAILED'
  /** The ID token's claims are wrong or missing (`iss`, `aud`, `sub`, `azp`, …). */
  | 'LATCHKEY_ID_TOKEN_INVALID'
  /** The ID token is expired, or not yet valid, by its timestamps (a missing `exp` or `iat` is `LATCHKEY_ID_TOKEN_INVALID`). */
  | 'LATCHKEY_ID_TOKEN_EXPIRED'
  /** The ID token's `nonce` is not the one this sign-in sent. */
  | 'LATCHKEY_NONCE_MISMATCH'
  /** The ID token's signature does not verify with the provider's keys, or uses a refused algorithm. */
  | 'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID'
  /** The browser storage needed to complete a sign-in is unavailable (private mode, quota, blocked). */
  | 'LATCHKEY_STORAGE_UNAVAILABLE'
  /** A refresh was refused with `invalid_grant`: the session is over (revoked, expired, or its refresh token reused). */
  | 'LATCHKEY_REFRESH_REJECTED'
  /** A refreshed ID token names another issuer, subject, audience or authorized party (OIDC Core §12.2). */
  | 'LATCHKEY_IDENTITY_CHANGED'
  /** The userinfo response is invalid or about another user; it was discarded. */
  | 'LATCHKEY_USERINFO_INVALID'
  /** An operation needs a signed-in session and there is none. */
  | 'LATCHKEY_LOGIN_REQUIRED'
  /**
   * The part of Latchkey that talks to the provider (loaded on first use) could not be loaded, usually
   * because a new version of the app was deployed since the page was opened. Nothing was lost: reload.
   */
  | 'LATCHKEY_CHUNK_LOAD_FAILED'
  /**
   * The key a DPoP-bound session's tokens are bound to is gone (the browser's site data was cleared, or
   * another tab's sign-in replaced it): the session was ended. Sign in again.
   */
  | 'LATCHKEY_DPOP_KEY_MISSING'
  /**
   * The key store (IndexedDB) failed, twice, to read the key a DPoP-bound session's tokens are bound to: nothing
   * was sent with them and the session goes on. The next API call or refresh reads it again.
   */
  | 'LATCHKEY_DPOP_KEY_UNAVAILABLE'
  /**
   * BFF mode: the browser holds no token, by design. Call APIs through the BFF's proxy
   * (`{base}/api/<name>/…`); `authInterceptor` adds the CSRF header there.
   */
  | 'LATCHKEY_BFF_NO_TOKEN'
  /**
   * BFF mode: the BFF could not answer for the session (it, or its session store, is unreachable). The
   * session is not ended; it is read again on the next wake event, or retry.
   */
  | 'LATCHKEY_BFF_UNAVAILABLE'
  /** BFF mode: a request without the CSRF header, or from another origin, was refused (403). */
  | 'LATCHKEY_CSRF_REJECTED';

/** Token-free details of a failure: never a token, a code or a URL with either. */
export interface LatchkeyErrorCause {
  /** OAuth `error` from the provider, e.g. `invalid_grant`. */
  readonly error?: string;
  readonly error_description?: string;
  /** HTTP status of the provider's answer. */
  readonly status?: number;
  /** The JWT claim or response field that failed a check. */
  readonly claim?: string;
  /** The name of the underlying error, e.g. `TypeError` for a network failure. */
  readonly name?: string;
}

/**
 * The one error type Latchkey throws and reports in its state: `instanceof LatchkeyError` and
 * `switch (error.code)` cover every failure, configuration mistakes ({@link LatchkeyConfigError}) included.
 *
 * @example
 * ```ts
 * if (error instanceof LatchkeyError && error.code === 'LATCHKEY_ACCESS_DENIED') showCancelled();
 * ```
 */
export class LatchkeyError extends Error {
  override readonly name: 'LatchkeyError' | 'LatchkeyConfigError' = 'LatchkeyError';
  readonly code: LatchkeyErrorCode;
  declare readonly cause?: LatchkeyErrorCause;

  constructor(code: LatchkeyErrorCode, message: string, cause?: LatchkeyErrorCause) {
    // A message may quote the provider (its `error`), so it is redacted like the cause.
    super(redact(message), cause ? { cause: scrubCause(cause) } : undefined);
    this.code = code;
  }
}

/**
 * A configuration mistake, thrown where the configuration is given (`createSession`, `provideLatchkey`,
 * its `withX()` features). A {@link LatchkeyError} whose code is always `LATCHKEY_CONFIG_INVALID`.
 */
export class LatchkeyConfigError extends LatchkeyError {
  override readonly name = 'LatchkeyConfigError';
  declare readonly code: 'LATCHKEY_CONFIG_INVALID';

  constructor(message: string) {
    super('LATCHKEY_CONFIG_INVALID', message);
    // The app's own configuration, never a token: shown as given (a host name can look like a JWT).
    this.message = message;
  }
}

// A JWT, or a long opaque run that could be a token, never goes into an error.
const tokenLike = /[\w-]{8,}\.[\w-]{8,}\.[\w-]*|[\w~+/=-]{40,}/g;

function redact(text: string): string {
  return text.replace(tokenLike, '[redacted]');
}

function scrub(text: string): string {
  return redact(text.slice(0, 300));
}

function scrubCause(cause: LatchkeyErrorCause): LatchkeyErrorCause {
  const out: { -readonly [K in keyof LatchkeyErrorCause]: LatchkeyErrorCause[K] } = {};
  if (typeof cause.error === 'string') out.error = scrub(cause.error);
  if (typeof cause.error_description === 'string') out.error_description = scrub(cause.error_description);
  if (typeof cause.status === 'number') out.status = cause.status;
  if (typeof cause.claim === 'string') out.claim = scrub(cause.claim);
  if (typeof cause.name === 'string') out.name = scrub(cause.name);
  return out;
}
