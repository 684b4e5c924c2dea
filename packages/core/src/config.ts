import { LatchkeyConfigError } from './errors.ts';
import { localStore, type SessionStore } from './session-store.ts';
import { isAllowedEndpoint } from './transport.ts';

/** What an app tells Latchkey about its provider. Only `issuer` and `clientId` are required. */
export interface LatchkeyConfig {
  /** The provider's issuer identifier, e.g. `https://TENANT.auth0.com/` (exactly as its discovery document says). */
  readonly issuer: string;
  /** The public client's `client_id`. */
  readonly clientId: string;
  /** The registered redirect URI. Default: `<origin>/callback`. Never built from the current URL. */
  readonly redirectUri?: string;
  /** Where the provider returns after RP-initiated logout. Default: `<origin>/`. */
  readonly postLogoutRedirectUri?: string;
  /** Default: `openid profile email`. `openid` is always sent. Add `offline_access` for a refresh token. */
  readonly scope?: string;
  /** The API the access token is for (RFC 8707 `resource`; Auth0's `audience`). */
  readonly audience?: string;
  /** How `audience` is sent. Default: `audience` for `*.auth0.com` issuers, else `resource`. */
  readonly audienceParameter?: 'resource' | 'audience';
  /** Where the session is kept. Default: {@link localStore}, as in the tutorial. */
  readonly store?: SessionStore;
  /**
   * Keeps the refresh token apart from the rest of the session, e.g. `memoryStore()` for those who
   * prefer signing in again after a reload over a long-lived token in localStorage.
   */
  readonly refreshTokenStore?: SessionStore;
  /** Fraction of the token lifetime after which a refresh token is used. Default 0.75. */
  readonly refreshAtFraction?: number;
  /** How long before the end the session is "expiring soon" (at most half the lifetime). Default 60. */
  readonly warnBeforeSeconds?: number;
  /** What `logout()` does beyond this browser, unless its call says otherwise. */
  readonly logout?: LogoutOptions;
  /**
   * The part of Latchkey that talks to the provider is loaded on first use (sign-in, the redirect
   * back, a refresh, logout); by default it is also loaded ahead of time where that is free: once the
   * page is idle, or a minute before a refresh is due. `false` loads it only when it is needed.
   */
  readonly preloadProtocol?: boolean;
  /**
   * Binds the tokens to a key that cannot leave this browser (DPoP, RFC 9449): a non-extractable ES256
   * key pair made at sign-in and kept in IndexedDB; every token request and every API call
   * (`authInterceptor`, `session.fetch()`) carries a proof made with it. A token carried off the page is
   * then useless elsewhere. Default `false`; the provider must support DPoP (else it answers with Bearer
   * tokens, which the session then uses as such).
   */
  readonly dpop?: boolean;
}

/** What a logout does beyond the local session, which always ends first, in every tab. */
export interface LogoutOptions {
  /** Revoke the refresh token at the provider (RFC 7009). Default `true`. */
  readonly revokeRefreshToken?: boolean;
  /** End the provider's session too (RP-initiated logout), then come back to `postLogoutRedirectUri`. Default `false`. */
  readonly endSession?: boolean;
  /**
   * How the end-session request is sent. `GET` (the default) is the form every provider tests: the
   * parameters in the URL. `POST` sends them in a form body, for providers that take it (RP-Initiated
   * Logout 1.0 asks OPs for both; some leave POST out).
   */
  readonly endSessionMethod?: 'POST' | 'GET';
  /**
   * Send the ID token as `id_token_hint` (default `true`), as RP-Initiated Logout 1.0 recommends: it
   * says which session to end, and some providers (Okta among them) refuse a logout without it. By
   * GET it passes through the provider's logs and the browser's history; it is an ID token, not a
   * credential any API accepts. `false` leaves it out: such providers then ask the user to confirm,
   * or refuse.
   */
  readonly idTokenHint?: boolean;
  /**
   * Send a random `state` with the end-session request (RP-Initiated Logout 1.0 §2), which the
   * provider passes back to `postLogoutRedirectUri`. Default `false`: providers redirect back without
   * it; Glewlwyd redirects back only when it is sent (it then stays on its own "Session closed" page).
   */
  readonly state?: boolean;
}

export interface ResolvedConfig {
  readonly issuer: URL;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly scope: string;
  readonly audience: string | undefined;
  readonly audienceParameter: 'resource' | 'audience';
  readonly store: SessionStore;
  readonly refreshTokenStore: SessionStore | undefined;
  /** Key under which the session is stored. */
  readonly storeKey: string;
  readonly refreshAtFraction: number;
  readonly warnBeforeMs: number;
  readonly logout: Required<LogoutOptions>;
  readonly preloadProtocol: boolean;
  readonly dpop: boolean;
}

/** @internal Where a client's session is stored (and what its tabs, locks and idle monitor are named after). */
export function storeKeyFor(clientId: string): string {
  return `latchkey:${clientId}`;
}

function fail(message: string): never {
  throw new LatchkeyConfigError(`Latchkey configuration: ${message}`);
}

function absoluteUrl(name: string, value: unknown): URL {
  if (typeof value !== 'string' || value === '') fail(`"${name}" must be a non-empty URL string.`);
  const url = URL.parse(value);
  if (!url) fail(`"${name}" must be an absolute URL with a scheme, e.g. https://login.example.com/ (got "${value}").`);
  if (!isAllowedEndpoint(url)) fail(`"${name}" must use https: (plain http: only on localhost), got "${url.origin}".`);
  return url;
}

/**
 * Checks a configuration once, where it is given, so mistakes surface at start-up, not at sign-in.
 *
 * @throws LatchkeyConfigError (`LATCHKEY_CONFIG_INVALID`)
 */
export function resolveConfig(config: LatchkeyConfig, origin: string): ResolvedConfig {
  if (typeof config !== 'object' || config === null) fail('expected an object with "issuer" and "clientId".');
  const issuer = absoluteUrl('issuer', config.issuer);
  if (issuer.search || issuer.hash) fail('"issuer" must not have a query or fragment.');
  if (typeof config.clientId !== 'string' || config.clientId.trim() === '') fail('"clientId" must be a non-empty string.');
  const redirectUri = config.redirectUri ?? `${origin}/callback`;
  absoluteUrl('redirectUri', redirectUri);
  const postLogoutRedirectUri = config.postLogoutRedirectUri ?? `${origin}/`;
  absoluteUrl('postLogoutRedirectUri', postLogoutRedirectUri);

  const scopes = new Set((config.scope ?? 'openid profile email').split(/\s+/).filter(Boolean));
  scopes.add('openid');
  if (config.audience !== undefined && (typeof config.audience !== 'string' || config.audience === '')) {
    fail('"audience" must be a non-empty string when given.');
  }
  const audienceParameter = config.audienceParameter ?? (issuer.hostname.endsWith('.auth0.com') ? 'audience' : 'resource');
  if (audienceParameter !== 'resource' && audienceParameter !== 'audience') {
    fail('"audienceParameter" must be "resource" or "audience".');
  }
  const store = checkStore('store', config.store ?? localStore());
  const refreshTokenStore = config.refreshTokenStore === undefined ? undefined : checkStore('refreshTokenStore', config.refreshTokenStore);
  const refreshAtFraction = config.refreshAtFraction ?? 0.75;
  if (typeof refreshAtFraction !== 'number' || !(refreshAtFraction > 0 && refreshAtFraction < 1)) {
    fail('"refreshAtFraction" must be a number between 0 and 1 (exclusive), e.g. 0.75.');
  }
  const warnBeforeSeconds = config.warnBeforeSeconds ?? 60;
  if (typeof warnBeforeSeconds !== 'number' || !(warnBeforeSeconds >= 0) || !Number.isFinite(warnBeforeSeconds)) {
    fail('"warnBeforeSeconds" must be a number of seconds, 0 or more.');
  }
  const logout = {
    revokeRefreshToken: true,
    endSession: false,
    endSessionMethod: 'GET' as const,
    idTokenHint: true,
    state: false,
    ...config.logout,
  };
  if (logout.endSessionMethod !== 'POST' && logout.endSessionMethod !== 'GET') fail('"logout.endSessionMethod" must be "GET" or "POST".');
  if (typeof logout.idTokenHint !== 'boolean') fail('"logout.idTokenHint" must be true or false.');
  if (typeof logout.state !== 'boolean') fail('"logout.state" must be true or false.');
  const preloadProtocol = config.preloadProtocol ?? true;
  if (typeof preloadProtocol !== 'boolean') fail('"preloadProtocol" must be true or false.');
  const dpop = config.dpop ?? false;
  if (typeof dpop !== 'boolean') fail('"dpop" must be true or false.');
  return {
    issuer,
    clientId: config.clientId,
    redirectUri,
    postLogoutRedirectUri,
    scope: ['openid', ...[...scopes].filter((s) => s !== 'openid')].join(' '),
    audience: config.audience,
    audienceParameter,
    store,
    refreshTokenStore,
    storeKey: storeKeyFor(config.clientId),
    refreshAtFraction,
    warnBeforeMs: warnBeforeSeconds * 1000,
    logout,
    preloadProtocol,
    dpop,
  };
}

function checkStore(name: string, store: SessionStore): SessionStore {
  if (typeof store?.get !== 'function' || typeof store.set !== 'function' || typeof store.remove !== 'function') {
    fail(`"${name}" must have get, set and remove methods (see SessionStore).`);
  }
  return store;
}
