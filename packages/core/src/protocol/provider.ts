import * as oauth from 'oauth4webapi';
import { isAllowedEndpoint, isLoopback } from '../transport.ts';
import { withDeadline, type Clock } from './deadline.ts';
import { discoveryError, insecureEndpoint, missingEndpoint, unreachable } from './errors.ts';

/** How the client authenticates at the token endpoint: `None()` for a public client (browser mode). */
export type ClientAuth = oauth.ClientAuth;

export interface ProviderOptions {
  /** The configured issuer; the discovery document must name exactly this one. */
  readonly issuer: URL;
  readonly clientId: string;
  /** Default `oauth.None()` (a public client); a server passes `ClientSecretBasic(…)` or `PrivateKeyJwt(…)`. */
  readonly clientAuth?: ClientAuth;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
}

/**
 * The provider as Latchkey talks to it: its metadata (fetched once, on first use), the client, and the
 * transport rules for its endpoints. Every protocol function takes one; it holds no session state.
 */
export interface Provider {
  readonly issuer: URL;
  readonly clientId: string;
  readonly clientAuth: ClientAuth;
  readonly clock: Clock;
  /** `fetch` with the request deadline. */
  readonly fetch: typeof fetch;
  /** The cached metadata (a failed fetch is not cached). */
  metadata?: Promise<oauth.AuthorizationServer>;
  /** The metadata object oauth4webapi keeps the JWKS cache on (see signature.ts). */
  jwksAs?: oauth.AuthorizationServer;
}

/** `client_secret_basic` (RFC 6749 §2.3.1): a confidential client on a server, the BFF. */
export function clientSecretBasic(secret: string): ClientAuth {
  return oauth.ClientSecretBasic(secret);
}

/**
 * `private_key_jwt` (RFC 7523; OpenID Connect Core §9): the client signs an assertion with its own
 * key, whose public half the provider has registered.
 */
export function privateKeyJwt(key: CryptoKey, kid?: string): ClientAuth {
  return oauth.PrivateKeyJwt(kid === undefined ? key : { key, kid });
}

export function createProvider(options: ProviderOptions): Provider {
  return {
    issuer: options.issuer,
    clientId: options.clientId,
    clientAuth: options.clientAuth ?? oauth.None(),
    clock: options.clock,
    fetch: withDeadline(options.fetch, options.clock),
  };
}

/** oauth4webapi's request options: our transport, and plain http only for a loopback issuer. */
export function requestOptions<T extends object>(
  provider: Provider,
  extra?: T,
  fetchImpl: typeof fetch = provider.fetch,
): T & { [oauth.customFetch]: typeof fetch; [oauth.allowInsecureRequests]: boolean } {
  return { ...(extra as T), [oauth.customFetch]: fetchImpl, [oauth.allowInsecureRequests]: isLoopback(provider.issuer) };
}

/** The oauth4webapi client, with the provider's clock offset as its clock skew. */
export function clientOf(provider: Provider, clockOffsetMs = 0): oauth.Client {
  return { client_id: provider.clientId, [oauth.clockSkew]: Math.round(clockOffsetMs / 1000) };
}

/**
 * The provider's metadata, fetched on first use and cached; a failed fetch is not cached, so a retry
 * tries again.
 *
 * @throws LatchkeyError `LATCHKEY_PROVIDER_UNREACHABLE`, `LATCHKEY_ISSUER_MISMATCH`, `LATCHKEY_DISCOVERY_INVALID`,
 *   `LATCHKEY_INSECURE_ENDPOINT`
 * @see OpenID Connect Discovery 1.0 §4
 */
export function metadata(provider: Provider): Promise<oauth.AuthorizationServer> {
  provider.metadata ??= discover(provider).catch((error: unknown) => {
    provider.metadata = undefined;
    throw error;
  });
  return provider.metadata;
}

const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'end_session_endpoint',
  'revocation_endpoint',
  'userinfo_endpoint',
] as const;
const REQUIRED = ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const;

async function discover(provider: Provider): Promise<oauth.AuthorizationServer> {
  const issuer = provider.issuer;
  let response: Response;
  try {
    response = await oauth.discoveryRequest(issuer, requestOptions(provider, { algorithm: 'oidc' as const }));
  } catch (cause) {
    throw unreachable(cause);
  }
  if (response.status >= 500) throw unreachable(undefined, response.status);
  let as: oauth.AuthorizationServer;
  try {
    as = await oauth.processDiscoveryResponse(issuer, response);
  } catch (cause) {
    throw discoveryError(cause, issuer, response.status);
  }
  for (const field of ENDPOINTS) {
    const value = as[field];
    if (value === undefined) continue;
    const url = URL.parse(value);
    if (!url || !isAllowedEndpoint(url)) throw insecureEndpoint(field);
  }
  for (const field of REQUIRED) if (!as[field]) throw missingEndpoint(field);
  return as;
}
