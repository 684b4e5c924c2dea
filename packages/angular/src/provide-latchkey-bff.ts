import { isPlatformServer } from '@angular/common';
import { inject, makeStateKey, PLATFORM_ID, REQUEST_CONTEXT, TransferState, type EnvironmentProviders, type Provider } from '@angular/core';
import {
  createBffSession,
  LatchkeyConfigError,
  type BffSessionBody,
  type BffSessionOptions,
  type LatchkeyConfig,
  type SessionState,
} from '@latchkey/core';
import {
  LATCHKEY_SESSION_FACTORY,
  ɵLATCHKEY_SERVER_STATE,
  type IdleTimeoutOptions,
  type LatchkeyAngularConfig,
  type TokenRule,
} from './latchkey-options';
import { LatchkeyFeatureKind, ɵprovideLatchkeyWith, type LatchkeyFeature } from './provide-latchkey';
import { ɵLATCHKEY_REQUEST_AUTHORIZER, type RequestAuthorizer } from './request-auth';

/** BFF mode's options (all optional): where the BFF is mounted, the session warning, logout, idle timeout. */
export interface LatchkeyBffOptions extends Omit<BffSessionOptions, 'initialState'> {
  /** The idle timeout (see `withIdleTimeout()`), for when it comes with a loaded configuration. */
  readonly idle?: IdleTimeoutOptions;
}

/** BFF mode's options, or a loader for them. */
export type LatchkeyBffSource = LatchkeyBffOptions | (() => LatchkeyBffOptions | Promise<LatchkeyBffOptions>);

/**
 * What the server's render passes in Angular's `REQUEST_CONTEXT` for BFF mode: the session the BFF
 * read from the request's cookie (`await bff.sessionFor(request)` from `@latchkey/bff`).
 */
export interface LatchkeyRequestContext {
  readonly latchkeySession?: BffSessionBody;
}

// The server's session reaches the browser's first render through TransferState, so hydration keeps it.
const SESSION_KEY = makeStateKey<BffSessionBody>('latchkey-bff-session');

/** The configuration BFF mode starts `Auth` from: the session's options, and the one origin rule for the CSRF header. */
interface BffAngularConfig extends LatchkeyAngularConfig {
  readonly ɵbff: Omit<LatchkeyBffOptions, 'idle'>;
  readonly ɵrules: readonly TokenRule[];
}

/** `X-Latchkey-CSRF: 1` on requests to the app's own BFF; never a token (and a 401 is the answer). */
const csrfAuthorizer: RequestAuthorizer = {
  send: (_auth, req, _url, next) => next(req.clone({ setHeaders: { 'X-Latchkey-CSRF': '1' } })),
};

function serverState(body: BffSessionBody | undefined): SessionState | null {
  if (!body) return null;
  const authenticated = body.status === 'authenticated' && body.user !== null;
  return {
    status: authenticated ? 'authenticated' : 'anonymous',
    user: authenticated ? body.user : null,
    expiresAt: authenticated ? body.expiresAt : null,
    expiringSoon: false,
    error: null,
  };
}

const ALLOWED = new Set<LatchkeyFeatureKind>([LatchkeyFeatureKind.IdleTimeout, LatchkeyFeatureKind.SessionWarning]);

/**
 * Latchkey in BFF mode: the app's server (`@latchkey/bff`) is the OAuth client, and the browser holds
 * one `HttpOnly` cookie, never a token. `Auth`, its signals, `authGuard`, `withIdleTimeout()` and
 * `withSessionWarning()` work as in browser mode; `authInterceptor` adds the CSRF header to requests
 * for the BFF (`{baseUrl}/…`, its API proxy included) and never a token. With server-side rendering,
 * pass the session in the request context ({@link LatchkeyRequestContext}): the server-rendered page
 * then shows the right button and name, and hydration keeps them.
 *
 * @example
 * ```ts
 * bootstrapApplication(App, { providers: [
 *   provideHttpClient(withInterceptors([authInterceptor])),
 *   provideLatchkeyBff({ baseUrl: '/bff' }),
 * ]});
 * ```
 * @throws LatchkeyConfigError for `withStore()` or `withTokenFor()`, which have no meaning without tokens in the
 *   browser (in development)
 */
export function provideLatchkeyBff(source: LatchkeyBffSource = {}, ...features: LatchkeyFeature[]): EnvironmentProviders {
  // A mistake of the app's code, found in development.
  const misplaced = ngDevMode && features.find((f) => !ALLOWED.has(f.ɵkind));
  if (ngDevMode && misplaced) {
    throw new LatchkeyConfigError(
      `provideLatchkeyBff(): ${LatchkeyFeatureKind[misplaced.ɵkind]} has no meaning in BFF mode (the tokens stay on the server).`,
    );
  }
  const mode: Provider[] = [
    { provide: ɵLATCHKEY_REQUEST_AUTHORIZER, useValue: csrfAuthorizer },
    {
      provide: ɵLATCHKEY_SERVER_STATE,
      useFactory: () => {
        if (!isPlatformServer(inject(PLATFORM_ID))) return null;
        const body = (inject(REQUEST_CONTEXT, { optional: true }) as LatchkeyRequestContext | null)?.latchkeySession;
        if (body) inject(TransferState).set(SESSION_KEY, body);
        return serverState(body);
      },
    },
    {
      provide: LATCHKEY_SESSION_FACTORY,
      useFactory: () => {
        const transfer = inject(TransferState);
        return (config: LatchkeyConfig) => {
          const initialState = transfer.get(SESSION_KEY, null);
          transfer.remove(SESSION_KEY);
          const options = (config as BffAngularConfig).ɵbff;
          return createBffSession({
            ...options,
            ...(config.warnBeforeSeconds !== undefined && { warnBeforeSeconds: config.warnBeforeSeconds }),
            ...(initialState && { initialState }),
          });
        };
      },
    },
  ];
  // The one rule bffConfig made: BFF mode bundles no parser of origins.
  return ɵprovideLatchkeyWith(
    () => bffConfig(source),
    features,
    mode,
    (loaded) => (loaded as BffAngularConfig).ɵrules,
  );
}

/**
 * The options as the configuration `Auth` starts from: the BFF's own path is where `authInterceptor`
 * sends the CSRF header; the client id names the idle monitor's key.
 */
async function bffConfig(source: LatchkeyBffSource): Promise<BffAngularConfig> {
  const { idle, ...options } = typeof source === 'function' ? await source() : source;
  const base = (options.baseUrl ?? '/bff').replace(/\/+$/, '');
  // Loaded in the browser only (a server render starts no session).
  const origin = globalThis.location.origin;
  return {
    issuer: origin,
    clientId: `bff${base}`,
    // The BFF's own path (createBffSession checks `baseUrl`: a path of plain characters).
    ɵrules: [{ origin, pathPrefix: `${base}/` }],
    ...(idle && { idle }),
    ɵbff: options,
  } satisfies BffAngularConfig;
}
