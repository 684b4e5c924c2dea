import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from 'jose';

/** A DPoP proof as the fake provider (or a test's resource server) received and checked it. */
export interface CheckedProof {
  readonly jkt: string;
  readonly htm: string;
  readonly htu: string;
  readonly jti: string;
  /** The proof's `iat` (seconds). */
  readonly iat: number;
  readonly ath?: string;
  readonly nonce?: string;
}

/** What a DPoP check refused, as the OAuth error the server answers with. */
export class DpopRefusal extends Error {
  constructor(readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce') {
    super(error);
  }
}

/**
 * Checks a `DPoP` header as RFC 9449 §4.3 asks (signature with the embedded ES256 key, `typ`, `htm`,
 * `htu`, `iat` within a minute, a `jti`), and the server's nonce when it requires one. For the fake
 * provider of core's unit tests: the real dev provider (oidc-provider) checks proofs in browser tests.
 */
export async function checkProof(
  header: string | null,
  expected: { htm: string; htu: string; nonce?: string | undefined; nowS: number },
): Promise<CheckedProof | undefined> {
  if (header === null) return undefined;
  let payload: Record<string, unknown>;
  let jwk: JWK;
  try {
    ({ payload } = await jwtVerify(header, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] }));
    jwk = decodeProtectedHeader(header).jwk as JWK;
  } catch {
    throw new DpopRefusal('invalid_dpop_proof');
  }
  const iat = payload['iat'];
  if (
    payload['htm'] !== expected.htm ||
    payload['htu'] !== expected.htu ||
    typeof payload['jti'] !== 'string' ||
    typeof iat !== 'number' ||
    Math.abs(iat - expected.nowS) > 60 ||
    'd' in jwk
  ) {
    throw new DpopRefusal('invalid_dpop_proof');
  }
  if (expected.nonce !== undefined && payload['nonce'] !== expected.nonce) throw new DpopRefusal('use_dpop_nonce');
  return {
    jkt: await calculateJwkThumbprint(jwk),
    htm: payload['htm'] as string,
    htu: payload['htu'] as string,
    jti: payload['jti'],
    iat,
    ...(typeof payload['ath'] === 'string' && { ath: payload['ath'] }),
    ...(typeof payload['nonce'] === 'string' && { nonce: payload['nonce'] }),
  };
}

/** A fresh server nonce. */
export const newNonce = (): string => randomBytes(16).toString('base64url');
