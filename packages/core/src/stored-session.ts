import { decodeJwtPayload, type JsonObject } from './jwt.ts';

/** The ID token's claims, as verified at sign-in. */
export interface UserClaims extends JsonObject {
  readonly sub: string;
  readonly iss: string;
  readonly exp: number;
  readonly name?: string;
  readonly email?: string;
}

/** What Latchkey keeps in the store, version 1. Spec fields keep spec spelling. */
export interface StoredSession {
  readonly v: 1;
  readonly issuer: string;
  readonly client_id: string;
  readonly id_token: string;
  readonly access_token: string;
  readonly token_type: string;
  /** When the last token response was received, on this browser's clock. */
  readonly issued_at_ms: number;
  /**
   * When the sign-in this session comes from completed (kept through refreshes). A logout after it
   * ends the session and every refresh of it, wherever a refresh was still on its way.
   */
  readonly signed_in_at_ms: number;
  /**
   * When the session ends, on this browser's clock: the access token's expiry (receipt time +
   * `expires_in`), or the ID token's `exp` if that comes first.
   */
  readonly expires_at_ms: number;
  readonly refresh_token?: string;
  readonly scope?: string;
  /** Provider clock minus local clock, measured from the ID token's `iat` at receipt. */
  readonly clock_offset_ms: number;
  /**
   * The tokens are DPoP-bound (RFC 9449) to the key with this JWK thumbprint (the access token's
   * `cnf.jkt`); the key itself is kept apart, non-extractable, in IndexedDB.
   */
  readonly dpop_jkt?: string;
}

/** A stored session read back and checked, with what the state needs. */
export interface RestoredSession {
  readonly stored: StoredSession;
  readonly user: UserClaims;
}

// A stored session is a few KB; anything much larger is garbage (or an attack on memory).
const MAX_STORED_LENGTH = 64 * 1024;

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Reads back what a store held for this issuer and client. Anything that is not exactly a session
 * Latchkey wrote — wrong shape, not a JWT, other issuer or client — is `undefined`, never a throw.
 */
export function parseStoredSession(raw: unknown, issuer: string, clientId: string): RestoredSession | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_STORED_LENGTH) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const s = value as Record<string, unknown>;
  if (
    s['v'] !== 1 ||
    s['issuer'] !== issuer ||
    s['client_id'] !== clientId ||
    typeof s['id_token'] !== 'string' ||
    typeof s['access_token'] !== 'string' ||
    s['access_token'] === '' ||
    typeof s['token_type'] !== 'string' ||
    !isFiniteNumber(s['expires_at_ms']) ||
    !isFiniteNumber(s['issued_at_ms']) ||
    !isFiniteNumber(s['clock_offset_ms']) ||
    (s['signed_in_at_ms'] !== undefined && !isFiniteNumber(s['signed_in_at_ms'])) ||
    (s['refresh_token'] !== undefined && (typeof s['refresh_token'] !== 'string' || s['refresh_token'] === '')) ||
    (s['scope'] !== undefined && typeof s['scope'] !== 'string') ||
    (s['dpop_jkt'] !== undefined && (typeof s['dpop_jkt'] !== 'string' || s['dpop_jkt'] === ''))
  ) {
    return undefined;
  }
  const claims = decodeJwtPayload(s['id_token']);
  if (!claims || typeof claims['sub'] !== 'string' || claims['sub'] === '' || !isFiniteNumber(claims['exp'])) return undefined;
  // The token was verified against the provider's metadata at sign-in; here it only has to be this issuer's.
  if (typeof claims['iss'] !== 'string' || URL.parse(claims['iss'])?.href !== issuer) return undefined;
  const aud = claims['aud'];
  if (!(aud === clientId || (Array.isArray(aud) && aud.includes(clientId)))) return undefined;
  const stored: StoredSession = {
    v: 1,
    issuer,
    client_id: clientId,
    id_token: s['id_token'],
    access_token: s['access_token'],
    token_type: s['token_type'],
    issued_at_ms: s['issued_at_ms'],
    // Sessions stored before this field existed count from their last token response.
    signed_in_at_ms: (s['signed_in_at_ms'] as number | undefined) ?? s['issued_at_ms'],
    expires_at_ms: s['expires_at_ms'],
    clock_offset_ms: s['clock_offset_ms'],
    ...(s['refresh_token'] !== undefined && { refresh_token: s['refresh_token'] as string }),
    ...(s['scope'] !== undefined && { scope: s['scope'] as string }),
    ...(s['dpop_jkt'] !== undefined && { dpop_jkt: s['dpop_jkt'] as string }),
  };
  return { stored, user: claims as UserClaims };
}
