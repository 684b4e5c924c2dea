import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { DpopNonces, ProofReplayCache, readProof, toFetchRequest, type ProofParts } from './dpop.ts';
import { isProviderFailure, refusalFor, type Refusal } from './refusals.ts';

export interface ApiOptions {
  readonly port: number;
  /** The provider whose access tokens are accepted; its JWKS is found through discovery. */
  readonly issuer: string;
  /** This API's identifier: the `aud` an access token must carry (RFC 8707 resource). */
  readonly audience: string;
  /** The browser origins allowed to call (CORS). */
  readonly allowedOrigins: readonly string[];
  /**
   * The origin clients reach this API at, which DPoP proofs' `htu` must name (default: the origin of
   * `audience`). Never taken from the request's Host or X-Forwarded-* headers.
   */
  readonly publicOrigin?: string;
  /** Refuse bearer tokens: only DPoP-bound access tokens with a DPoP proof (default false). */
  readonly requireDpop?: boolean;
  /** Require this API's own nonce in DPoP proofs (RFC 9449 §9, `use_dpop_nonce`) (default false). */
  readonly dpopNonce?: boolean;
  /** How many DPoP proofs the replay cache holds at most (default 10,000); beyond that, 503. */
  readonly dpopReplayCacheSize?: number;
}

export interface Api {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** oauth4webapi wants https; http is allowed for this machine only (the demo's provider on http://localhost). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const insecureAllowed = (url: string) => {
  const { protocol, hostname } = new URL(url);
  return protocol === 'http:' && LOOPBACK_HOSTS.has(hostname);
};
const realm = 'latchkey-demo-api';
/** What the provider's access tokens may be signed with. */
const SIGNING_ALGORITHMS = ['RS256', 'PS256', 'ES256'];
/** What DPoP proofs may be signed with, as the challenge's `algs` says (RFC 9449 §7.1). */
const DPOP_ALGORITHMS = ['ES256'];
/** RFC 6750 §3: error_description is a quoted string without `"` or `\`. */
const quoted = (value: string) => `"${value.replace(/[^\x20-\x7e]|["\\]/g, "'")}"`;

/**
 * The `WWW-Authenticate` challenge(s) of a 401 (RFC 6750 §3, RFC 9449 §7.1): `DPoP` for DPoP requests,
 * `Bearer` for bearer ones, both when the request had no credentials and DPoP is optional.
 */
function challenge(schemes: readonly ('Bearer' | 'DPoP')[], refusal?: Refusal): string {
  const error = refusal ? `, error=${quoted(refusal.error)}, error_description=${quoted(refusal.description)}` : '';
  const algs = `, algs="${DPOP_ALGORITHMS.join(' ')}"`;
  return schemes.map((scheme) => `${scheme} realm="${realm}"${scheme === 'DPoP' ? algs : ''}${error}`).join(', ');
}

/** The `publicOrigin` option (an origin, or startApi throws), else the origin of an http(s) `audience`. */
function configuredOrigin(options: ApiOptions): string | undefined {
  if (options.publicOrigin === undefined) {
    const audience = URL.canParse(options.audience) ? new URL(options.audience) : undefined;
    return audience?.protocol === 'https:' || audience?.protocol === 'http:' ? audience.origin : undefined;
  }
  const url = new URL(options.publicOrigin);
  if (`${url.origin}/` !== url.href) throw new TypeError(`publicOrigin must be an origin, not ${options.publicOrigin}`);
  return url.origin;
}

/**
 * The demo's resource server: `GET /api/public` for anyone, `GET /api/private` only with a JWT access
 * token for this audience (RFC 9068 tokens from oidc-provider's resource indicators), verified with
 * oauth4webapi's `validateJwtAccessToken` against the provider's keys: a bearer token, or a DPoP-bound one
 * (`cnf.jkt`) with its proof (RFC 9449), each proof accepted once, with this API's nonce if `dpopNonce`.
 * Anything else gets 401 with `WWW-Authenticate` (RFC 6750, RFC 9449).
 */
export async function startApi(options: ApiOptions): Promise<Api> {
  // The origin DPoP proofs' htu must name; for an audience that is no URL, this API's own (set once listening).
  let publicOrigin = configuredOrigin(options) ?? '';
  const replays = new ProofReplayCache(options.dpopReplayCacheSize);
  const nonces = options.dpopNonce ? new DpopNonces() : undefined;
  const timeout = () => AbortSignal.timeout(5_000);

  // Discovery on first use, so the API may start before the provider; a failed one is tried again.
  let metadata: Promise<Provider> | undefined;
  /** The provider's metadata and the options its access tokens are validated with, once. */
  interface Provider {
    readonly as: oauth.AuthorizationServer;
    readonly validation: oauth.ValidateJWTAccessTokenOptions;
  }
  const discover = async (): Promise<Provider> => {
    const issuer = new URL(options.issuer);
    const response = await oauth.discoveryRequest(issuer, {
      signal: timeout,
      [oauth.allowInsecureRequests]: insecureAllowed(issuer.href),
    });
    const as = await oauth.processDiscoveryResponse(issuer, response);
    if (typeof as.jwks_uri !== 'string') throw new Error("the provider's metadata has no jwks_uri");
    return {
      as,
      validation: {
        signingAlgorithms: SIGNING_ALGORITHMS,
        requireDPoP: options.requireDpop ?? false,
        [oauth.allowInsecureRequests]: insecureAllowed(as.jwks_uri),
      },
    };
  };
  const provider = () =>
    (metadata ??= discover().catch((error: unknown) => {
      metadata = undefined;
      throw error;
    }));

  function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const origin = req.headers.origin;
    const cors: Record<string, string> =
      origin && options.allowedOrigins.includes(origin)
        ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'WWW-Authenticate, DPoP-Nonce', Vary: 'Origin' }
        : {};
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...cors, ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  /** 401 with the challenge of `scheme`, or Bearer and DPoP for a request without credentials. */
  function unauthorized(
    req: IncomingMessage,
    res: ServerResponse,
    scheme: 'Bearer' | 'DPoP' | undefined,
    refusal: Refusal,
    headers: Record<string, string> = {},
  ) {
    const schemes = scheme ? [scheme] : options.requireDpop ? (['DPoP'] as const) : (['Bearer', 'DPoP'] as const);
    const body = { error: scheme ? refusal.error : 'unauthorized', error_description: refusal.description };
    send(req, res, 401, body, { 'WWW-Authenticate': challenge(schemes, scheme ? refusal : undefined), ...headers });
  }

  async function handlePrivate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const header = req.headers.authorization ?? '';
    const proofs = req.headersDistinct['dpop'] ?? [];
    const match = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
    const dpopScheme = /^DPoP(?: |$)/i.test(header);
    // A DPoP challenge for DPoP requests (the DPoP scheme or a proof) and when DPoP is required.
    const scheme = options.requireDpop || dpopScheme || proofs.length > 0 ? 'DPoP' : 'Bearer';
    if (!header) {
      const description = options.requireDpop
        ? 'A DPoP-bound access token is required: Authorization: DPoP <token> with a DPoP proof.'
        : 'An access token is required: Authorization: Bearer <token>, or DPoP <token> with a DPoP proof.';
      return unauthorized(req, res, undefined, { error: 'invalid_request', description });
    }
    const refuse = (refusal: Refusal, headers?: Record<string, string>) => unauthorized(req, res, scheme, refusal, headers);
    if (!match) return refuse({ error: 'invalid_request', description: 'The Authorization header is not Bearer <token> or DPoP <token>.' });
    if (options.requireDpop && !dpopScheme) {
      return refuse({
        error: 'invalid_token',
        description: 'This API accepts DPoP-bound access tokens only: Authorization: DPoP <token> with a DPoP proof.',
      });
    }
    if (proofs.length > 1) return refuse({ error: 'invalid_dpop_proof', description: 'The request has more than one DPoP header.' });
    const proofJwt = proofs[0];
    let proof: ProofParts | undefined;
    if (proofJwt !== undefined) {
      proof = readProof(proofJwt);
      if (!proof) return refuse({ error: 'invalid_dpop_proof', description: 'The DPoP proof is not a JWT.' });
      // oauth4webapi checks a proof's alg against the access tokens' list.
      if (!DPOP_ALGORITHMS.includes(String(proof.header['alg']))) {
        return refuse({ error: 'invalid_dpop_proof', description: `The DPoP proof is not signed with ${DPOP_ALGORITHMS.join(' or ')}.` });
      }
    } else if (dpopScheme) {
      return refuse({ error: 'invalid_dpop_proof', description: 'The DPoP scheme needs a DPoP proof (the DPoP header).' });
    }

    const { as, validation } = await provider();
    let claims: oauth.JWTAccessTokenClaims;
    try {
      claims = await oauth.validateJwtAccessToken(as, toFetchRequest(req, publicOrigin), options.audience, {
        ...validation,
        signal: timeout,
      });
    } catch (error) {
      if (isProviderFailure(error)) throw error;
      return refuse(refusalFor(error, proofJwt, proof));
    }

    // oauth4webapi has verified the proof and its key binding (a proof exactly when the token has cnf.jkt);
    // what it leaves to the API: nonce and replay.
    const jkt = claims.cnf?.jkt;
    const headers: Record<string, string> = {};
    if (proof && jkt !== undefined) {
      if (nonces && !nonces.accepts(proof.claims['nonce'])) {
        const description =
          proof.claims['nonce'] === undefined
            ? 'This API requires a nonce in DPoP proofs: use the one in the DPoP-Nonce header.'
            : "The DPoP proof's nonce is not current: use the one in the DPoP-Nonce header.";
        return refuse({ error: 'use_dpop_nonce', description }, { 'DPoP-Nonce': nonces.current() });
      }
      const use = replays.use(jkt, String(proof.claims['jti']), Number(proof.claims['iat']));
      if (use === 'replay') {
        return refuse({
          error: 'invalid_dpop_proof',
          description: 'The DPoP proof has been used before: send a new one (a new jti) with each request.',
        });
      }
      if (use === 'full') {
        console.error('api: the DPoP replay cache is full');
        return send(req, res, 503, { error: 'temporarily_unavailable' }, { 'Retry-After': '10' });
      }
      // The nonce rotated since the proof's: the next proof should carry the new one.
      if (nonces && proof.claims['nonce'] !== nonces.current()) headers['DPoP-Nonce'] = nonces.current();
    }
    const dpop = proof !== undefined;
    return send(
      req,
      res,
      200,
      {
        message: `Hello ${claims.sub}: your ${dpop ? 'DPoP-bound ' : ''}access token for ${options.audience} checks out.`,
        sub: claims.sub,
        scope: claims.scope ?? '',
        expiresAt: new Date(claims.exp * 1000).toISOString(),
        dpop,
        jkt: dpop ? jkt : null,
      },
      headers,
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'OPTIONS') {
      const origin = req.headers.origin;
      if (!origin || !options.allowedOrigins.includes(origin)) return send(req, res, 403, { error: 'origin_not_allowed' });
      res.writeHead(204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': 'Authorization, DPoP',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      });
      res.end();
      return;
    }
    if (req.method !== 'GET') return send(req, res, 405, { error: 'method_not_allowed' }, { Allow: 'GET, OPTIONS' });
    if (url.pathname === '/api/public') {
      return send(req, res, 200, { message: 'Hello from a public endpoint: no token needed.', time: new Date().toISOString() });
    }
    if (url.pathname !== '/api/private') return send(req, res, 404, { error: 'not_found' });
    return handlePrivate(req, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const code = (error as { code?: unknown } | null)?.code;
      console.error('api: request failed:', error instanceof Error ? error.name : 'Error', typeof code === 'string' ? code : '');
      if (!res.headersSent) send(req, res, 503, { error: 'temporarily_unavailable' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  publicOrigin ||= `http://localhost:${port}`;
  return {
    url: `http://localhost:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
