import { LatchkeyConfigError, ɵisAllowedEndpoint } from '@latchkey/core';
import { DEFAULT_BFF_BASE } from '@latchkey/core/bff';
import type { SessionHub } from './hub.ts';
import type { ServerSessionStore } from './stores/types.ts';

/** An API the proxy forwards to (`{base}/api/<name>/…`): never a URL taken from the request. */
export interface UpstreamOptions {
  /** The upstream's base URL; `{base}/api/<name>/x/y` goes to `<url>/x/y`, and nowhere outside it. */
  readonly url: string;
  /** Per-request deadline. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface BffOptions {
  /** The OpenID Provider; its discovery document must name exactly this issuer. */
  readonly issuer: string;
  readonly clientId: string;
  /** `client_secret_basic`. Give this or `privateKey`. */
  readonly clientSecret?: string;
  /** `private_key_jwt` (RFC 7523): the client's signing key, registered with the provider as a JWK. */
  readonly privateKey?: { readonly key: CryptoKey; readonly kid?: string };
  /**
   * The app's own origin (`https://app.example.com`): the `redirect_uri` and every same-origin check
   * are made from it, never from `Host` or `X-Forwarded-*`.
   */
  readonly appOrigin: string;
  /** The BFF's path under the app's origin. Default `/bff`. */
  readonly basePath?: string;
  /** Default `openid profile email offline_access` (`offline_access` for a refresh token). */
  readonly scope?: string;
  /** The API the access token is for (RFC 8707 `resource`, or Auth0's `audience`). */
  readonly audience?: string;
  readonly audienceParameter?: 'resource' | 'audience';
  /** Extra authorization request parameters (`prompt`, `acr_values`, …). */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /** Where the provider sends the browser after its logout. Default the app's `/`. */
  readonly postLogoutRedirectUri?: string;
  /** Send a `state` with the end-session request (Glewlwyd redirects back only then). Default `false`. */
  readonly endSessionState?: boolean;
  /** Sliding: the session ends after this long without activity. Default 30 minutes. */
  readonly idleTimeoutMs?: number;
  /** The session ends this long after sign-in, whatever the activity. Default 12 hours. */
  readonly absoluteTimeoutMs?: number;
  /**
   * At most this many refresh requests at once from this node (default 8): a storm of sessions due together
   * waits its turn instead of timing out at the provider (a refresh that times out is not retried).
   */
  readonly maxConcurrentRefreshes?: number;
  /** The proxy's allowlist, by name. */
  readonly upstreams?: Readonly<Record<string, UpstreamOptions>>;
  /** Where sessions live. Default: `sqliteStore()` at its default path (a restart signs nobody out). */
  readonly store?: ServerSessionStore;
  /**
   * How the event streams hear of a session's change. Default: in this process. With many nodes on a
   * shared store, one across them (`redisHub()`), so a logout on one node reaches the tabs of every node.
   */
  readonly hub?: SessionHub;
  /**
   * Where the BFF reports what the operator must know (a store that failed, an unexpected error): a
   * line without tokens, ids or cookies. Default `console.error`.
   */
  readonly log?: (message: string) => void;
  /** For tests: the provider's transport and the clock. */
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** The options, checked, with their defaults. */
export interface ResolvedBffOptions {
  readonly issuer: URL;
  readonly clientId: string;
  readonly appOrigin: string;
  readonly basePath: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly scope: string;
  readonly audience: string | undefined;
  readonly audienceParameter: 'resource' | 'audience';
  readonly authorizationParams: Readonly<Record<string, string>>;
  readonly endSessionState: boolean;
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
  readonly upstreams: ReadonlyMap<string, { readonly url: URL; readonly timeoutMs: number }>;
  readonly log: (message: string) => void;
  readonly maxConcurrentRefreshes: number;
}

// eslint-disable-next-line no-console -- a server library's default report goes to the server's log
const defaultLog = (message: string) => console.error(message);

export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60_000;
const DEFAULT_SCOPE = 'openid profile email offline_access';
const UPSTREAM_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

function absoluteUrl(value: unknown, field: string): URL {
  const url = typeof value === 'string' ? URL.parse(value) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new LatchkeyConfigError(`bff: "${field}" must be an absolute http(s) URL.`);
  }
  return url;
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new LatchkeyConfigError(`bff: "${field}" must be a positive number of milliseconds.`);
  return value;
}

function count(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new LatchkeyConfigError(`bff: "${field}" must be a whole number, 1 or more.`);
  return value;
}

/**
 * Checks the options once, at start-up.
 *
 * @throws LatchkeyConfigError for a missing or wrong field, a plain-http origin off localhost, or
 *   both or neither of `clientSecret` and `privateKey`
 */
export function resolveBffOptions(options: BffOptions): ResolvedBffOptions {
  if (!options || typeof options !== 'object') throw new LatchkeyConfigError('bff: options are required.');
  const issuer = absoluteUrl(options.issuer, 'issuer');
  if (!ɵisAllowedEndpoint(issuer)) {
    throw new LatchkeyConfigError('bff: "issuer" must be https (plain http only on a loopback host, for a development provider).');
  }
  if (typeof options.clientId !== 'string' || options.clientId === '') throw new LatchkeyConfigError('bff: "clientId" is required.');
  if ((options.clientSecret === undefined) === (options.privateKey === undefined)) {
    throw new LatchkeyConfigError('bff: give exactly one of "clientSecret" (client_secret_basic) and "privateKey" (private_key_jwt).');
  }
  if (options.clientSecret !== undefined && (typeof options.clientSecret !== 'string' || options.clientSecret === '')) {
    throw new LatchkeyConfigError('bff: "clientSecret" must be a non-empty string.');
  }
  const app = absoluteUrl(options.appOrigin, 'appOrigin');
  if (app.origin !== options.appOrigin.replace(/\/$/, '')) {
    throw new LatchkeyConfigError('bff: "appOrigin" must be an origin only (scheme, host, port), without a path.');
  }
  if (app.protocol === 'http:' && app.hostname !== 'localhost') {
    throw new LatchkeyConfigError('bff: "appOrigin" must be https (plain http only on localhost, where a browser keeps Secure cookies).');
  }
  const basePath = (options.basePath ?? DEFAULT_BFF_BASE).replace(/\/+$/, '');
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(basePath) || basePath === '' || basePath.includes('//') || basePath.includes('/.')) {
    throw new LatchkeyConfigError('bff: "basePath" must be a plain path such as "/bff".');
  }
  const postLogout = options.postLogoutRedirectUri ?? `${app.origin}/`;
  absoluteUrl(postLogout, 'postLogoutRedirectUri');
  const upstreams = new Map<string, { url: URL; timeoutMs: number }>();
  for (const [name, upstream] of Object.entries(options.upstreams ?? {})) {
    if (!UPSTREAM_NAME.test(name))
      throw new LatchkeyConfigError(`bff: upstream name "${name}" must be lowercase letters, digits and dashes.`);
    const url = absoluteUrl(upstream?.url, `upstreams.${name}.url`);
    if (url.search || url.hash) throw new LatchkeyConfigError(`bff: "upstreams.${name}.url" may not have a query or a fragment.`);
    upstreams.set(name, { url, timeoutMs: positive(upstream.timeoutMs, 30_000, `upstreams.${name}.timeoutMs`) });
  }
  const idleTimeoutMs = positive(options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS, 'idleTimeoutMs');
  const absoluteTimeoutMs = positive(options.absoluteTimeoutMs, DEFAULT_ABSOLUTE_TIMEOUT_MS, 'absoluteTimeoutMs');
  return {
    issuer,
    clientId: options.clientId,
    appOrigin: app.origin,
    basePath,
    redirectUri: `${app.origin}${basePath}/callback`,
    postLogoutRedirectUri: postLogout,
    scope: options.scope ?? DEFAULT_SCOPE,
    audience: options.audience,
    audienceParameter: options.audienceParameter ?? 'resource',
    authorizationParams: options.authorizationParams ?? {},
    endSessionState: options.endSessionState ?? false,
    idleTimeoutMs,
    absoluteTimeoutMs,
    upstreams,
    log: options.log ?? defaultLog,
    maxConcurrentRefreshes: count(options.maxConcurrentRefreshes, 8, 'maxConcurrentRefreshes'),
  };
}
