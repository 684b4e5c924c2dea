import * as oauth from 'oauth4webapi';
import { LatchkeyError, type LatchkeyErrorCode } from '../errors.ts';
import { isTimeout, REQUEST_TIMEOUT_MS } from './deadline.ts';

// Every oauth4webapi failure becomes a LatchkeyError here, by the error's class, `code` and `cause`,
// never by its message text (which the next oauth4webapi release may reword). Where one code covers
// several causes (`state` and `iss` are both INVALID_RESPONSE), the caller checks the cause first.

/** Statuses that say the request was not processed, so a retry cannot double-spend a refresh token. */
export const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

function causeName(cause: unknown): { name?: string } {
  return cause instanceof Error ? { name: cause.name } : {};
}

function codeOf(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** What oauth4webapi attached to an OperationProcessingError (`{ claims, claim }`, `{ body }`, `{ header }`, …). */
function detailOf(cause: unknown): { claim?: unknown; claims?: unknown; body?: unknown; header?: unknown } {
  const detail = (cause as { cause?: unknown } | null)?.cause;
  return typeof detail === 'object' && detail !== null ? detail : {};
}

export function unreachable(cause: unknown, status?: number): LatchkeyError {
  return new LatchkeyError(
    'LATCHKEY_PROVIDER_UNREACHABLE',
    'Sign-in is unavailable: the provider could not be reached. Check the connection and try again.',
    { ...causeName(cause), ...(status !== undefined && { status }) },
  );
}

/** A refresh that got no answer in time may have been processed: it is never retried. */
export function refreshTimedOut(cause: unknown): LatchkeyError {
  return new LatchkeyError(
    'LATCHKEY_TOKEN_REQUEST_FAILED',
    `The provider did not answer the refresh within ${REQUEST_TIMEOUT_MS / 1000} s. It may have processed it, so it is not retried; the session lasts until it ends.`,
    causeName(cause),
  );
}

/** A refresh whose answer arrived but whose ID token could not be checked: processed, so never retried. */
export function refreshProcessed(error: LatchkeyError): LatchkeyError {
  if (error.code !== 'LATCHKEY_PROVIDER_UNREACHABLE') return error;
  return new LatchkeyError(
    'LATCHKEY_TOKEN_REQUEST_FAILED',
    "The refreshed ID token could not be checked: the provider's keys could not be fetched. The refresh is not retried (the provider has processed it); the session lasts until it ends.",
    error.cause,
  );
}

export function discoveryError(cause: unknown, issuer: URL, status: number): LatchkeyError {
  if (cause instanceof oauth.OperationProcessingError && cause.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
    return new LatchkeyError(
      'LATCHKEY_ISSUER_MISMATCH',
      `The provider's discovery document names another issuer than the configured "${issuer.href}". Configure the issuer exactly as the provider's metadata says it.`,
      { claim: 'issuer' },
    );
  }
  return new LatchkeyError(
    'LATCHKEY_DISCOVERY_INVALID',
    `The provider at ${issuer.origin} did not answer with valid OpenID Provider metadata.`,
    {
      status,
      ...causeName(cause),
    },
  );
}

export function insecureEndpoint(field: string): LatchkeyError {
  return new LatchkeyError(
    'LATCHKEY_INSECURE_ENDPOINT',
    `The provider's ${field} is not an https: URL; Latchkey only talks to providers over TLS (http: only on localhost).`,
    { claim: field },
  );
}

export function missingEndpoint(field: string): LatchkeyError {
  return new LatchkeyError('LATCHKEY_DISCOVERY_INVALID', `The provider's metadata has no ${field}.`, { claim: field });
}

/** The user (or the provider) declined the sign-in: with or without the `state` the redirect should carry. */
export function accessDenied(detail: { error: string; error_description?: string }): LatchkeyError {
  return new LatchkeyError(
    'LATCHKEY_ACCESS_DENIED',
    'Sign-in was cancelled or refused at the provider. You are still signed out; sign in again when ready.',
    detail,
  );
}

export function issMismatch(): LatchkeyError {
  return new LatchkeyError(
    'LATCHKEY_ISS_MISMATCH',
    'The sign-in response does not come from the configured provider (its "iss" is wrong or missing). Nothing was exchanged.',
    { claim: 'iss' },
  );
}

export function stateMismatch(): LatchkeyError {
  return new LatchkeyError('LATCHKEY_STATE_MISMATCH', 'The sign-in response does not match the sign-in that was started. Sign in again.', {
    claim: 'state',
  });
}

/** A failure of `validateAuthResponse` whose `iss` and `state` were already checked (see authorization.ts). */
export function authResponseError(cause: unknown): LatchkeyError {
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
  return new LatchkeyError(
    'LATCHKEY_AUTHORIZATION_FAILED',
    "The provider's sign-in response is malformed. You are still signed out.",
    causeName(cause),
  );
}

/**
 * A failure of processing a token response. `bodyIsJson`: the body parsed as JSON (so a parse error
 * is the ID token's, not the body's).
 */
export function tokenResponseError(cause: unknown, status: number, refreshing: boolean, bodyIsJson: boolean): LatchkeyError {
  if (cause instanceof oauth.ResponseBodyError) {
    if (refreshing && cause.error === 'invalid_grant') {
      return new LatchkeyError(
        'LATCHKEY_REFRESH_REJECTED',
        'The provider no longer accepts this session (revoked, expired, or used elsewhere). Sign in again.',
        { error: cause.error, status: cause.status },
      );
    }
    return new LatchkeyError('LATCHKEY_TOKEN_REQUEST_FAILED', `The provider refused the token request (${cause.error}). Sign in again.`, {
      error: cause.error,
      status: cause.status,
      ...(cause.error_description !== undefined && { error_description: cause.error_description }),
    });
  }
  const idTokenCode = idTokenFailure(cause, bodyIsJson);
  if (!idTokenCode) {
    return new LatchkeyError(
      'LATCHKEY_TOKEN_REQUEST_FAILED',
      `The provider's token endpoint did not answer with a valid token response (HTTP ${status}). Nothing was stored; sign in again.`,
      { status, ...causeName(cause) },
    );
  }
  const claim = detailOf(cause).claim;
  const message = cause instanceof Error ? cause.message : 'invalid';
  return new LatchkeyError(idTokenCode, `The provider's ID token failed validation: ${message}. Nothing was stored.`, {
    ...(typeof claim === 'string' && { claim }),
  });
}

/** Which code an ID token failure gets, or `undefined` when the failure is the token response's own. */
function idTokenFailure(cause: unknown, bodyIsJson: boolean): LatchkeyErrorCode | undefined {
  const code = codeOf(cause);
  const detail = detailOf(cause);
  // The response's own fields fail with `{ body }`; the ID token's with `{ claims }`, `{ header }` or the JWT.
  if (detail.body !== undefined) return undefined;
  switch (code) {
    case oauth.JWT_TIMESTAMP_CHECK:
      return 'LATCHKEY_ID_TOKEN_EXPIRED';
    case oauth.JWT_CLAIM_COMPARISON:
      return detail.claim === 'nonce' ? 'LATCHKEY_NONCE_MISMATCH' : 'LATCHKEY_ID_TOKEN_INVALID';
    case oauth.INVALID_RESPONSE:
      // A refused `alg` (none, HS256, one the provider does not list) names the JWT header.
      if (detail.header !== undefined) return 'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID';
      return (cause as { cause?: unknown }).cause !== undefined ? 'LATCHKEY_ID_TOKEN_INVALID' : undefined;
    case oauth.PARSE_ERROR:
      return bodyIsJson ? 'LATCHKEY_ID_TOKEN_INVALID' : undefined;
    case oauth.UNSUPPORTED_OPERATION:
      // A `crit` header names the ID token's header; an encrypted (JWE) ID token, which a public client
      // cannot decrypt, is the token response's failure (and an unsupported token_type carries the body).
      return detail.header !== undefined ? 'LATCHKEY_ID_TOKEN_INVALID' : undefined;
    default:
      return undefined;
  }
}

export function signatureInvalid(cause: unknown): LatchkeyError {
  return new LatchkeyError(
    'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID',
    "The ID token signature does not verify with the provider's published keys. Nothing was stored.",
    causeName(cause),
  );
}

/** The keys could not be had (no answer, a timeout, or a server failure): nothing says the signature is bad. */
export function isJwksUnavailable(cause: unknown, jwksStatus: number | undefined): boolean {
  const network = cause instanceof TypeError && codeOf(cause) === undefined;
  return network || isTimeout(cause) || (jwksStatus !== undefined && (RETRYABLE_STATUS.has(jwksStatus) || jwksStatus >= 500));
}

export function isUnknownKey(cause: unknown): boolean {
  return cause instanceof oauth.OperationProcessingError && cause.code === oauth.KEY_SELECTION;
}

export function userinfoError(cause: unknown, status: number): LatchkeyError {
  const mismatch = cause instanceof oauth.OperationProcessingError && cause.code === oauth.JSON_ATTRIBUTE_COMPARISON;
  return new LatchkeyError(
    'LATCHKEY_USERINFO_INVALID',
    mismatch
      ? 'The userinfo response is about another user than the ID token; it was discarded.'
      : 'The userinfo response is not valid; it was discarded.',
    { status, ...(mismatch && { claim: 'sub' }) },
  );
}
