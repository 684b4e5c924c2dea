import { makeEnvironmentProviders, provideAppInitializer, inject, type EnvironmentProviders, type Provider } from '@angular/core';
import type { LatchkeyConfig, SessionStore } from '@latchkey/core';
import { Auth } from './auth';
import { LATCHKEY_OPTIONS, type LatchkeyConfigSource, type LatchkeyOptions } from './latchkey-options';

export const enum LatchkeyFeatureKind {
  Store,
}

/** A `withX()` feature for {@link provideLatchkey}. */
export interface LatchkeyFeature<Kind extends LatchkeyFeatureKind = LatchkeyFeatureKind> {
  readonly ɵkind: Kind;
  /** Configuration this feature sets, applied over the (possibly loaded) configuration. */
  readonly ɵconfig: Partial<LatchkeyConfig>;
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
 *   provideLatchkey({ issuer: 'https://login.example.com/', clientId: 'spa' }, withStore(sessionStore())),
 * ]});
 * ```
 */
export function provideLatchkey(config: LatchkeyConfigSource, ...features: LatchkeyFeature[]): EnvironmentProviders {
  const overrides = Object.assign({}, ...features.map((f) => f.ɵconfig)) as Partial<LatchkeyConfig>;
  return makeEnvironmentProviders([
    { provide: LATCHKEY_OPTIONS, useValue: { source: config, overrides } satisfies LatchkeyOptions },
    Auth,
    provideAppInitializer(() => inject(Auth).ɵinit()),
    features.map((f) => f.ɵproviders),
  ]);
}

/**
 * Keeps the session in `store` instead of `localStorage`: `sessionStore()` (per tab),
 * `memoryStore()` (until reload), or any sync or async `SessionStore`.
 */
export function withStore(store: SessionStore): LatchkeyFeature<LatchkeyFeatureKind.Store> {
  return { ɵkind: LatchkeyFeatureKind.Store, ɵconfig: { store }, ɵproviders: [] };
}
