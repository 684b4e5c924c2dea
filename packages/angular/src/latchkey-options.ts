import { InjectionToken } from '@angular/core';
import type { LatchkeyConfig, Session, SessionState } from '@latchkey/core';

/** The core's configuration, plus what only the Angular adapter uses. */
export interface LatchkeyAngularConfig extends LatchkeyConfig {
  /**
   * More origins for `authInterceptor` (see `withTokenFor()`), for when they come with a loaded
   * configuration; checked at start-up like the feature's.
   */
  readonly tokenFor?: readonly string[];
  /** The idle timeout (see `withIdleTimeout()`), for when it comes with a loaded configuration. */
  readonly idle?: IdleTimeoutOptions;
}

/** A configuration, or a loader for one (e.g. `() => fetch('/config.json').then((r) => r.json())`). */
export type LatchkeyConfigSource = LatchkeyAngularConfig | (() => LatchkeyAngularConfig | Promise<LatchkeyAngularConfig>);

export interface LatchkeyOptions {
  readonly source: LatchkeyConfigSource;
  readonly overrides: Partial<LatchkeyConfig>;
  /** More origins for `authInterceptor`, from the (loaded) configuration: browser mode's `tokenFor`, checked. */
  readonly rules: (config: LatchkeyAngularConfig) => readonly TokenRule[];
}

/** @internal The configuration source and the features' overrides, as given to {@link provideLatchkey}. */
export const ɵLATCHKEY_OPTIONS = new InjectionToken<LatchkeyOptions>(ngDevMode ? 'ɵLATCHKEY_OPTIONS' : '');

/**
 * Makes the session from the configuration: `createSession` from `@latchkey/core` in browser mode
 * (`provideLatchkey`), `createBffSession` in BFF mode (`provideLatchkeyBff`), an in-memory session
 * under `provideLatchkeyTesting()`. Each provides its own, so an app bundles only its mode's session; a
 * provider of it listed after `provideLatchkey…()` replaces it.
 */
export const LATCHKEY_SESSION_FACTORY = new InjectionToken<(config: LatchkeyConfig) => Session>(
  ngDevMode ? 'LATCHKEY_SESSION_FACTORY' : '',
);

/**
 * @internal The session's state for a server-side render, when the server knows it (BFF mode: the
 * request's cookie). Without it a server render stays `loading`.
 */
export const ɵLATCHKEY_SERVER_STATE = new InjectionToken<SessionState | null>(ngDevMode ? 'ɵLATCHKEY_SERVER_STATE' : '');

/** One entry of {@link withTokenFor}: an exact origin, and optionally a path prefix under it. */
export interface TokenRule {
  readonly origin: string;
  /** `/` for the whole origin, else a prefix ending in `/`. */
  readonly pathPrefix: string;
}

/**
 * @internal The origins from {@link withTokenFor}, checked there (https, or http on localhost):
 * providing this token directly would skip that check.
 */
export const ɵLATCHKEY_TOKEN_RULES = new InjectionToken<readonly TokenRule[]>(ngDevMode ? 'ɵLATCHKEY_TOKEN_RULES' : '', {
  providedIn: 'root',
  factory: () => [],
});

export interface IdleTimeoutOptions {
  /** Sign out after this many minutes without activity in any tab. */
  readonly minutes: number;
  /** Warn this many seconds before (at most half the timeout). Default 60. */
  readonly warnSeconds?: number;
}

/** @internal The idle timeout from {@link withIdleTimeout}, already checked; `null` without one. */
export const ɵLATCHKEY_IDLE_OPTIONS = new InjectionToken<IdleTimeoutOptions | null>(ngDevMode ? 'ɵLATCHKEY_IDLE_OPTIONS' : '', {
  providedIn: 'root',
  factory: () => null,
});
