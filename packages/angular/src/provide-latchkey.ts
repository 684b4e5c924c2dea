import { makeEnvironmentProviders, provideAppInitializer, inject, type EnvironmentProviders, type Provider } from '@angular/core';
import { createSession, LatchkeyConfigError, type LatchkeyConfig, type SessionStore } from '@latchkey/core';
import { Auth } from './auth';
import {
  LATCHKEY_SESSION_FACTORY,
  ɵLATCHKEY_IDLE_OPTIONS,
  ɵLATCHKEY_OPTIONS,
  ɵLATCHKEY_TOKEN_RULES,
  type IdleTimeoutOptions,
  type LatchkeyConfigSource,
  type LatchkeyOptions,
} from './latchkey-options';
import { checkIdleOptions } from './idle-options';
import { sessionSigner, tokenAuthorizer, ɵLATCHKEY_REQUEST_AUTHORIZER } from './request-auth';
import { parseTokenRules } from './token-rules';

export enum LatchkeyFeatureKind {
  Store,
  TokenFor,
  IdleTimeout,
  SessionWarning,
  Dpop,
}

/** A `withX()` feature for {@link provideLatchkey}. */
export interface LatchkeyFeature<Kind extends LatchkeyFeatureKind = LatchkeyFeatureKind> {
  /** @internal Which feature this is, so each is given once. */
  readonly ɵkind: Kind;
  /** @internal Configuration this feature sets, applied over the (possibly loaded) configuration. */
  readonly ɵconfig: Partial<LatchkeyConfig>;
  /** @internal The providers this feature adds. */
  readonly ɵproviders: Provider[];
}

/**
 * Sets up Latchkey: the {@link Auth} service, the stored session restored before the first render,
 * and the redirect back from the provider completed before the router starts (no `/callback` route needed).
 *
 * @example
 * ```ts
 * bootstrapApplication(App, { providers: [
 *   provideRouter(routes),
 *   provideHttpClient(withInterceptors([authInterceptor])),
 *   provideLatchkey({ issuer: 'https://login.example.com/', clientId: 'spa' }, withTokenFor(['https://api.example.com'])),
 * ]});
 * ```
 * @throws LatchkeyConfigError `LATCHKEY_CONFIG_INVALID` for contradictory features (the same one twice), in development.
 */
export function provideLatchkey(config: LatchkeyConfigSource, ...features: LatchkeyFeature[]): EnvironmentProviders {
  return ɵprovideLatchkeyWith(
    config,
    features,
    [
      { provide: LATCHKEY_SESSION_FACTORY, useValue: createSession },
      { provide: ɵLATCHKEY_REQUEST_AUTHORIZER, useValue: tokenAuthorizer(sessionSigner) },
    ],
    (loaded) => parseTokenRules(loaded.tokenFor ?? []),
  );
}

/**
 * @internal What both modes provide: the features (each once), `Auth`, and its start before the first
 * render; `rules` gives the configuration's origins (each mode its own, so BFF mode bundles no parser).
 */
export function ɵprovideLatchkeyWith(
  config: LatchkeyConfigSource,
  features: readonly LatchkeyFeature[],
  mode: Provider[],
  rules: LatchkeyOptions['rules'],
): EnvironmentProviders {
  // A mistake of the app's code, found in development (as Angular's own providers check theirs).
  if (ngDevMode) {
    const kinds = features.map((f) => f.ɵkind);
    const repeated = kinds.find((kind, i) => kinds.indexOf(kind) !== i);
    if (repeated !== undefined) {
      throw new LatchkeyConfigError(
        `provideLatchkey(): the same feature is given twice (${LatchkeyFeatureKind[repeated] ?? repeated}); give each once.`,
      );
    }
  }
  const overrides = Object.assign({}, ...features.map((f) => f.ɵconfig)) as Partial<LatchkeyConfig>;
  return makeEnvironmentProviders([
    { provide: ɵLATCHKEY_OPTIONS, useValue: { source: config, overrides, rules } satisfies LatchkeyOptions },
    mode,
    Auth,
    provideAppInitializer(() => inject(Auth).ɵinit()),
    features.map((f) => f.ɵproviders),
  ]);
}

/**
 * Keeps the session in `store` instead of `localStorage`: `sessionStore()` (per tab),
 * `memoryStore()` (until reload), or any sync or async `SessionStore`.
 */
export function withStore(
  store: SessionStore,
  options: { refreshTokenStore?: SessionStore } = {},
): LatchkeyFeature<LatchkeyFeatureKind.Store> {
  return {
    ɵkind: LatchkeyFeatureKind.Store,
    ɵconfig: { store, ...(options.refreshTokenStore && { refreshTokenStore: options.refreshTokenStore }) },
    ɵproviders: [],
  };
}

/**
 * The APIs `authInterceptor` sends the access token to: full origins (`https://api.example.com`),
 * optionally with a path (`https://example.com/api/`). Nothing else ever gets it.
 *
 * @throws LatchkeyConfigError at start-up for an entry without a scheme, or plain http off localhost.
 */
export function withTokenFor(origins: readonly string[]): LatchkeyFeature<LatchkeyFeatureKind.TokenFor> {
  const rules = parseTokenRules(origins);
  return { ɵkind: LatchkeyFeatureKind.TokenFor, ɵconfig: {}, ɵproviders: [{ provide: ɵLATCHKEY_TOKEN_RULES, useValue: rules }] };
}

/**
 * Signs out after `minutes` without user activity in any tab of the app, after a warning
 * (`auth.idleSignOutAt()`) whose "Stay signed in" (`auth.staySignedIn()`) keeps every tab alive.
 */
export function withIdleTimeout(options: IdleTimeoutOptions): LatchkeyFeature<LatchkeyFeatureKind.IdleTimeout> {
  return {
    ɵkind: LatchkeyFeatureKind.IdleTimeout,
    ɵconfig: {},
    ɵproviders: [{ provide: ɵLATCHKEY_IDLE_OPTIONS, useValue: checkIdleOptions(options) }],
  };
}

/**
 * When the session cannot be refreshed, `auth.expiringSoon()` turns true `beforeSeconds` before it
 * ends (at most half the lifetime), for a "Stay signed in" prompt. Default 60 s.
 */
export function withSessionWarning(options: { beforeSeconds: number }): LatchkeyFeature<LatchkeyFeatureKind.SessionWarning> {
  if (!(typeof options?.beforeSeconds === 'number' && options.beforeSeconds >= 0)) {
    throw new LatchkeyConfigError('withSessionWarning(): "beforeSeconds" must be 0 or more.');
  }
  return { ɵkind: LatchkeyFeatureKind.SessionWarning, ɵconfig: { warnBeforeSeconds: options.beforeSeconds }, ɵproviders: [] };
}

/**
 * Binds the tokens to a key that cannot leave this browser (DPoP, RFC 9449; the `dpop` option of the
 * configuration): a non-extractable key made at sign-in and kept in IndexedDB, a proof of it with every
 * token request and, through `authInterceptor`, every API call. A token carried off the page by an XSS
 * payload is then useless elsewhere. The provider must support DPoP, and the APIs must accept DPoP tokens.
 */
export function withDpop(): LatchkeyFeature<LatchkeyFeatureKind.Dpop> {
  return { ɵkind: LatchkeyFeatureKind.Dpop, ɵconfig: { dpop: true }, ɵproviders: [] };
}
