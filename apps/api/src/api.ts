import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

export interface ApiOptions {
  readonly port: number;
  /** The provider whose access tokens are accepted; its JWKS is found through discovery. */
  readonly issuer: string;
  /** This API's identifier: the `aud` an access token must carry (RFC 8707 resource). */
  readonly audience: string;
  /** The browser origins allowed to call (CORS). */
  readonly allowedOrigins: readonly string[];
}

export interface Api {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * The demo's resource server: `GET /api/public` for anyone, `GET /api/private` only with a JWT access
 * token for this audience, verified with jose against the provider's keys (RFC 9068 tokens from
 * oidc-provider's resource indicators). Anything else gets 401 with `WWW-Authenticate` (RFC 6750).
 */
export async function startApi(options: ApiOptions): Promise<Api> {
  let jwks: JWTVerifyGetKey | undefined;
  // Discovery on first use, so the API may start before the provider.
  const keys = async (): Promise<JWTVerifyGetKey> => {
    if (jwks) return jwks;
    const response = await fetch(
      new URL('.well-known/openid-configuration', options.issuer.endsWith('/') ? options.issuer : `${options.issuer}/`),
    );
    const metadata = (await response.json()) as { issuer: string; jwks_uri: string };
    jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
    return jwks;
  };

  const realm = 'latchkey-demo-api';
  function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const origin = req.headers.origin;
    const cors: Record<string, string> =
      origin && options.allowedOrigins.includes(origin)
        ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'WWW-Authenticate', Vary: 'Origin' }
        : {};
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...cors, ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  function unauthorized(req: IncomingMessage, res: ServerResponse, error: string | undefined, description: string) {
    const challenge = [`Bearer realm="${realm}"`, ...(error ? [`error="${error}"`, `error_description="${description}"`] : [])].join(', ');
    send(req, res, 401, { error: error ?? 'unauthorized', error_description: description }, { 'WWW-Authenticate': challenge });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'OPTIONS') {
      const origin = req.headers.origin;
      if (!origin || !options.allowedOrigins.includes(origin)) return send(req, res, 403, { error: 'origin_not_allowed' });
      res.writeHead(204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': 'Authorization',
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

    const header = req.headers.authorization ?? '';
    const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header);
    if (!match) return unauthorized(req, res, header ? 'invalid_request' : undefined, 'A bearer access token is required.');
    try {
      const { payload } = await jwtVerify(match[1] as string, await keys(), {
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        algorithms: ['RS256', 'PS256', 'ES256'],
        // RFC 9068 §2.2: without exp a token would never expire.
        requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
      });
      return send(req, res, 200, {
        message: `Hello ${String(payload['sub'])}: your access token for ${options.audience} checks out.`,
        sub: payload['sub'],
        scope: payload['scope'] ?? '',
        expiresAt: typeof payload.exp === 'number' ? new Date(payload.exp * 1000).toISOString() : null,
      });
    } catch (error) {
      const description =
        error instanceof errors.JWTExpired
          ? 'The access token has expired.'
          : error instanceof errors.JWTClaimValidationFailed
            ? `The access token's "${error.claim}" claim is not accepted here.`
            : 'The access token is not valid for this API.';
      return unauthorized(req, res, 'invalid_token', description);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('api: request failed:', error instanceof Error ? error.name : 'Error');
      if (!res.headersSent) send(req, res, 503, { error: 'temporarily_unavailable' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return {
    url: `http://localhost:${options.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
