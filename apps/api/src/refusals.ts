import * as oauth from 'oauth4webapi';
import { PROOF_IAT_WINDOW_S, type ProofParts } from './dpop.ts';

/** Why a request to /api/private is refused (401): an RFC 6750 / RFC 9449 error code and what failed. */
export interface Refusal {
  readonly error: 'invalid_request' | 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce';
  /** Which check failed; never the token or the proof. */
  readonly description: string;
}

/** oauth4webapi's codes for a provider whose metadata or keys cannot be fetched or used. */
const PROVIDER_CODES = new Set<string | undefined>([
  oauth.RESPONSE_IS_NOT_CONFORM,
  oauth.RESPONSE_IS_NOT_JSON,
  oauth.HTTP_REQUEST_FORBIDDEN,
  oauth.REQUEST_PROTOCOL_FORBIDDEN,
  oauth.MISSING_SERVER_METADATA,
  oauth.INVALID_SERVER_METADATA,
  oauth.WWW_AUTHENTICATE_CHALLENGE,
]);

/**
 * Whether `validateJwtAccessToken` failed on the provider's side (its JWKS unreachable, slow or unusable):
 * the API's problem (503), not the token's.
 */
export function isProviderFailure(error: unknown): boolean {
  if (error instanceof DOMException) return error.name === 'TimeoutError' || error.name === 'AbortError';
  // fetch's own failure is a TypeError; oauth4webapi's argument checks are TypeErrors with a code.
  if (error instanceof TypeError) return !('code' in error);
  if (error instanceof oauth.WWWAuthenticateChallengeError) return true;
  if (!(error instanceof oauth.OperationProcessingError)) return false;
  // The messages of oauth4webapi's checks of the JWKS response name it: '"response" body …'.
  return PROVIDER_CODES.has(error.code) || error.message.includes('"response"');
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Whether oauth4webapi's error is about the DPoP proof rather than the access token: both go through the
 * same JWT checks with the same messages, and its `cause` holds what was checked (the proof's header or
 * claims, the signed bytes, or the JWT itself).
 */
function aboutProof(error: Error, proof: ProofParts, proofJwt: string): boolean {
  if (error.message.startsWith('DPoP Proof')) return true;
  const cause: unknown = error.cause;
  if (typeof cause === 'string') return cause === proofJwt;
  if (!isObject(cause)) return false;
  if (cause['data'] instanceof Uint8Array) return Buffer.from(cause['data']).toString('utf8') === proof.signingInput;
  if ('header' in cause) return sameJson(cause['header'], proof.header);
  if ('claims' in cause) return sameJson(cause['claims'], proof.claims);
  return false;
}

/** The failures about the binding of the token to the proof's key (RFC 9449 §6, §7.1, §7.2): invalid_token. */
function bindingFailure(message: string): string | undefined {
  if (message === 'JWT Access Token confirmation mismatch') {
    return "Invalid DPoP key binding: the DPoP proof's key is not the one the access token is bound to (cnf.jkt).";
  }
  if (message.endsWith('the request has no DPoP HTTP Header')) {
    return 'The access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof, not as a bearer token.';
  }
  if (message.endsWith('Authorization HTTP Header scheme is not DPoP')) {
    return 'The access token is DPoP-bound: send it with the DPoP scheme (Authorization: DPoP), not Bearer.';
  }
  if (message.endsWith('has no jkt confirmation claim') || message.startsWith('JWT "cnf" (confirmation) claim missing')) {
    return 'The access token is not DPoP-bound (no cnf.jkt claim): it cannot be sent with the DPoP scheme or a DPoP proof.';
  }
  if (/confirmation claim|confirmation method|"cnf" \(confirmation\) claim value/i.test(message)) {
    return "The access token's cnf claim is not a DPoP binding (cnf.jkt) this API supports.";
  }
  return undefined;
}

/** What failed in a JWT check oauth4webapi runs on both the access token and the proof. */
function jwtFailure(error: Error & { code?: string }, subject: 'The access token' | 'The DPoP proof'): string {
  const { message } = error;
  const cause: unknown = error.cause;
  const claim = isObject(cause) && typeof cause['claim'] === 'string' ? cause['claim'] : undefined;
  const proof = subject === 'The DPoP proof';
  if (message === 'DPoP Proof iat is not recent enough') {
    const iat = isObject(cause) && isObject(cause['claims']) ? cause['claims']['iat'] : undefined;
    const now = isObject(cause) ? cause['now'] : undefined;
    return typeof iat === 'number' && typeof now === 'number' && iat > now
      ? `The DPoP proof's iat is more than ${PROOF_WINDOW} in the future.`
      : `The DPoP proof is too old: its iat is more than ${PROOF_WINDOW} ago.`;
  }
  if (message === 'DPoP Proof htm mismatch') return "The DPoP proof's htm does not match this request.";
  if (message === 'DPoP Proof htu mismatch') return "The DPoP proof's htu does not match this request.";
  if (message === 'DPoP Proof ath mismatch') return "The DPoP proof's ath does not match the access token.";
  if (message.startsWith('DPoP Proof jwk header parameter')) return "The DPoP proof's jwk header is not a public key.";
  if (error.code === oauth.JWT_TIMESTAMP_CHECK && claim === 'exp') return `${subject} has expired.`;
  if (error.code === oauth.JWT_TIMESTAMP_CHECK && claim === 'nbf') return `${subject} is not valid yet (nbf).`;
  if (error.code === oauth.JWT_CLAIM_COMPARISON && claim) return `${subject}'s ${claim} claim is not accepted here.`;
  if (error.code === oauth.KEY_SELECTION) return `${subject} is not signed with one of the provider's keys.`;
  const missing = /^JWT "(\w+)" \([\w ]+\) claim missing$/.exec(message);
  if (missing) return `${subject} has no ${missing[1]} claim.`;
  const type = /^unexpected JWT "(\w+)" (?:\([\w ]+\) )?claim type$/.exec(message);
  if (type) return `${subject}'s ${type[1]} claim has the wrong type.`;
  if (message === 'unexpected JWT "typ" header parameter value') return `${subject}'s typ is not ${proof ? 'dpop+jwt' : 'at+jwt'}.`;
  if (message === 'unexpected JWT "alg" header parameter') return `${subject} is not signed with RS256, PS256 or ES256.`;
  if (message === 'JWT signature verification failed') return `${subject}'s signature does not verify.`;
  if (message.startsWith('JWE decryption')) return `${subject} is encrypted (JWE): a signed JWT is expected.`;
  if (message.includes('"crit"')) return `${subject} has a crit header this API does not support.`;
  if (error.code === oauth.PARSE_ERROR || /^(Invalid JWT|JWT (Header|Payload) must be|The input to be decoded)/.test(message)) {
    return `${subject} is not a well-formed JWT.`;
  }
  return proof ? 'The DPoP proof is not valid for this request.' : 'The access token is not valid for this API.';
}
const PROOF_WINDOW = `${PROOF_IAT_WINDOW_S} seconds`;

/**
 * The refusal for an error `validateJwtAccessToken` threw (not a provider failure): invalid_token for the
 * access token and its key binding, invalid_dpop_proof for the proof (RFC 9449 §7.1), with which check
 * failed. `proofJwt` / `proof` are the DPoP header as sent and decoded, when there was one.
 */
export function refusalFor(error: unknown, proofJwt?: string, proof?: ProofParts): Refusal {
  if (!(error instanceof Error)) return { error: 'invalid_token', description: 'The access token is not valid for this API.' };
  const binding = bindingFailure(error.message);
  if (binding) return { error: 'invalid_token', description: binding };
  if (proof && proofJwt && aboutProof(error, proof, proofJwt)) {
    return { error: 'invalid_dpop_proof', description: jwtFailure(error, 'The DPoP proof') };
  }
  return { error: 'invalid_token', description: jwtFailure(error, 'The access token') };
}
