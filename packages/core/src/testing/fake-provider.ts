import { createHash, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { checkProof, newNonce, type CheckedProof, type DpopRefusal } from './fake-dpop.ts';

/** What a test can break, per request. Each hook receives the honest value and returns what is sent. */
export interface FakeProviderHooks {
  idTokenClaims?: (claims: Record<string, unknown>) => Record<string, unknown>;
  idTokenHeader?: (header: Record<string, unknown>) => Record<string, unknown>;
  /** Mangle the finished ID token (e.g. corrupt the signature). */
  idToken?: (jwt: string) => string;
  tokenResponse?: (body: Record<string, unknown>) => Response | Record<string, unknown>;
  /** For refresh-token grants only; `attempt` counts refresh requests from 1. */
  refreshResponse?: (body: Record<string, unknown>, attempt: number) => Response | Record<string, unknown> | Promise<Response>;
  /** Fails a refresh before the provider processes it (the refresh token stays unused). */
  refreshUnprocessed?: (attempt: number) => Response | Error | undefined;
  refreshIdTokenClaims?: (claims: Record<string, unknown>) => Record<string, unknown>;
  userinfo?: (claims: Record<string, unknown>) => Record<string, unknown>;
  authResponse?: (params: URLSearchParams) => URLSearchParams;
  metadata?: (metadata: Record<string, unknown>) => Record<string, unknown>;
}

export interface FakeProvider {
  readonly issuer: string;
  readonly fetch: typeof fetch;
  /** Every request made to the provider, as `METHOD path`. */
  readonly requests: string[];
  hooks: FakeProviderHooks;
  /** The provider's clock offset from the test's `Date.now()`, in ms (simulates a client clock off). */
  clockOffsetMs: number;
  tokenTtlSeconds: number;
  /** Acts as the provider's authorization endpoint for `authorizeUrl`: returns the redirect back. */
  authorize(authorizeUrl: string, sub?: string): string;
  /** Signs an ID token as this provider would, for stores seeded by tests. */
  signIdToken(claims: Record<string, unknown>): Promise<string>;
  down: boolean;
  /** Issue refresh tokens (rotated on every use; reusing a rotated one revokes the grant). */
  issueRefreshTokens: boolean;
  /** Refresh-token grant requests received. */
  refreshRequests: number;
  /** Grants revoked because a rotated refresh token was reused. */
  revokedGrants: number;
  /** Replaces the signing key (new `kid`); the JWKS then holds only the new key. */
  rotateKey(): Promise<void>;
  /**
   * DPoP (RFC 9449): a token request with a proof gets `token_type: DPoP` tokens bound to its key, and
   * a bound refresh token is refused without a proof of that key. With `dpopNonce`, a proof without the
   * current nonce is answered `use_dpop_nonce` (with a fresh one) — `always` answers so forever.
   */
  dpopNonce: false | true | 'always';
  /** Every DPoP proof the token endpoint accepted, in order. */
  readonly proofs: CheckedProof[];
}

/**
 * An in-process OpenID Provider for core unit tests: discovery, JWKS, authorize and token endpoint,
 * signing with jose, verifying PKCE. Browser tests use the real dev provider instead.
 */
export async function createFakeProvider(issuer = 'https://op.example.com'): Promise<FakeProvider> {
  let rsa = await generateKeyPair('RS256', { extractable: true });
  let kid = 'rsa-1';
  let jwk: JWK = { ...(await exportJWK(rsa.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { clientId: string; redirectUri: string; nonce: string; challenge: string; sub: string }>();
  const grants = new Map<string, { sub: string; clientId: string; revoked: boolean; jkt?: string | undefined }>();
  let nonce = newNonce();
  const refreshTokens = new Map<string, { grantId: string; used: boolean }>();
  const users: Record<string, Record<string, unknown>> = {
    alice: { name: 'Alice Liddell', email: 'alice@example.com' },
    bob: { name: 'Bob Builder', email: 'bob@example.com' },
  };

  const provider: FakeProvider = {
    issuer,
    requests: [],
    hooks: {},
    clockOffsetMs: 0,
    tokenTtlSeconds: 600,
    down: false,
    fetch: async (input, init) => {
      const request = new Request(input as RequestInfo, init);
      const url = new URL(request.url);
      provider.requests.push(`${request.method} ${url.pathname}`);
      if (provider.down) throw new TypeError('Failed to fetch');
      // As fetch does: an aborted signal rejects with its reason, whether or not the answer ever comes.
      const signal = init?.signal;
      if (!signal) return handle(request, url);
      signal.throwIfAborted();
      return new Promise<Response>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        handle(request, url)
          .then(resolve, reject)
          .finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
    authorize(authorizeUrl, sub = 'alice') {
      const url = new URL(authorizeUrl);
      const q = url.searchParams;
      const code = randomBytes(16).toString('base64url');
      codes.set(code, {
        clientId: q.get('client_id') ?? '',
        redirectUri: q.get('redirect_uri') ?? '',
        nonce: q.get('nonce') ?? '',
        challenge: q.get('code_challenge') ?? '',
        sub,
      });
      let params = new URLSearchParams({ code, state: q.get('state') ?? '', iss: issuer });
      params = provider.hooks.authResponse?.(params) ?? params;
      return `${q.get('redirect_uri')}?${params}`;
    },
    signIdToken: (claims) => sign(claims, { alg: 'RS256', kid }),
    issueRefreshTokens: false,
    dpopNonce: false,
    proofs: [],
    refreshRequests: 0,
    revokedGrants: 0,
    async rotateKey() {
      rsa = await generateKeyPair('RS256', { extractable: true });
      kid = `rsa-${Date.now()}-${Math.random()}`;
      jwk = { ...(await exportJWK(rsa.publicKey)), kid, alg: 'RS256', use: 'sig' };
    },
  };

  function now(): number {
    return Math.floor((Date.now() + provider.clockOffsetMs) / 1000);
  }

  async function sign(claims: Record<string, unknown>, header: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(rsa.privateKey);
  }

  function json(body: unknown, status = 200): Response {
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }

  async function handle(request: Request, url: URL): Promise<Response> {
    switch (url.pathname) {
      case '/.well-known/openid-configuration': {
        const metadata = {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          end_session_endpoint: `${issuer}/logout`,
          revocation_endpoint: `${issuer}/revoke`,
          userinfo_endpoint: `${issuer}/userinfo`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          authorization_response_iss_parameter_supported: true,
        };
        return json(provider.hooks.metadata?.(metadata) ?? metadata);
      }
      case '/jwks':
        return json({ keys: [jwk] });
      case '/token': {
        const form = new URLSearchParams(await request.text());
        let proof: CheckedProof | undefined;
        try {
          proof = await checkProof(request.headers.get('dpop'), {
            htm: 'POST',
            htu: `${issuer}/token`,
            nowS: now(),
            // `always`: a nonce no proof can carry yet.
            nonce: provider.dpopNonce === 'always' ? (nonce = newNonce()) : provider.dpopNonce ? nonce : undefined,
          });
        } catch (refusal) {
          if (provider.dpopNonce === 'always') nonce = newNonce();
          const headers = { 'content-type': 'application/json', 'dpop-nonce': nonce };
          return new Response(JSON.stringify({ error: (refusal as DpopRefusal).error }), { status: 400, headers });
        }
        if (proof) provider.proofs.push(proof);
        return form.get('grant_type') === 'refresh_token' ? refresh(form, proof) : token(form, proof);
      }
      case '/revoke': {
        const form = new URLSearchParams(await request.text());
        const entry = refreshTokens.get(form.get('token') ?? '');
        const grant = entry && grants.get(entry.grantId);
        if (grant) grant.revoked = true;
        return new Response(null, { status: 200 });
      }
      case '/userinfo': {
        const sub = [...grants.values()][0]?.sub ?? 'alice';
        const claims = { sub, ...users[sub] };
        return json(provider.hooks.userinfo?.(claims) ?? claims);
      }
      default:
        return json({ error: 'not_found' }, 404);
    }
  }

  async function token(form: URLSearchParams, proof: CheckedProof | undefined): Promise<Response> {
    const code = codes.get(form.get('code') ?? '');
    codes.delete(form.get('code') ?? '');
    if (form.get('grant_type') !== 'authorization_code' || !code) return json({ error: 'invalid_grant' }, 400);
    const challenge = createHash('sha256')
      .update(form.get('code_verifier') ?? '')
      .digest('base64url');
    if (challenge !== code.challenge || form.get('redirect_uri') !== code.redirectUri || form.get('client_id') !== code.clientId) {
      return json({ error: 'invalid_grant', error_description: 'PKCE or redirect_uri mismatch' }, 400);
    }
    const grantId = randomBytes(8).toString('hex');
    grants.set(grantId, { sub: code.sub, clientId: code.clientId, revoked: false, jkt: proof?.jkt });
    const body = await tokens(grantId, { nonce: code.nonce }, provider.hooks.idTokenClaims);
    const out = provider.hooks.tokenResponse?.(body) ?? body;
    return out instanceof Response ? out : json(out);
  }

  async function tokens(
    grantId: string,
    extra: Record<string, unknown>,
    hook: FakeProviderHooks['idTokenClaims'],
  ): Promise<Record<string, unknown>> {
    const grant = grants.get(grantId) as { sub: string; clientId: string; jkt?: string };
    const iat = now();
    let claims: Record<string, unknown> = {
      iss: issuer,
      sub: grant.sub,
      aud: grant.clientId,
      iat,
      exp: iat + provider.tokenTtlSeconds,
      ...extra,
      ...users[grant.sub],
    };
    claims = hook?.(claims) ?? claims;
    const header = provider.hooks.idTokenHeader?.({ alg: 'RS256', kid }) ?? { alg: 'RS256', kid };
    let idToken = await sign(claims, header);
    idToken = provider.hooks.idToken?.(idToken) ?? idToken;
    const body: Record<string, unknown> = {
      access_token: randomBytes(24).toString('base64url'),
      token_type: grant.jkt ? 'DPoP' : 'Bearer',
      expires_in: provider.tokenTtlSeconds,
      id_token: idToken,
      scope: 'openid profile email',
    };
    if (provider.issueRefreshTokens) {
      const refreshToken = randomBytes(24).toString('base64url');
      refreshTokens.set(refreshToken, { grantId, used: false });
      body['refresh_token'] = refreshToken;
    }
    return body;
  }

  async function refresh(form: URLSearchParams, proof: CheckedProof | undefined): Promise<Response> {
    provider.refreshRequests++;
    const unprocessed = provider.hooks.refreshUnprocessed?.(provider.refreshRequests);
    if (unprocessed instanceof Error) throw unprocessed;
    if (unprocessed) return unprocessed;
    const entry = refreshTokens.get(form.get('refresh_token') ?? '');
    const grant = entry && grants.get(entry.grantId);
    let result: Record<string, unknown> | Response;
    if (!entry || !grant || grant.revoked || (grant.jkt !== undefined && proof?.jkt !== grant.jkt)) {
      result = json({ error: 'invalid_grant', error_description: 'grant request is invalid' }, 400);
    } else if (entry.used) {
      // Reuse of a rotated refresh token: the whole grant is revoked (as oidc-provider does).
      grant.revoked = true;
      provider.revokedGrants++;
      result = json({ error: 'invalid_grant', error_description: 'grant request is invalid' }, 400);
    } else {
      entry.used = true;
      result = await tokens(entry.grantId, {}, provider.hooks.refreshIdTokenClaims);
    }
    if (provider.hooks.refreshResponse && !(result instanceof Response)) {
      const out = await provider.hooks.refreshResponse(result, provider.refreshRequests);
      return out instanceof Response ? out : json(out);
    }
    return result instanceof Response ? result : json(result);
  }

  return provider;
}

/** An unsigned-but-well-formed JWT for store seeding tests. */
export function fakeJwt(payload: unknown, header: unknown = { alg: 'RS256' }): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc(header)}.${enc(payload)}.c2ln`;
}
