import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose';
import { metadata, type Provider } from '@latchkey/core/protocol';
import { json } from './http.ts';
import { storeKey } from './ids.ts';
import type { ResolvedBffOptions } from './options.ts';
import type { ServerSessions } from './sessions.ts';
import type { ServerSessionStore } from './stores/types.ts';

/** The `events` member that makes a JWT a logout token (OpenID Connect Back-Channel Logout 1.0 §2.4). */
const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** A logout token issued longer ago than this is refused: a stale one is a replay or a broken clock. */
const MAX_TOKEN_AGE_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 60;
const MAX_BODY_BYTES = 16 * 1024;

export interface BackchannelContext {
  readonly options: ResolvedBffOptions;
  readonly provider: Provider;
  readonly store: ServerSessionStore;
  readonly sessions: ServerSessions;
  readonly fetch: typeof fetch;
}

/** Why a logout token was refused, for the 400's `error_description` (RFC 6749 style; never the token). */
class Refused extends Error {}

function refuse(description: string): never {
  throw new Refused(description);
}

/**
 * Checks a logout token as §2.6 lists: signed by the provider (its JWKS; never `alg: none`, never a MAC),
 * `typ` `logout+jwt`, `iss` the issuer, `aud` this client, `iat` recent, `exp` not passed, a `jti`,
 * the back-channel logout event, no `nonce`, and a `sid` or a `sub`.
 */
async function verifyLogoutToken(
  token: string,
  context: BackchannelContext,
  provider: { keys: ReturnType<typeof createRemoteJWKSet>; issuer: string },
): Promise<JWTPayload & { sid?: string; sub?: string; jti: string; exp: number }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, provider.keys, {
      issuer: provider.issuer,
      audience: context.options.clientId,
      typ: 'logout+jwt',
      requiredClaims: ['iat', 'exp', 'jti', 'events'],
      maxTokenAge: MAX_TOKEN_AGE_SECONDS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(context.sessions.now()),
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
    }));
  } catch (error) {
    if (error instanceof errors.JOSEError) refuse(`the logout token failed verification (${error.code})`);
    throw error;
  }
  const events = payload['events'];
  const event = events && typeof events === 'object' ? (events as Record<string, unknown>)[LOGOUT_EVENT] : undefined;
  if (!event || typeof event !== 'object' || Array.isArray(event)) refuse('the logout token carries no back-channel logout event');
  if ('nonce' in payload) refuse('a logout token must not carry a nonce');
  const sid = payload['sid'];
  if (sid !== undefined && (typeof sid !== 'string' || sid === '')) refuse('the logout token has an invalid sid');
  if (typeof payload.jti !== 'string' || payload.jti === '') refuse('the logout token has no jti');
  if (sid === undefined && (typeof payload.sub !== 'string' || payload.sub === '')) refuse('the logout token has neither sid nor sub');
  return payload as JWTPayload & { sid?: string; sub?: string; jti: string; exp: number };
}

/**
 * `POST {base}/backchannel-logout` (OpenID Connect Back-Channel Logout 1.0): the provider says a session
 * ended there. A valid logout token ends this client's sessions of that `sid` (or, without one, of that
 * `sub`) and tells their open tabs through the event stream; a `jti` is used once. A valid token for a
 * session that is already gone answers 200; anything invalid answers 400 and ends nothing.
 */
export function backchannelLogout(context: BackchannelContext): (request: Request) => Promise<Response> {
  // The provider's keys (jose caches them, and re-fetches for an unknown `kid`) and its exact issuer.
  let known: { keys: ReturnType<typeof createRemoteJWKSet>; issuer: string } | undefined;
  const provider = async () => {
    if (known) return known;
    const as = await metadata(context.provider);
    known = { keys: createRemoteJWKSet(new URL(as.jwks_uri as string), { [customFetch]: context.fetch }), issuer: as.issuer };
    return known;
  };
  return async (request) => {
    const headers = { 'Cache-Control': 'no-store' };
    try {
      const type = request.headers.get('content-type') ?? '';
      if (!/^application\/x-www-form-urlencoded\b/i.test(type)) refuse('the body must be application/x-www-form-urlencoded');
      const body = await request.text();
      if (body.length > MAX_BODY_BYTES) refuse('the body is too large');
      const tokens = new URLSearchParams(body).getAll('logout_token');
      if (tokens.length !== 1 || !tokens[0]) refuse('the body must carry exactly one logout_token');
      const claims = await verifyLogoutToken(tokens[0] as string, context, await provider());
      // A jti is used once, for as long as the token could be presented.
      const jti = storeKey('jti', claims.jti);
      const ttlMs = Math.max(1000, (claims.exp + CLOCK_TOLERANCE_SECONDS) * 1000 - context.sessions.now());
      if (!(await context.sessions.putOnce(jti, ttlMs))) refuse('the logout token was already used (jti)');
      try {
        await context.sessions.endBy(claims.sid !== undefined ? { sid: claims.sid } : { sub: claims.sub as string });
      } catch (error) {
        // Nothing ended: the provider's retry must not be refused as a replay.
        await context.store.takeOnce(jti).catch(() => undefined);
        throw error;
      }
      return new Response(null, { status: 200, headers });
    } catch (error) {
      if (error instanceof Refused) return json(400, { error: 'invalid_request', error_description: error.message }, headers);
      throw error;
    }
  };
}
