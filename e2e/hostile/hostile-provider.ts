import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { caseNamed, CLIENT_ID, ELSEWHERE, USER, type HostileCase, type IdTokenMutation, type TokenResponseMutation } from './cases.ts';

/** The provider endpoints a request can reach (`unknown` for anything else under a case's path). */
export type Endpoint = 'discovery' | 'jwks' | 'authorize' | 'token' | 'userinfo' | 'revocation' | 'end-session' | 'unknown';

/** One request as the provider saw it. Secrets (codes, verifiers, tokens) are never kept, only `[redacted]`. */
export interface RecordedRequest {
  /** Arrival order within the case. */
  readonly seq: number;
  readonly atMs: number;
  readonly method: string;
  readonly endpoint: Endpoint;
  /** Query and form fields. */
  readonly params: Readonly<Record<string, string>>;
  /** Whether an `Authorization` header came along. */
  readonly bearer: boolean;
  /** What the provider answered: a status, or `no response` (the connection was dropped). */
  answer?: number | 'no response';
  /** Why the provider's own checks refused the request (PKCE, `redirect_uri`, a reused code, …). */
  refusedBecause?: string;
}

/** What the test can change on a case while it runs (`POST /__control/<case>`). */
export interface CaseControl {
  /** Drop every request of the case without a response, as an unreachable provider. */
  readonly down?: boolean;
  /** Replace the signing key; the JWKS then holds only the new one. */
  readonly rotateKey?: boolean;
}

export interface HostileProviderOptions {
  /** Port on 127.0.0.1; each case's issuer is `http://127.0.0.1:<port>/<case>`. */
  readonly port: number;
  /** The demo's origin: `<origin>/callback` and `<origin>/` are the registered redirect URIs. */
  readonly demoOrigin: string;
}

export interface HostileProvider {
  readonly origin: string;
  close(): Promise<void>;
}

interface SigningKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

interface IssuedCode {
  readonly redirectUri: string;
  readonly challenge: string;
  readonly nonce: string;
  readonly scope: string;
  readonly expiresAtMs: number;
}

/** Everything the provider remembers about one case; `DELETE /__requests/<case>` starts it afresh. */
interface CaseState {
  readonly requests: RecordedRequest[];
  readonly codes: Map<string, IssuedCode>;
  /** Refresh tokens: rotated on every use, so a reuse is refused. */
  readonly refreshTokens: Map<string, { used: boolean }>;
  readonly accessTokens: Set<string>;
  down: boolean;
  rsa: SigningKey;
  /** The `state` of the case's first sign-in, for `authResponse.state: 'replay'`. */
  firstState: string | undefined;
}

const SECRET_PARAMS = new Set(['code', 'code_verifier', 'refresh_token', 'token', 'id_token_hint', 'access_token', 'client_secret']);
const DEFAULT_TTL_SECONDS = 300;
// A verifier is 43–128 characters of the unreserved set (RFC 7636 §4.1).
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

async function signingKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const b64u = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * A provider that misbehaves on purpose, one way per case (`cases.ts`), for the browser tests: discovery,
 * JWKS, an authorization endpoint that approves at once (no login page), token, userinfo, revocation and
 * end-session. It checks what an honest provider checks — PKCE S256, the exact `redirect_uri`, single-use
 * codes and refresh tokens — and records every request per case for the tests to inspect.
 */
export async function startHostileProvider(options: HostileProviderOptions): Promise<HostileProvider> {
  const origin = `http://127.0.0.1:${options.port}`;
  const redirectUri = `${options.demoOrigin}/callback`;
  const postLogoutRedirectUri = `${options.demoOrigin}/`;
  const rsa = await signingKey('RS256', 'rsa-1');
  const ec = await signingKey('ES256', 'ec-1');
  const decoys = await Promise.all([signingKey('RS256', 'decoy-1'), signingKey('RS256', 'decoy-2')]);
  const states = new Map<string, CaseState>();

  const stateOf = (name: string): CaseState => {
    let state = states.get(name);
    if (!state) {
      state = {
        requests: [],
        codes: new Map(),
        refreshTokens: new Map(),
        accessTokens: new Set(),
        down: false,
        rsa,
        firstState: undefined,
      };
      states.set(name, state);
    }
    return state;
  };

  function discovery(c: HostileCase, issuer: string): Record<string, unknown> {
    return {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      userinfo_endpoint: `${issuer}/userinfo`,
      revocation_endpoint: `${issuer}/revoke`,
      end_session_endpoint: `${issuer}/end-session`,
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      token_endpoint_auth_methods_supported: ['none'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      ...c.provider.discovery,
    };
  }

  function jwks(c: HostileCase, state: CaseState): { keys: unknown[] } {
    const jwks = c.provider.jwks ?? {};
    const signing = c.provider.idToken?.alg === 'ES256' ? ec.jwk : state.rsa.jwk;
    const keys: unknown[] = jwks.onlySigningKey ? [signing] : [state.rsa.jwk, ec.jwk];
    if (jwks.decoys) keys.unshift(...decoys.slice(0, jwks.decoys).map((d) => d.jwk));
    return { keys: [...keys, ...(jwks.junk ?? [])] };
  }

  async function idToken(c: HostileCase, state: CaseState, issuer: string, extra: Record<string, unknown>, m: IdTokenMutation = {}) {
    const ttl = c.provider.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    const iat = nowSeconds() - (m.issuedSecondsAgo ?? 0);
    const claims: Record<string, unknown> = {
      iss: issuer,
      sub: USER.sub,
      aud: CLIENT_ID,
      iat,
      exp: nowSeconds() + (m.expiresInSeconds ?? ttl),
      auth_time: iat,
      name: USER.name,
      email: USER.email,
      email_verified: USER.email_verified,
      ...extra,
      ...m.claims,
    };
    for (const claim of m.omit ?? []) delete claims[claim];
    const alg = m.alg ?? 'RS256';
    const key = alg === 'ES256' ? ec : state.rsa;
    const header: Record<string, unknown> = { alg, typ: 'JWT', kid: key.jwk.kid };
    if (m.kid === 'omit') delete header['kid'];
    let jwt: string;
    if (alg === 'none') jwt = `${b64u(header)}.${b64u(claims)}.`;
    else if (alg === 'HS256') {
      // Key confusion: the "secret" is the provider's public key, which anyone can fetch.
      jwt = await new SignJWT(claims)
        .setProtectedHeader(header as { alg: string })
        .sign(new TextEncoder().encode(JSON.stringify(state.rsa.jwk)));
    } else jwt = await new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
    return m.signature === 'corrupt' ? corruptSignature(jwt) : jwt;
  }

  /** Access and refresh tokens are JWTs (as many providers issue them), so a leak matches JWT_PATTERN. */
  async function opaqueJwt(state: CaseState, issuer: string, typ: string, ttlSeconds: number): Promise<string> {
    return new SignJWT({ iss: issuer, sub: USER.sub, client_id: CLIENT_ID, jti: randomBytes(16).toString('base64url') })
      .setProtectedHeader({ alg: 'RS256', typ, kid: state.rsa.jwk.kid as string })
      .setIssuedAt()
      .setExpirationTime(nowSeconds() + ttlSeconds)
      .sign(state.rsa.privateKey);
  }

  async function tokens(c: HostileCase, state: CaseState, issuer: string, scope: string, idTokenOf: () => Promise<string>) {
    const ttl = c.provider.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    const accessToken = await opaqueJwt(state, issuer, 'at+jwt', ttl);
    state.accessTokens.add(accessToken);
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ttl,
      id_token: await idTokenOf(),
      scope,
    };
    if (scope.split(' ').includes('offline_access')) {
      const refreshToken = await opaqueJwt(state, issuer, 'refresh+jwt', 86_400);
      state.refreshTokens.set(refreshToken, { used: false });
      body['refresh_token'] = refreshToken;
    }
    return body;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const [, first = '', ...rest] = url.pathname.split('/');
    const subPath = rest.join('/');
    if (first === '__health') return send(res, 200, 'text/plain', 'ok');
    if (first === '__requests' || first === '__control') return control(req, res, first, subPath);

    const c = caseNamed(first);
    if (!c) return send(res, 404, 'text/plain', 'no such case');
    const state = stateOf(c.name);
    const issuer = `${origin}/${c.name}`;
    const form = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : new URLSearchParams();
    const record: RecordedRequest = {
      seq: state.requests.length + 1,
      atMs: Date.now(),
      method: req.method ?? 'GET',
      endpoint: endpointOf(subPath),
      params: redact(url.searchParams, form),
      bearer: req.headers.authorization !== undefined,
    };
    state.requests.push(record);
    if (state.down) {
      record.answer = 'no response';
      req.socket.destroy();
      return;
    }
    const answer = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      record.answer = status;
      send(res, status, type, body, { ...cors(req), ...headers });
    };
    const json = (status: number, body: unknown) =>
      answer(status, 'application/json', JSON.stringify(body), { 'Cache-Control': 'no-store' });
    const refuse = (because: string, status = 400, error = 'invalid_grant') => {
      record.refusedBecause = because;
      json(status, { error, error_description: because });
    };

    if (req.method === 'OPTIONS') return answer(204, 'text/plain', '', preflight(req));

    switch (record.endpoint) {
      case 'discovery':
        return json(200, discovery(c, issuer));
      case 'jwks':
        return json(200, jwks(c, state));
      case 'authorize': {
        const q = url.searchParams;
        const problem =
          (q.get('client_id') !== CLIENT_ID && 'unknown client_id') ||
          (q.get('redirect_uri') !== redirectUri && 'redirect_uri is not the registered one') ||
          (q.get('response_type') !== 'code' && 'response_type must be code') ||
          (q.get('code_challenge_method') !== 'S256' && 'code_challenge_method must be S256') ||
          (!/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? '') && 'code_challenge must be a SHA-256 in base64url') ||
          (!q.get('state') && 'state is required') ||
          (!q.get('nonce') && 'nonce is required') ||
          (!(q.get('scope') ?? '').split(' ').includes('openid') && 'scope must include openid');
        if (problem) {
          // Never redirect to an unchecked redirect_uri: an error page, as real providers do.
          record.refusedBecause = problem;
          return answer(400, 'text/html; charset=utf-8', `<!doctype html><title>Sign-in error</title><p>${problem}</p>`);
        }
        const code = randomBytes(24).toString('base64url');
        state.codes.set(code, {
          redirectUri,
          challenge: q.get('code_challenge') as string,
          nonce: q.get('nonce') as string,
          scope: q.get('scope') as string,
          expiresAtMs: Date.now() + 60_000,
        });
        const sentState = q.get('state') as string;
        state.firstState ??= sentState;
        const m = c.provider.authResponse ?? {};
        const back = new URLSearchParams(m.error ? { error: m.error, error_description: 'The user cancelled the sign-in.' } : { code });
        if (m.state === 'wrong') back.set('state', `${sentState}x`);
        else if (m.state === 'replay') back.set('state', state.firstState);
        else if (m.state !== 'omit') back.set('state', sentState);
        if (m.iss === 'wrong') back.set('iss', ELSEWHERE);
        else if (m.iss !== 'omit') back.set('iss', issuer);
        return answer(302, 'text/plain', '', { Location: `${redirectUri}?${back}` });
      }
      case 'token': {
        if (form.get('client_id') !== CLIENT_ID) return refuse('unknown client_id', 401, 'invalid_client');
        if (form.get('grant_type') === 'authorization_code') {
          const code = state.codes.get(form.get('code') ?? '');
          state.codes.delete(form.get('code') ?? '');
          if (!code || code.expiresAtMs < Date.now()) return refuse('unknown, used or expired code');
          if (form.get('redirect_uri') !== code.redirectUri) return refuse('redirect_uri differs from the authorization request');
          const verifier = form.get('code_verifier') ?? '';
          if (!VERIFIER.test(verifier)) return refuse('code_verifier is not 43–128 unreserved characters');
          if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) return refuse('PKCE verification failed');
          const body = await tokens(c, state, issuer, code.scope, () =>
            idToken(c, state, issuer, { nonce: code.nonce }, c.provider.idToken),
          );
          return mutated(req, res, record, body, c.provider.token);
        }
        if (form.get('grant_type') === 'refresh_token') {
          const entry = state.refreshTokens.get(form.get('refresh_token') ?? '');
          if (!entry || entry.used) return refuse(entry ? 'refresh token reused' : 'unknown refresh token');
          entry.used = !c.provider.refresh?.token?.unprocessed;
          const scope = 'openid profile email offline_access';
          const body = await tokens(c, state, issuer, scope, () => idToken(c, state, issuer, {}, c.provider.refresh?.idToken));
          return mutated(req, res, record, body, c.provider.refresh?.token);
        }
        return refuse('unsupported grant_type', 400, 'unsupported_grant_type');
      }
      case 'userinfo': {
        const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        if (!token || !state.accessTokens.has(token)) {
          record.refusedBecause = 'no valid access token';
          return answer(401, 'application/json', '{"error":"invalid_token"}', { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
        }
        return json(200, { sub: USER.sub, name: USER.name, email: USER.email, email_verified: USER.email_verified });
      }
      case 'revocation':
        state.refreshTokens.delete(form.get('token') ?? '');
        return answer(200, 'text/plain', '');
      case 'end-session': {
        const target = url.searchParams.get('post_logout_redirect_uri') ?? form.get('post_logout_redirect_uri');
        if (target === postLogoutRedirectUri) return answer(302, 'text/plain', '', { Location: target });
        return answer(200, 'text/html; charset=utf-8', '<!doctype html><title>Signed out</title><p>You are signed out.</p>');
      }
      default:
        return answer(404, 'text/plain', 'not found');
    }
  }

  /** `GET /__requests/<case>`: the recorded requests; `DELETE`: start the case afresh; `POST /__control/<case>`. */
  async function control(req: IncomingMessage, res: ServerResponse, kind: string, name: string): Promise<void> {
    if (!caseNamed(name)) return send(res, 404, 'text/plain', 'no such case');
    if (kind === '__requests' && req.method === 'GET') return send(res, 200, 'application/json', JSON.stringify(stateOf(name).requests));
    if (kind === '__requests' && req.method === 'DELETE') {
      states.delete(name);
      return send(res, 204, 'text/plain', '');
    }
    if (kind === '__control' && req.method === 'POST') {
      const change = JSON.parse((await readBody(req)) || '{}') as CaseControl;
      const state = stateOf(name);
      if (change.down !== undefined) state.down = change.down;
      if (change.rotateKey) state.rsa = await signingKey('RS256', `rsa-${randomBytes(6).toString('hex')}`);
      return send(res, 204, 'text/plain', '');
    }
    return send(res, 405, 'text/plain', 'method not allowed');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('hostile: request failed:', error instanceof Error ? error.message : error);
      if (!res.headersSent) send(res, 500, 'text/plain', 'hostile provider failure');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });

  /** The case's CORS headers: the demo's origin may read every answer. */
  function cors(req: IncomingMessage): Record<string, string> {
    return req.headers.origin === options.demoOrigin
      ? { 'Access-Control-Allow-Origin': options.demoOrigin, 'Access-Control-Expose-Headers': 'WWW-Authenticate', Vary: 'Origin' }
      : {};
  }

  function preflight(req: IncomingMessage): Record<string, string> {
    return {
      'Access-Control-Allow-Methods': 'GET, POST',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '',
      'Access-Control-Max-Age': '600',
    };
  }

  /** Sends a token response as the case breaks it: status, body, fields, delay, or no response at all. */
  async function mutated(
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
    honest: Record<string, unknown>,
    m: TokenResponseMutation = {},
  ): Promise<void> {
    if (m.delayMs) await new Promise((resolve) => setTimeout(resolve, m.delayMs));
    if (m.noResponse) {
      record.answer = 'no response';
      req.socket.destroy();
      return;
    }
    const body = { ...honest, ...m.fields };
    for (const field of m.omit ?? []) delete body[field];
    record.answer = m.status ?? 200;
    send(res, record.answer, m.contentType ?? 'application/json', m.body ?? JSON.stringify(body), {
      ...cors(req),
      'Cache-Control': 'no-store',
    });
  }

  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function endpointOf(subPath: string): Endpoint {
  const endpoints: Record<string, Endpoint> = {
    '.well-known/openid-configuration': 'discovery',
    jwks: 'jwks',
    authorize: 'authorize',
    token: 'token',
    userinfo: 'userinfo',
    revoke: 'revocation',
    'end-session': 'end-session',
  };
  return endpoints[subPath] ?? 'unknown';
}

function redact(...sources: URLSearchParams[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const source of sources) for (const [name, value] of source) params[name] = SECRET_PARAMS.has(name) ? '[redacted]' : value;
  return params;
}

/** Flips a bit in the first byte of the signature: still valid base64url of the same length, no longer valid. */
function corruptSignature(jwt: string): string {
  const [header, payload, signature = ''] = jwt.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  // No connection is reused: Chromium silently resends a request whose reused connection drops without
  // an answer, which would count as a retry the client never made.
  res.writeHead(status, { 'Content-Type': type, Connection: 'close', ...headers });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 100_000) throw new Error('request body too large');
  }
  return body;
}
