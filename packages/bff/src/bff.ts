import type { BffSessionBody } from '@latchkey/core/bff';
import { clientSecretBasic, createProvider, privateKeyJwt, type Provider } from '@latchkey/core/protocol';
import { readCookie, SESSION_COOKIE } from './cookies.ts';
import { backchannelLogout } from './backchannel-logout.ts';
import { events } from './events.ts';
import {
  csrfFailure,
  describe,
  failure,
  orUnavailable,
  passesCsrfChecks,
  plainJson,
  plainFailure,
  plainUnavailable,
  StoreUnavailable,
  toResponse,
  type PlainAnswer,
} from './http.ts';
import { memoryHub, type SessionHub } from './hub.ts';
import { resolveBffOptions, type BffOptions, type ResolvedBffOptions } from './options.ts';
import { proxy } from './proxy.ts';
import { ServerSessions } from './sessions.ts';
import { callback, login } from './sign-in.ts';
import { logout, logoutEnd } from './sign-out.ts';
import { sqliteStore } from './stores/sqlite-store.ts';
import type { ServerSessionStore } from './stores/types.ts';
import { defaultSqlitePath } from './default-store-path.ts';

/** A BFF: Fetch API in, Fetch API out. Mount it with the Express adapter (`@latchkey/bff/express`) or any server. */
export interface Bff {
  readonly options: ResolvedBffOptions;
  /** The answer for a request under the base path, or `undefined` for any other request (not the BFF's). */
  handle(request: Request): Promise<Response | undefined>;
  /**
   * The session of the request's cookie, for a server-side render: claims and times only, not
   * activity. `undefined` when it cannot be known now (the store is down): render a placeholder.
   */
  sessionFor(request: Request): Promise<BffSessionBody | undefined>;
  /**
   * @internal For adapters: the answer to `method` on the request-target `target` (path and query, as it
   * came) when it is `{base}/session` and passes the CSRF checks, without the Fetch API: the BFF's most
   * frequent request, as every tab asks at start and on every wake. `undefined`, at once, when
   * {@link Bff.handle} must answer (another request, or a refused one). Never rejects.
   */
  ɵsessionAnswer(method: string, target: string, header: (name: string) => string | null): Promise<PlainAnswer> | undefined;
  /** Stops timers, and closes the store and the hub (those given in the options too). */
  close(): Promise<void>;
}

type Route = (request: Request) => Promise<Response>;

/** Every endpoint but `login`, `callback` and `events` requires the CSRF header. */
const REQUIRE_CSRF_HEADER = true;
const BFF_FAILED = 'The BFF failed to answer; nothing was changed.';

/**
 * Creates the BFF: the app's server as a confidential OpenID Connect client (`client_secret_basic` or
 * `private_key_jwt`) whose browser holds only an `HttpOnly` cookie. Endpoints under `basePath`
 * (default `/bff`): `login`, `callback`, `session`, `logout`, `logout/end`, `events`, and `api/<name>/…`.
 *
 * @throws LatchkeyConfigError `LATCHKEY_CONFIG_INVALID` for a bad option
 */
export function createBff(input: BffOptions): Bff {
  const options = resolveBffOptions(input);
  const now = input.now ?? Date.now;
  const clock = {
    now,
    setTimeout: (handler: () => void, ms: number) => setTimeout(handler, ms),
    clearTimeout: (id: unknown) => clearTimeout(id as NodeJS.Timeout),
  };
  const provider: Provider = createProvider({
    issuer: options.issuer,
    clientId: options.clientId,
    clientAuth: input.privateKey
      ? privateKeyJwt(input.privateKey.key, input.privateKey.kid)
      : clientSecretBasic(input.clientSecret as string),
    fetch: input.fetch ?? fetch,
    clock,
  });
  const store: ServerSessionStore = input.store ?? sqliteStore({ path: defaultSqlitePath() });
  const hub: SessionHub = input.hub ?? memoryHub();
  const sessions = new ServerSessions(store, options, provider, hub, now);
  const context = { options, provider, store, sessions, hub, now, fetch: input.fetch ?? fetch };
  const base = options.basePath;
  const guarded =
    (route: Route, requireHeader = REQUIRE_CSRF_HEADER): Route =>
    (request) =>
      Promise.resolve(csrfFailure(request, options.appOrigin, requireHeader) ?? orUnavailable(() => route(request)));

  const readSession = (header: (name: string) => string | null) => sessions.read(readCookie(header('cookie'), SESSION_COOKIE));
  /** `{base}/session`, once for both paths: `handle()` and the adapters' fast path (`ɵsessionAnswer`). */
  const sessionAnswer = async (header: (name: string) => string | null, activity: boolean): Promise<PlainAnswer> => {
    let active = await readSession(header);
    // POST is "Stay signed in": activity. A GET only reads.
    if (active && activity) active = await sessions.touch(active);
    return plainJson(200, sessions.body(active?.session));
  };
  const sessionRoute: Route = async (request) =>
    toResponse(await sessionAnswer((name) => request.headers.get(name), request.method === 'POST'));
  const routes: Record<string, Partial<Record<string, Route>>> = {
    login: { GET: (request) => login(request, context) },
    callback: { GET: (request) => callback(request, context) },
    session: { GET: guarded(sessionRoute), POST: guarded(sessionRoute) },
    logout: { POST: guarded((request) => logout(request, context)) },
    'logout/end': { GET: (request) => logoutEnd(request, context) },
    events: { GET: guarded((request) => events(request, context), false) },
    // From the provider, server to server: no browser, so no CSRF header and no Origin to check.
    'backchannel-logout': {
      POST: (
        (route: Route) => (request: Request) =>
          orUnavailable(() => route(request))
      )(backchannelLogout(context)),
    },
  };

  async function handle(request: Request): Promise<Response | undefined> {
    const url = new URL(request.url);
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return undefined;
    const path = url.pathname.slice(base.length + 1);
    try {
      if (path.startsWith('api/')) return await guarded((r) => proxy(r, context))(request);
      const methods = routes[path];
      if (!methods) return failure(404, 'LATCHKEY_CONFIG_INVALID', 'No such BFF endpoint.');
      const route = methods[request.method];
      if (!route)
        return failure(405, 'LATCHKEY_CONFIG_INVALID', `Use ${Object.keys(methods).join(' or ')}.`, {
          Allow: Object.keys(methods).join(', '),
        });
      return await route(request);
    } catch (error) {
      options.log(`bff: ${request.method} ${url.pathname} failed: ${describe(error)}`);
      return failure(500, 'LATCHKEY_BFF_UNAVAILABLE', BFF_FAILED);
    }
  }

  return {
    options,
    handle,
    async sessionFor(request) {
      try {
        return sessions.body((await readSession((name) => request.headers.get(name)))?.session);
      } catch {
        return undefined;
      }
    },
    ɵsessionAnswer(method, target, header) {
      const queryAt = target.indexOf('?');
      if ((queryAt < 0 ? target : target.slice(0, queryAt)) !== `${base}/session` || !routes['session']?.[method]) return undefined;
      if (!passesCsrfChecks(header, options.appOrigin, REQUIRE_CSRF_HEADER)) return undefined;
      // A failure is answered here, as handle() would: a second try through it would read (and touch) again.
      return sessionAnswer(header, method === 'POST').catch((error: unknown) => {
        if (error instanceof StoreUnavailable) return plainUnavailable();
        options.log(`bff: ${method} ${base}/session failed: ${describe(error)}`);
        return plainFailure(500, 'LATCHKEY_BFF_UNAVAILABLE', BFF_FAILED);
      });
    },
    async close() {
      await (hub as SessionHub & { close?: () => Promise<void> }).close?.();
      await store.close();
    },
  };
}
