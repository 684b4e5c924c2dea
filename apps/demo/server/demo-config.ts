import {
  createBff,
  defaultSqlitePath,
  memoryStore,
  redisHub,
  redisStore,
  sqliteStore,
  type Bff,
  type BffOptions,
  type ServerSessionStore,
  type SessionHub,
} from '@latchkey/bff';

/** `LATCHKEY_MODE`: `browser` (the default: the page is the OAuth client) or `bff` (the demo's server is). */
export type DemoMode = 'browser' | 'bff';

/** The run-time configuration the demo loads from `/config.json`. */
export interface DemoConfig {
  mode: DemoMode;
  issuer: string;
  clientId: string;
  scope: string;
  audience?: string;
  audienceParameter?: 'resource' | 'audience';
  endSessionMethod: 'POST' | 'GET';
  endSessionState?: true;
  /** Where the API page sends its calls: the demo API's origin, or in BFF mode the BFF's proxy to it. */
  api: string;
  tokenFor: string[];
  idle?: { minutes: number; warnSeconds: number };
  preloadProtocol?: false;
  /** BFF mode: where the BFF is mounted. */
  bffBase?: string;
  /** Browser mode: the tokens are DPoP-bound (RFC 9449). */
  dpop?: true;
}

/** The BFF's client secret when `LATCHKEY_CLIENT_SECRET` is not set: the bundled dev provider's, for development only. */
export const DEV_BFF_CLIENT_SECRET = 'latchkey-bff-development-secret';
export const BFF_BASE = '/bff';

export function modeFromEnv(env: NodeJS.ProcessEnv): DemoMode {
  const mode = env['LATCHKEY_MODE'] || 'browser';
  if (mode !== 'browser' && mode !== 'bff') throw new Error(`demo: LATCHKEY_MODE must be "browser" or "bff", got "${mode}"`);
  return mode;
}

/** Reads the demo's provider from the environment: no rebuild to point the demo elsewhere. */
export function demoConfigFromEnv(env: NodeJS.ProcessEnv): DemoConfig {
  const mode = modeFromEnv(env);
  // DPoP in browser mode: on with the bundled provider (its demo client requires it), off elsewhere unless asked.
  const dpop = mode === 'browser' && dpopFromEnv(env);
  const config: DemoConfig = {
    mode,
    issuer: env['LATCHKEY_ISSUER'] || 'http://localhost:4400',
    clientId: env['LATCHKEY_CLIENT_ID'] || (mode === 'bff' ? 'latchkey-bff' : dpop ? 'latchkey-demo' : 'latchkey-demo-bearer'),
    scope: env['LATCHKEY_SCOPE'] || 'openid profile email offline_access',
    // RP-initiated logout by GET with id_token_hint, the form every provider takes (the bundled
    // oidc-provider refuses a cross-site POST: its session cookie is SameSite=Lax on http).
    endSessionMethod: env['LATCHKEY_END_SESSION_METHOD'] === 'POST' ? 'POST' : 'GET',
    api: '',
    tokenFor: [],
  };
  const api = env['LATCHKEY_API'] || 'http://localhost:4300';
  // In BFF mode the page never calls the API itself: the BFF's proxy does, with the token.
  config.api = mode === 'bff' ? `${BFF_BASE}/api/demo` : api;
  config.tokenFor = mode === 'bff' ? [] : [api];
  if (mode === 'bff') config.bffBase = BFF_BASE;
  if (dpop) config.dpop = true;
  // With the bundled provider, ask for a JWT access token for the demo API (RFC 8707 resource).
  const audience = env['LATCHKEY_AUDIENCE'] ?? (env['LATCHKEY_ISSUER'] ? undefined : api);
  if (audience) config.audience = audience;
  const idleMinutes = Number(env['DEMO_IDLE_MINUTES']);
  if (idleMinutes > 0) config.idle = { minutes: idleMinutes, warnSeconds: Number(env['DEMO_IDLE_WARN_SECONDS'] ?? 60) };
  if (env['LATCHKEY_PRELOAD_PROTOCOL'] === 'false') config.preloadProtocol = false;
  if (env['LATCHKEY_END_SESSION_STATE'] === 'true') config.endSessionState = true;
  const param = env['LATCHKEY_AUDIENCE_PARAMETER'];
  if (param === 'resource' || param === 'audience') config.audienceParameter = param;
  return config;
}

/** `LATCHKEY_DPOP`: `1` or `0`; by default on with the bundled provider and off with another (`LATCHKEY_ISSUER`). */
function dpopFromEnv(env: NodeJS.ProcessEnv): boolean {
  const raw = env['LATCHKEY_DPOP'];
  if (raw === undefined || raw === '') return !env['LATCHKEY_ISSUER'];
  if (raw !== '0' && raw !== '1') throw new Error(`demo: LATCHKEY_DPOP must be "1" or "0", got "${raw}"`);
  return raw === '1';
}

function seconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`demo: ${name} must be a positive number of seconds, got "${raw}"`);
  return value * 1000;
}

/**
 * `LATCHKEY_SESSION_STORE`: `sqlite` (the default, at `LATCHKEY_SESSION_DB` or the user's state
 * directory), `sqlite:<path>`, `memory` (gone with the process), or `redis://host:port` — the store and
 * the event hub of many nodes.
 */
export function sessionStoreFromEnv(env: NodeJS.ProcessEnv): { store: ServerSessionStore; hub?: SessionHub } {
  const spec = env['LATCHKEY_SESSION_STORE'] || 'sqlite';
  if (spec === 'memory') return { store: memoryStore() };
  if (spec === 'sqlite') return { store: sqliteStore({ path: env['LATCHKEY_SESSION_DB'] || defaultSqlitePath(env) }) };
  if (spec.startsWith('sqlite:')) return { store: sqliteStore({ path: spec.slice('sqlite:'.length) }) };
  if (spec.startsWith('redis://') || spec.startsWith('rediss://'))
    return { store: redisStore({ url: spec }), hub: redisHub({ url: spec }) };
  throw new Error(`demo: LATCHKEY_SESSION_STORE must be "sqlite", "sqlite:<path>", "memory" or "redis://host:port", got "${spec}"`);
}

/** The demo's BFF: the demo's server as the confidential client, its API behind the proxy as `demo`. */
export function demoBff(env: NodeJS.ProcessEnv, config: DemoConfig, appOrigin: string): Bff {
  const idleTimeoutMs = seconds(env, 'LATCHKEY_BFF_IDLE_SECONDS');
  const absoluteTimeoutMs = seconds(env, 'LATCHKEY_BFF_ABSOLUTE_SECONDS');
  const options: BffOptions = {
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: env['LATCHKEY_CLIENT_SECRET'] || DEV_BFF_CLIENT_SECRET,
    appOrigin,
    basePath: BFF_BASE,
    scope: config.scope,
    ...(config.audience && { audience: config.audience }),
    ...(config.audienceParameter && { audienceParameter: config.audienceParameter }),
    ...(config.endSessionState && { endSessionState: true }),
    ...(idleTimeoutMs && { idleTimeoutMs }),
    ...(absoluteTimeoutMs && { absoluteTimeoutMs }),
    upstreams: { demo: { url: env['LATCHKEY_API'] || 'http://localhost:4300' } },
    ...sessionStoreFromEnv(env),
  };
  return createBff(options);
}
