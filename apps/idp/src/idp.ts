import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import { errors, Provider, type ClientMetadata, type Configuration, type JWK, type KoaContextWithOIDC } from 'oidc-provider';
import { authenticate, findAccount } from './accounts.ts';
import { errorPage, loginPage, logoutPage, signedOutPage, signOutErrorPage } from './pages.ts';

export interface IdpOptions {
  /** Port on 127.0.0.1; the issuer is `http://<issuerHost>:<port>`. */
  readonly port: number;
  /**
   * The issuer's host name, `localhost` by default. BFF-mode browser tests use `127.0.0.1`, so the
   * provider is another *site* than the demo on `localhost` (ports do not count for SameSite).
   */
  readonly issuerHost?: string;
  /** The BFF client's secret (`client_secret_basic`). */
  readonly bffClientSecret: string;
  /**
   * The public key of a second BFF client, `latchkey-bff-jwt`, that authenticates with `private_key_jwt`
   * (RFC 7523) instead of a secret; without it, that client is not registered.
   */
  readonly bffPublicJwk?: Record<string, unknown>;
  /**
   * Tests only: `GET /__test/grants` answers how many refresh-token grants each client made, and how many
   * the provider refused (a reused rotated token among them), so a test can count refreshes per rotation.
   */
  readonly testCounters?: boolean;
  /**
   * DPoP nonces (RFC 9449 §8): every token request must carry the provider's current nonce, so the
   * first one is answered `use_dpop_nonce`. Off by default, as at most hosted providers.
   */
  readonly dpopNonce?: boolean;
  /** The provider's signing key (a private JWK); generated at start-up when not given. Tests sign with it. */
  readonly signingJwk?: Record<string, unknown>;
  /** ID and access token lifetime. */
  readonly tokenTtlSeconds: number;
  readonly refreshTtlSeconds: number;
  /** Origin of the demo app: its `/callback` and `/` are the registered redirect URIs. */
  readonly demoOrigin: string;
  /** The APIs (RFC 8707 resource indicators) that get JWT access tokens, e.g. the demo API. */
  readonly resources: readonly string[];
}

export interface Idp {
  readonly issuer: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** The demo's public client; it requires DPoP-bound access tokens (RFC 9449). */
export const DEMO_CLIENT_ID = 'latchkey-demo';
/** The demo's public client without DPoP (`LATCHKEY_DPOP=0`): a client that requires DPoP refuses an unbound sign-in. */
export const DEMO_BEARER_CLIENT_ID = 'latchkey-demo-bearer';
/** The confidential client of the demo's BFF mode (its server signs in; the browser holds a cookie). */
export const BFF_CLIENT_ID = 'latchkey-bff';
/** The BFF client's secret when `IDP_BFF_CLIENT_SECRET` is not set: for development only. */
export const DEV_BFF_CLIENT_SECRET = 'latchkey-bff-development-secret';
/** The BFF client that signs a `private_key_jwt` assertion (registered when `bffPublicJwk` is given). */
export const BFF_JWT_CLIENT_ID = 'latchkey-bff-jwt';
// First-party clients: consent is implicit, `offline_access` included.
const FIRST_PARTY = new Set([DEMO_CLIENT_ID, DEMO_BEARER_CLIENT_ID, BFF_CLIENT_ID, BFF_JWT_CLIENT_ID]);
const DEMO_SCOPE = 'openid profile email offline_access';

/**
 * The development OpenID Provider: oidc-provider with its own login page, a first-party demo client
 * whose consent is implicit, and signing keys generated at start-up (tokens do not survive a restart).
 */
export async function startIdp(options: IdpOptions): Promise<Idp> {
  const issuer = `http://${options.issuerHost ?? 'localhost'}:${options.port}`;
  const signingKey =
    (options.signingJwk as JWK | undefined) ??
    ({
      ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey)),
      kid: randomBytes(8).toString('hex'),
      alg: 'RS256',
      use: 'sig',
    } as JWK);

  const bffClient: Omit<ClientMetadata, 'client_id'> = {
    application_type: 'web',
    redirect_uris: [`${options.demoOrigin}/bff/callback`],
    post_logout_redirect_uris: [`${options.demoOrigin}/`],
    // OpenID Connect Back-Channel Logout 1.0: the provider tells the BFF when a session ends there. Server
    // to server, to 127.0.0.1, where the demo listens: Node's fetch may resolve `localhost` to ::1 first.
    backchannel_logout_uri: `${loopback(options.demoOrigin)}/bff/backchannel-logout`,
    backchannel_logout_session_required: true,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: DEMO_SCOPE,
  };
  const publicClient: Omit<ClientMetadata, 'client_id'> = {
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    redirect_uris: [`${options.demoOrigin}/callback`],
    post_logout_redirect_uris: [`${options.demoOrigin}/`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: DEMO_SCOPE,
  };
  const configuration: Configuration = {
    clients: [
      // oidc-provider binds a public client's refresh tokens to the DPoP key of the code exchange.
      { ...publicClient, client_id: DEMO_CLIENT_ID, client_name: 'Latchkey demo', dpop_bound_access_tokens: true },
      { ...publicClient, client_id: DEMO_BEARER_CLIENT_ID, client_name: 'Latchkey demo (Bearer tokens)' },
      {
        ...bffClient,
        client_id: BFF_CLIENT_ID,
        client_secret: options.bffClientSecret,
        client_name: 'Latchkey demo (BFF mode)',
        token_endpoint_auth_method: 'client_secret_basic',
      },
      ...(options.bffPublicJwk
        ? [
            {
              ...bffClient,
              client_id: BFF_JWT_CLIENT_ID,
              client_name: 'Latchkey demo (BFF mode, private_key_jwt)',
              token_endpoint_auth_method: 'private_key_jwt' as const,
              jwks: { keys: [options.bffPublicJwk as JWK] },
            },
          ]
        : []),
    ],
    jwks: { keys: [signingKey] },
    // The dev provider's back-channel logout goes to the demo on 127.0.0.1. oidc-provider's own transport
    // refuses special-use addresses (its SSRF guard, right for a hosted provider); development only.
    fetch: (url, init) => {
      const { dispatcher: _ssrfGuard, ...rest } = init as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(url, rest);
    },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub'],
      profile: ['name'],
      email: ['email', 'email_verified'],
    },
    // Like the hosted providers: profile claims in the ID token, not only from userinfo.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      dPoP: {
        enabled: true,
        ...(options.dpopNonce && { nonceSecret: randomBytes(32), requireNonce: () => true }),
      },
      // Without it oidc-provider drops a static client's backchannel_logout_uri.
      backchannelLogout: { enabled: true },
      // A `resource` the client asks for gets a JWT access token (RFC 9068) with that audience; such a
      // token is for the API only, so userinfo refuses it (a sign-in without `resource` gets an opaque one).
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => {
          if (!options.resources.includes(resourceIndicator)) throw new errors.InvalidTarget();
          return {
            scope: 'api',
            audience: resourceIndicator,
            accessTokenTTL: options.tokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = signedOutPage();
        },
      },
    },
    pkce: { required: () => true },
    // Every refresh rotates the refresh token: for the BFF's confidential clients (oidc-provider's default
    // rotates a confidential client's only past 70 % of its lifetime) and for the DPoP client, whose bound
    // refresh tokens the default never rotates — as hosted providers with rotation on do. Reusing a
    // rotated one revokes the grant; the tests prove one refresh per rotation.
    rotateRefreshToken: true,
    responseTypes: ['code'],
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    clientBasedCORS: (_ctx, origin, client) => (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin),
    findAccount: (_ctx, sub) => {
      const account = findAccount(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: () => ({ ...account.claims }) };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: options.tokenTtlSeconds,
      IdToken: options.tokenTtlSeconds,
      RefreshToken: options.refreshTtlSeconds,
      Grant: options.refreshTtlSeconds,
      Session: options.refreshTtlSeconds,
      Interaction: 600,
      AuthorizationCode: 60,
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      // A logout the provider cannot complete (an ID token hint signed with keys from before a restart):
      // the app has signed out already; say so, and lead back to it.
      if (ctx.path.startsWith('/session/end')) {
        ctx.body = signOutErrorPage(`${out.error}: ${out.error_description ?? ''}`, `${options.demoOrigin}/`);
        return;
      }
      ctx.body = errorPage('Sign-in error', `${out.error}: ${out.error_description ?? ''}`);
    },
  };

  const provider = new Provider(issuer, configuration);
  provider.use(implicitConsentForOfflineAccess);
  // A back-channel logout the provider could not deliver (the BFF down or refusing): say so, it is the app's problem to see.
  provider.on('backchannel.error', (_ctx, error, client) =>
    console.error(
      `idp: back-channel logout to ${client.clientId} failed: ${error instanceof Error ? error.message : String(error)}${(error as { cause?: { code?: string } }).cause?.code ? ` (${(error as { cause: { code: string } }).cause.code})` : ''}`,
    ),
  );
  const oidc = provider.callback();
  const grants: Record<string, { refreshed: number; refused: number }> = {};
  const countFor = (clientId: string | undefined) => (grants[clientId ?? '?'] ??= { refreshed: 0, refused: 0 });
  if (options.testCounters) {
    provider.on('grant.success', (ctx) => {
      if (ctx.oidc.params?.['grant_type'] === 'refresh_token') countFor(ctx.oidc.client?.clientId).refreshed++;
    });
    provider.on('grant.error', (ctx) => {
      if (ctx.oidc.params?.['grant_type'] === 'refresh_token') countFor(ctx.oidc.client?.clientId).refused++;
    });
  }

  const server = createServer((req, res) => {
    if (options.testCounters && req.url === '/__test/grants') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(grants));
      return;
    }
    route(provider, req, res, oidc).catch((error: unknown) => {
      // oidc-provider's errors carry a status: an expired or replayed interaction (back button) is a 400.
      const status = (error as { statusCode?: number }).statusCode ?? 500;
      if (status >= 500) console.error('idp: interaction failed:', error instanceof Error ? error.message : error);
      if (!res.headersSent)
        send(res, status, errorPage('Sign-in expired', 'This sign-in page is no longer valid. Start again from the app.'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return {
    issuer,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The origin with `localhost` as 127.0.0.1. */
function loopback(origin: string): string {
  const url = new URL(origin);
  if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  return url.origin;
}

/**
 * oidc-provider drops `offline_access` from a request without `prompt=consent` (OIDC Core §11).
 * Hosted providers issue a refresh token for it all the same; for the first-party demo clients (the
 * browser-mode one and the BFF's), whose consent is implicit, ask for the consent prompt, which the
 * interaction grants at once.
 */
async function implicitConsentForOfflineAccess(ctx: KoaContextWithOIDC, next: () => Promise<void>) {
  if (ctx.path === '/auth' && ctx.method === 'GET') {
    const params = new URLSearchParams(ctx.querystring);
    const scope = params.get('scope')?.split(' ') ?? [];
    const prompt = params.get('prompt')?.split(' ').filter(Boolean) ?? [];
    if (
      FIRST_PARTY.has(params.get('client_id') ?? '') &&
      scope.includes('offline_access') &&
      !prompt.includes('none') &&
      !prompt.includes('consent')
    ) {
      params.set('prompt', [...prompt, 'consent'].join(' '));
      ctx.querystring = params.toString();
    }
  }
  await next();
}

async function route(provider: Provider, req: IncomingMessage, res: ServerResponse, oidc: ReturnType<Provider['callback']>) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204, { 'Cache-Control': 'max-age=86400' }).end();
    return;
  }
  const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
  if (!match) return oidc(req, res);

  res.setHeader('Cache-Control', 'no-store');
  const details = await provider.interactionDetails(req, res);
  const client = await provider.Client.find(String(details.params['client_id']));
  const clientName = client?.clientName ?? 'the app';
  const action = `/interaction/${details.uid}/login`;

  if (details.prompt.name === 'consent') {
    // The demo client is first-party: consent is implicit, no second screen.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session?.accountId, clientId: String(details.params['client_id']) });
    if (!grant) throw new Error('grant not found');
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
      grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  if (req.method === 'GET' && !match[2]) {
    return send(res, 200, loginPage({ action, clientName }));
  }
  if (req.method === 'POST' && match[2]) {
    const form = new URLSearchParams(await readBody(req));
    if (form.has('cancel')) {
      return provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
        { mergeWithLastSubmission: false },
      );
    }
    const username = form.get('username') ?? '';
    const account = authenticate(username, form.get('password') ?? '');
    if (!account) {
      return send(res, 401, loginPage({ action, clientName, username, error: 'Wrong username or password. Try again.' }));
    }
    return provider.interactionFinished(req, res, { login: { accountId: account.claims.sub } }, { mergeWithLastSubmission: false });
  }
  return send(res, 405, errorPage('Not allowed', 'Use the sign-in form.'));
}

function send(res: ServerResponse, status: number, html: string) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('request body too large');
  }
  return body;
}
