import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import type { LatchkeyErrorCode } from '../errors.ts';
import { exchangeCode } from './authorization.ts';
import { authResponseError, discoveryError, isJwksUnavailable, isUnknownKey, tokenResponseError, userinfoError } from './errors.ts';
import { createProvider } from './provider.ts';

// Every message below is reworded from oauth4webapi's own: the mapping must hold by code and cause alone.
const reworded = 'something else entirely';
const ope = (code: string, cause?: unknown) => new oauth.OperationProcessingError(reworded, { code, cause });

describe('oauth4webapi failures map to LatchkeyError codes by code and cause, never by message text', () => {
  const claims = { iss: 'https://op.example.com', sub: 'alice' };
  const tokenCases: {
    name: string;
    cause: unknown;
    bodyIsJson?: boolean;
    refreshing?: boolean;
    code: LatchkeyErrorCode;
    claim?: string;
  }[] = [
    {
      name: 'an expired ID token',
      cause: ope(oauth.JWT_TIMESTAMP_CHECK, { claims, claim: 'exp' }),
      code: 'LATCHKEY_ID_TOKEN_EXPIRED',
      claim: 'exp',
    },
    {
      name: 'a nonce that is not ours',
      cause: ope(oauth.JWT_CLAIM_COMPARISON, { claims, claim: 'nonce' }),
      code: 'LATCHKEY_NONCE_MISMATCH',
      claim: 'nonce',
    },
    {
      name: 'another issuer in the ID token',
      cause: ope(oauth.JWT_CLAIM_COMPARISON, { claims, claim: 'iss' }),
      code: 'LATCHKEY_ID_TOKEN_INVALID',
      claim: 'iss',
    },
    { name: 'an ID token claim missing', cause: ope(oauth.INVALID_RESPONSE, { claims }), code: 'LATCHKEY_ID_TOKEN_INVALID' },
    { name: 'an ID token that is not a JWT', cause: ope(oauth.INVALID_RESPONSE, 'not.a-jwt'), code: 'LATCHKEY_ID_TOKEN_INVALID' },
    {
      name: 'a refused alg (none, HS256)',
      cause: ope(oauth.INVALID_RESPONSE, { header: { alg: 'none' } }),
      code: 'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID',
    },
    {
      name: 'an ID token header that is not JSON',
      cause: ope(oauth.PARSE_ERROR, new SyntaxError(reworded)),
      code: 'LATCHKEY_ID_TOKEN_INVALID',
    },
    {
      name: 'an ID token with a crit header',
      cause: new oauth.UnsupportedOperationError(reworded, { cause: { header: { crit: ['x'] } } }),
      code: 'LATCHKEY_ID_TOKEN_INVALID',
    },
    {
      name: 'an encrypted (JWE) ID token',
      cause: new oauth.UnsupportedOperationError(reworded, { cause: 'a.b.c.d.e' }),
      code: 'LATCHKEY_TOKEN_REQUEST_FAILED',
    },
    {
      name: 'a token response without access_token',
      cause: ope(oauth.INVALID_RESPONSE, { body: {} }),
      code: 'LATCHKEY_TOKEN_REQUEST_FAILED',
    },
    {
      name: 'an unsupported token_type',
      cause: new oauth.UnsupportedOperationError(reworded, { cause: { body: {} } }),
      code: 'LATCHKEY_TOKEN_REQUEST_FAILED',
    },
    {
      name: 'a body that is not JSON',
      cause: ope(oauth.PARSE_ERROR, new SyntaxError(reworded)),
      bodyIsJson: false,
      code: 'LATCHKEY_TOKEN_REQUEST_FAILED',
    },
    { name: 'a body that is not JSON by its content type', cause: ope(oauth.RESPONSE_IS_NOT_JSON), code: 'LATCHKEY_TOKEN_REQUEST_FAILED' },
    { name: 'a status that is not 200', cause: ope(oauth.RESPONSE_IS_NOT_CONFORM), code: 'LATCHKEY_TOKEN_REQUEST_FAILED' },
  ];

  it.each(tokenCases)('token response: $name → $code', ({ cause, bodyIsJson = true, refreshing = false, code, claim }) => {
    const error = tokenResponseError(cause, 200, refreshing, bodyIsJson);
    expect(error.code).toBe(code);
    if (claim) expect(error.cause?.claim).toBe(claim);
  });

  it('an OAuth error body is the provider refusing; invalid_grant on a refresh is the session over', () => {
    const body = (error: string) =>
      new oauth.ResponseBodyError(reworded, { cause: { error }, response: new Response(null, { status: 400 }) } as never);
    expect(tokenResponseError(body('invalid_grant'), 400, true, true).code).toBe('LATCHKEY_REFRESH_REJECTED');
    expect(tokenResponseError(body('invalid_grant'), 400, false, true).code).toBe('LATCHKEY_TOKEN_REQUEST_FAILED');
    expect(tokenResponseError(body('invalid_client'), 400, true, true)).toMatchObject({
      code: 'LATCHKEY_TOKEN_REQUEST_FAILED',
      cause: { error: 'invalid_client' },
    });
  });

  it('the authorization response: error=access_denied is a cancelled sign-in, any other error= a refused one', () => {
    const denied = new oauth.AuthorizationResponseError(reworded, { cause: new URLSearchParams('error=access_denied') });
    const other = new oauth.AuthorizationResponseError(reworded, { cause: new URLSearchParams('error=server_error') });
    expect(authResponseError(denied).code).toBe('LATCHKEY_ACCESS_DENIED');
    expect(authResponseError(other)).toMatchObject({ code: 'LATCHKEY_AUTHORIZATION_FAILED', cause: { error: 'server_error' } });
  });

  it('discovery, keys and userinfo', () => {
    const issuer = new URL('https://op.example.com');
    expect(discoveryError(ope(oauth.JSON_ATTRIBUTE_COMPARISON), issuer, 200).code).toBe('LATCHKEY_ISSUER_MISMATCH');
    expect(discoveryError(ope(oauth.INVALID_RESPONSE), issuer, 200).code).toBe('LATCHKEY_DISCOVERY_INVALID');
    expect(isUnknownKey(ope(oauth.KEY_SELECTION))).toBe(true);
    expect(isUnknownKey(ope(oauth.INVALID_RESPONSE))).toBe(false);
    expect(isJwksUnavailable(new TypeError(reworded), undefined)).toBe(true);
    expect(isJwksUnavailable(new DOMException(reworded, 'TimeoutError'), undefined)).toBe(true);
    expect(isJwksUnavailable(ope(oauth.INVALID_RESPONSE), 503)).toBe(true);
    expect(isJwksUnavailable(ope(oauth.INVALID_RESPONSE), 200)).toBe(false);
    expect(userinfoError(ope(oauth.JSON_ATTRIBUTE_COMPARISON), 200)).toMatchObject({
      code: 'LATCHKEY_USERINFO_INVALID',
      cause: { claim: 'sub' },
    });
  });
});

describe('the redirect back: iss and state are told apart before oauth4webapi (one code for both there)', () => {
  const issuer = 'https://op.example.com';
  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    authorization_response_iss_parameter_supported: true,
  };
  const requests: string[] = [];
  const provider = createProvider({
    issuer: new URL(issuer),
    clientId: 'app',
    fetch: async (input) => {
      requests.push(String(input));
      return Response.json(metadata);
    },
    clock: { now: Date.now, setTimeout: (handler, ms) => setTimeout(handler, ms), clearTimeout: (id) => clearTimeout(id as never) },
  });
  const pending = { state: 'the-state', nonce: 'n', code_verifier: 'v'.repeat(43), redirect_uri: 'https://app.example.com/callback' };

  it.each([
    ['another iss', `code=c&state=the-state&iss=${encodeURIComponent('https://evil.example')}`, 'LATCHKEY_ISS_MISMATCH'],
    ['no iss where the metadata promises it', 'code=c&state=the-state', 'LATCHKEY_ISS_MISMATCH'],
    ['iss twice', `code=c&state=the-state&iss=${encodeURIComponent(issuer)}&iss=${encodeURIComponent(issuer)}`, 'LATCHKEY_ISS_MISMATCH'],
    ['another state', `code=c&state=other&iss=${encodeURIComponent(issuer)}`, 'LATCHKEY_STATE_MISMATCH'],
    ['state twice', `code=c&state=the-state&state=the-state&iss=${encodeURIComponent(issuer)}`, 'LATCHKEY_STATE_MISMATCH'],
  ] as const)('%s → %s, and no token request', async (_name, query, code) => {
    requests.length = 0;
    const error = await exchangeCode(provider, new URL(`https://app.example.com/callback?${query}`), pending).catch((e: unknown) => e);
    expect(error).toMatchObject({ code });
    expect(requests.filter((url) => url.endsWith('/token'))).toEqual([]);
  });
});
