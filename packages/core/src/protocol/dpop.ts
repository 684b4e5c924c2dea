import * as oauth from 'oauth4webapi';
import { clientOf, type Provider } from './provider.ts';

/**
 * A DPoP key (RFC 9449) as the protocol uses it: the pair, its JWK thumbprint (the tokens' `cnf.jkt`),
 * and oauth4webapi's handle, which signs the token endpoint's proofs and keeps that endpoint's nonce.
 */
export interface DpopKey {
  readonly pair: CryptoKeyPair;
  readonly jkt: string;
  readonly handle: oauth.DPoPHandle;
  /** The public key as the `jwk` header of every API proof, exported once. */
  readonly jwk: Readonly<Pick<JsonWebKey, 'kty' | 'crv' | 'x' | 'y'>>;
  /** The provider's clock offset the handle's proofs carry in their `iat` (oauth4webapi fixes it per handle). */
  readonly clockOffsetMs: number;
}

const ES256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * A new ES256 key pair whose private half can never be exported (`extractable: false`; WebCrypto keeps
 * a public key extractable, as a proof needs its JWK).
 */
export function generateDpopKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ES256, false, ['sign', 'verify']);
}

/** The key as the protocol uses it, with the provider's clock offset in its proofs' `iat`. */
export async function dpopKey(provider: Provider, pair: CryptoKeyPair, clockOffsetMs = 0): Promise<DpopKey> {
  const handle = oauth.DPoP(clientOf(provider, clockOffsetMs), pair);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { pair, jkt: await handle.calculateThumbprint(), handle, jwk: { kty, crv, x, y }, clockOffsetMs };
}

/** oauth4webapi's request option for `key`, when there is one. */
export function dpopOption(key: DpopKey | undefined): { DPoP?: oauth.DPoPHandle } {
  return key ? { DPoP: key.handle } : {};
}

/**
 * Sends a request to the provider, and once more when the provider answers `use_dpop_nonce` (RFC 9449 §8): the
 * handle has kept the nonce from that answer by then. Never a second retry: a provider that keeps
 * asking gets its answer processed as the failure it is.
 */
export async function withDpopNonceRetry(key: DpopKey | undefined, send: () => Promise<Response>): Promise<Response> {
  const response = await send();
  if (!key || !response.headers.has('dpop-nonce')) return response;
  // A resource server (userinfo) says so in its challenge (§9), a token endpoint in its 400's body (§8).
  if (asksForDpopNonce(response)) return send();
  if (response.status !== 400) return response;
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { error?: unknown } | null;
  return body?.error === 'use_dpop_nonce' ? send() : response;
}

/** An HTTP answer as far as a nonce challenge is concerned (a `Response`, or Angular's `HttpErrorResponse`). */
export interface ChallengeResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
}

/**
 * A resource server's 401 that asks for its nonce (RFC 9449 §9): a `use_dpop_nonce` error in its
 * `WWW-Authenticate` challenge of the DPoP scheme, with the nonce in `DPoP-Nonce`.
 */
export function asksForDpopNonce(response: ChallengeResponse): boolean {
  return (
    response.status === 401 &&
    response.headers.get('dpop-nonce') !== null &&
    /\bDPoP\s[^]*\berror="?use_dpop_nonce/i.test(response.headers.get('www-authenticate') ?? '')
  );
}

const b64u = (bytes: ArrayBuffer | Uint8Array): string => {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const b64uJson = (value: object): string => b64u(new TextEncoder().encode(JSON.stringify(value)));

export interface ProofRequest {
  /** The HTTP method, e.g. `GET`. */
  readonly method: string;
  readonly url: URL;
  /** The access token the request carries (its hash is the proof's `ath`). */
  readonly accessToken: string;
  /** The resource server's last `DPoP-Nonce`. */
  readonly nonce?: string | undefined;
  readonly nowMs: number;
}

/**
 * A DPoP proof for a request to a resource server (RFC 9449 §4.2, §7): `typ` `dpop+jwt`, ES256, the
 * public JWK in the header; `jti`, `htm`, `htu` (without query and fragment), `iat`, `ath` and the
 * server's `nonce`. Written here, not taken from oauth4webapi, because its handle adds proofs only inside
 * its own request functions, and API calls go through the app's transport (Angular's `HttpClient`,
 * with its interceptors and cancellation), not oauth4webapi's `fetch`.
 */
export async function createDpopProof(key: DpopKey, request: ProofRequest): Promise<string> {
  const header = b64uJson({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk });
  const ath = b64u(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(request.accessToken)));
  const payload = b64uJson({
    jti: b64u(crypto.getRandomValues(new Uint8Array(16))),
    htm: request.method.toUpperCase(),
    htu: request.url.origin + request.url.pathname,
    iat: Math.floor(request.nowMs / 1000),
    ath,
    ...(request.nonce !== undefined && { nonce: request.nonce }),
  });
  const input = `${header}.${payload}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.pair.privateKey, new TextEncoder().encode(input));
  return `${input}.${b64u(signature)}`;
}
