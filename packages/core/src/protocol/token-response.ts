import * as oauth from 'oauth4webapi';
import { LatchkeyError } from '../errors.ts';
import { decodeJwtPayload } from '../jwt.ts';
import type { StoredSession, UserClaims } from '../stored-session.ts';
import type { DpopKey } from './dpop.ts';
import { tokenResponseError } from './errors.ts';
import { clientOf, type Provider } from './provider.ts';
import { verifySignature } from './signature.ts';

/** A token response, validated, as the record a session keeps. */
export interface TokenResult {
  readonly stored: StoredSession;
  readonly user: UserClaims;
}

// The provider's clock may differ from ours; beyond this the difference is not trusted.
const MAX_CLOCK_OFFSET_MS = 15 * 60 * 1000;

// Tokens that would end sooner than this after they arrive are refused: the session would end unseen,
// and a refreshed one would be refreshed again at once.
const MIN_LIFETIME_MS = 1_000;

/**
 * The body's `id_token`, read apart from oauth4webapi: for the clock offset, and to tell a body that is
 * not JSON from an ID token that is not a JWT.
 */
async function readIdToken(response: Response): Promise<{ json: boolean; idToken: unknown }> {
  try {
    const body = (await response.clone().json()) as { id_token?: unknown } | null;
    return { json: true, idToken: body?.id_token };
  } catch {
    return { json: false, idToken: undefined };
  }
}

/**
 * The provider's clock minus ours, from the ID token's `iat` (the `Date` header is not readable
 * cross-origin). Bounded, so a token claiming an implausible issue time cannot stretch its own life.
 */
function clockOffset(idToken: unknown, receivedAtMs: number): number {
  const iat = decodeJwtPayload(idToken)?.['iat'];
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return 0;
  return Math.max(-MAX_CLOCK_OFFSET_MS, Math.min(MAX_CLOCK_OFFSET_MS, Math.round(iat * 1000 - receivedAtMs)));
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

/**
 * Runs oauth4webapi's `process` on a token response, checks the ID token's signature, and makes the
 * record: the session's end (the access token's `expires_in`, or the ID token's `exp` if sooner), the
 * clock offset, and, on a refresh (`previous`), the same identity and what the response left out.
 * Tokens the provider bound to `dpop` (`token_type` `DPoP`) are kept with that key's thumbprint; a
 * provider without DPoP answers `Bearer`, and the session is a Bearer one (RFC 9449 §5).
 */
export async function processTokenResponse(
  provider: Provider,
  as: oauth.AuthorizationServer,
  response: Response,
  process: (client: oauth.Client) => Promise<oauth.TokenEndpointResponse>,
  previous?: TokenResult,
  dpop?: DpopKey,
): Promise<TokenResult> {
  const receivedAtMs = provider.clock.now();
  const body = await readIdToken(response);
  const clockOffsetMs = clockOffset(body.idToken, receivedAtMs);
  let result: oauth.TokenEndpointResponse;
  try {
    result = await process(clientOf(provider, clockOffsetMs));
  } catch (cause) {
    throw tokenResponseError(cause, response.status, previous !== undefined, body.json);
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
    await verifySignature(provider, as, response);
    if (previous) assertSameIdentity(previous.user, fresh);
  } else if (!previous) {
    throw new LatchkeyError('LATCHKEY_ID_TOKEN_INVALID', 'The provider returned no ID token. Is "openid" in the scope?', {
      claim: 'id_token',
    });
  }
  // A refresh response without an ID token keeps the one from before (and its claims).
  const user = fresh ?? (previous as TokenResult).user;
  const idToken = fresh ? (result.id_token as string) : (previous as TokenResult).stored.id_token;
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
    issuer: provider.issuer.href,
    client_id: provider.clientId,
    id_token: idToken,
    access_token: result.access_token,
    token_type: result.token_type,
    issued_at_ms: receivedAtMs,
    signed_in_at_ms: previous?.stored.signed_in_at_ms ?? receivedAtMs,
    expires_at_ms: endAtMs,
    clock_offset_ms: offset,
    ...(refreshToken !== undefined && { refresh_token: refreshToken }),
    ...(scope !== undefined && { scope }),
    ...(dpop && result.token_type === 'dpop' && { dpop_jkt: dpop.jkt }),
  };
  return { stored, user };
}
