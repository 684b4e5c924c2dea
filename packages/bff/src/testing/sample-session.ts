import type { ServerSession } from '../stores/types.ts';

/** The instant sample sessions start at, unless `createdAtMs` says otherwise. */
export const SAMPLE_NOW_MS = 1_800_000_000_000;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A realistic {@link ServerSession} for tests: an ID token shaped like a JWT (not signed: no store
 * checks a signature), an access and a refresh token unique to each call, claims, and times from
 * `createdAtMs` (default {@link SAMPLE_NOW_MS}). `sub` and `sid` from `overrides` reach the claims too;
 * `sid: undefined` makes a session without one.
 */
export function sampleSession(overrides: Partial<ServerSession> = {}): ServerSession {
  const sub = overrides.sub ?? 'user-1';
  const sid = 'sid' in overrides ? overrides.sid : 'sid-1';
  const atMs = overrides.createdAtMs ?? SAMPLE_NOW_MS;
  const iat = Math.floor(atMs / 1000);
  const issuer = 'https://idp.example.com/';
  const clientId = 'latchkey-bff';
  const user = {
    iss: issuer,
    sub,
    aud: clientId,
    exp: iat + 3600,
    iat,
    auth_time: iat,
    ...(sid !== undefined && { sid }),
    name: 'Ada Lovelace',
    email: 'ada@example.com',
  };
  const unique = globalThis.crypto.randomUUID();
  return {
    v: 1,
    sub,
    ...(sid !== undefined && { sid }),
    version: 1,
    tokens: {
      stored: {
        v: 1,
        issuer,
        client_id: clientId,
        id_token: `${base64url({ alg: 'RS256', typ: 'JWT', kid: 'sample-key' })}.${base64url(user)}.${base64url(`signature-${unique}`)}`,
        access_token: `access-${unique}`,
        token_type: 'Bearer',
        issued_at_ms: atMs,
        signed_in_at_ms: atMs,
        expires_at_ms: atMs + 3600_000,
        refresh_token: `refresh-${unique}`,
        scope: 'openid profile email offline_access',
        clock_offset_ms: 0,
      },
      user,
    },
    createdAtMs: atMs,
    lastSeenAtMs: atMs,
    absoluteEndsAtMs: atMs + 8 * 3600_000,
    ...overrides,
  };
}
