import { DOCUMENT, isPlatformBrowser } from '@angular/common';
import { ApplicationRef, computed, DestroyRef, inject, Injectable, PendingTasks, PLATFORM_ID, signal } from '@angular/core';
import { toObservable } from '@angular/core/rxjs-interop';
import {
  createIdleMonitor,
  LatchkeyConfigError,
  LatchkeyError,
  ɵbrowserIdlePorts,
  ɵcompleteRedirect,
  ɵextendSession,
  ɵLOADING_STATE,
  ɵstoreKeyFor,
  type AccessTokenOptions,
  type IdleMonitor,
  type LoginOptions,
  type LogoutOptions,
  type Session,
  type SessionEvents,
  type SessionState,
  type TokenSession,
} from '@latchkey/core';
import {
  ɵLATCHKEY_IDLE_OPTIONS,
  ɵLATCHKEY_OPTIONS,
  LATCHKEY_SESSION_FACTORY,
  ɵLATCHKEY_TOKEN_RULES,
  ɵLATCHKEY_SERVER_STATE,
  type LatchkeyAngularConfig,
  type LatchkeyConfigSource,
  type TokenRule,
} from './latchkey-options';
import { checkIdleOptions } from './idle-options';

/**
 * The session as signals (and observables). Provided by {@link provideLatchkey}; holds no protocol
 * logic: it mirrors the core session's state, which flips by itself at expiry, so templates never
 * decode a token.
 *
 * In a template, `@if (auth.authenticated())` shows **Log Out** (`auth.logout()`), and its `@else`
 * shows **Log In** (`auth.login()`).
 */
@Injectable()
export class Auth {
  readonly #options = inject(ɵLATCHKEY_OPTIONS);
  readonly #factory = inject(LATCHKEY_SESSION_FACTORY);
  #idleOptions = inject(ɵLATCHKEY_IDLE_OPTIONS);
  readonly #document = inject(DOCUMENT);
  readonly #pendingTasks = inject(PendingTasks);
  readonly #appRef = inject(ApplicationRef);
  readonly #browser = isPlatformBrowser(inject(PLATFORM_ID));
  // On the server, the state the server knows (BFF mode), else `loading`.
  readonly #state = signal<SessionState>(inject(ɵLATCHKEY_SERVER_STATE, { optional: true }) ?? ɵLOADING_STATE);
  readonly #idleWarning = signal<number | null>(null);
  #session: Session | undefined;
  #ready: Promise<Session | undefined> | undefined;
  #destroyed = false;
  /** Settles once the configuration (and with it `tokenFor`) is loaded, or its loading failed. */
  #configured = false;
  /** True while the configuration loader is being called: its own requests must not wait for it. */
  #inLoader = false;
  #markConfigured!: () => void;
  readonly #whenConfigured = new Promise<void>((resolve) => (this.#markConfigured = resolve));
  #idle: IdleMonitor | undefined;
  #tokenRules: readonly TokenRule[] = inject(ɵLATCHKEY_TOKEN_RULES);
  /**
   * The sign-in this page load completed (the redirect back), replayed to `on('authenticated')`
   * handlers registered while the app starts: the event fired before they could subscribe.
   */
  #startupSignIn: SessionEvents['authenticated'] | undefined;

  /** `loading` until the stored session was read; stays `loading` on the server. */
  readonly status = computed(() => this.#state().status);
  readonly authenticated = computed(() => this.#state().status === 'authenticated');
  /** The ID token's claims (`name`, `email`, `sub`, …) while signed in, else `null`. */
  readonly user = computed(() => this.#state().user);
  /** When the session ends, in epoch milliseconds, or `null`. */
  readonly expiresAt = computed(() => this.#state().expiresAt);
  /** The session ends soon and no refresh can extend it (see `withSessionWarning()`). */
  readonly expiringSoon = computed(() => this.#state().expiringSoon);
  /** The last failure (sign-in refused, provider unreachable, …); its `code` says which. */
  readonly error = computed(() => this.#state().error);
  /** The tokens are DPoP-bound (`withDpop()`): useless off this browser. */
  readonly dpop = computed(() => this.#state().dpop === true);
  /** With `withIdleTimeout()`: when the idle sign-out will happen (epoch ms) while its warning shows, else `null`. */
  readonly idleSignOutAt = this.#idleWarning.asReadonly();

  readonly status$ = toObservable(this.status);
  readonly authenticated$ = toObservable(this.authenticated);
  readonly user$ = toObservable(this.user);
  readonly expiresAt$ = toObservable(this.expiresAt);
  readonly expiringSoon$ = toObservable(this.expiringSoon);
  readonly error$ = toObservable(this.error);

  constructor() {
    inject(DestroyRef).onDestroy(() => {
      // Start-up may still be on its way (a loader, the redirect back): it stops at its next step.
      this.#destroyed = true;
      this.#idle?.stop();
      this.#session?.dispose();
    });
  }

  /** Holds a pending task while `work` runs, so SSR and tests wait for it to settle. */
  async #task<T>(work: () => Promise<T>): Promise<T> {
    const done = this.#pendingTasks.add();
    try {
      return await work();
    } finally {
      done();
    }
  }

  /** @internal Run once by provideLatchkey's app initializer. */
  ɵinit(): Promise<Session | undefined> {
    this.#ready ??= this.#start();
    return this.#ready;
  }

  async #start(): Promise<Session | undefined> {
    try {
      return await this.#startSession();
    } finally {
      this.#configured = true;
      this.#markConfigured();
    }
  }

  async #startSession(): Promise<Session | undefined> {
    // On the server the browser's store is out of reach: stay `loading` and render a placeholder (or,
    // in BFF mode, the state the server read from the request's cookie).
    if (!this.#browser) return undefined;
    const { source, overrides, rules } = this.#options;
    const loaded: LatchkeyAngularConfig = { ...(await this.#load(source)), ...overrides };
    const { tokenFor: _, idle, ...config } = loaded;
    this.#tokenRules = [...this.#tokenRules, ...rules(loaded)];
    this.#configured = true;
    this.#markConfigured();
    if (this.#destroyed) return undefined;
    if (idle) {
      if (this.#idleOptions)
        throw new LatchkeyConfigError('The idle timeout is set twice: by withIdleTimeout() and by the configuration. Keep one.');
      this.#idleOptions = checkIdleOptions(idle);
    }
    const session = this.#factory(config);
    this.#session = session;
    this.#state.set(session.getState());
    session.subscribe((state) => {
      this.#state.set(state);
      this.#watchIdle(state, config.clientId);
    });
    if (session.isRedirectCallback()) {
      const off = session.on('authenticated', (event) => (this.#startupSignIn = event));
      void this.#appRef.whenStable().then(() => (this.#startupSignIn = undefined));
      // Completed before the router starts, which then navigates straight to the page the user came from.
      await ɵcompleteRedirect(session, this.#document.defaultView?.history);
      off();
      if (this.#destroyed) return undefined;
    }
    await session.ready();
    if (this.#destroyed) return undefined;
    this.#watchIdle(session.getState(), config.clientId);
    return session;
  }

  /** Calls the loader; the requests it starts as it is called (HttpClient for `/config.json`) go out at once. */
  #load(source: LatchkeyConfigSource): LatchkeyAngularConfig | Promise<LatchkeyAngularConfig> {
    if (typeof source !== 'function') return source;
    this.#inLoader = true;
    try {
      return source();
    } finally {
      this.#inLoader = false;
    }
  }

  #watchIdle(state: SessionState, clientId: string): void {
    const options = this.#idleOptions;
    if (!options || this.#destroyed) return;
    if (state.status !== 'authenticated') {
      this.#idle?.stop();
      this.#idle = undefined;
      this.#idleWarning.set(null);
      return;
    }
    if (this.#idle) return;
    this.#idle = createIdleMonitor(
      { timeoutMs: options.minutes * 60_000, warnBeforeMs: (options.warnSeconds ?? 60) * 1000, key: ɵstoreKeyFor(clientId) },
      ɵbrowserIdlePorts(),
      {
        onWarn: (idleAt) => this.#idleWarning.set(idleAt),
        onActive: () => this.#idleWarning.set(null),
        // Signed out here and, through the session's tab sync, everywhere; the provider's session is
        // left alone so no tab navigates away under the user.
        onIdle: () => void this.logout({ endSession: false }),
      },
    );
  }

  async #sessionOrThrow(): Promise<Session> {
    const session = await (this.#ready ?? this.ɵinit());
    if (!session) throw new LatchkeyError('LATCHKEY_CONFIG_INVALID', 'Latchkey runs in the browser only (this is a server render).');
    return session;
  }

  /**
   * Sends the browser to the provider to sign in. Never rejects: a failure (provider unreachable,
   * storage refused) is in {@link Auth.error}, and the user stays on the page.
   */
  async login(options?: LoginOptions): Promise<void> {
    try {
      await this.#task(async () => (await this.#sessionOrThrow()).login(options));
    } catch {
      // Already in the state's `error`, where the app shows it.
    }
  }

  /**
   * Signs out here and in every tab at once; then, as configured (`logout` in the config) or asked,
   * revokes the refresh token and ends the provider's session, which navigates away and back.
   */
  async logout(options?: LogoutOptions): Promise<void> {
    await this.#task(async () => (await this.#sessionOrThrow()).logout(options));
  }

  /**
   * The access token for an API call, refreshed first when due (one request for every caller and tab).
   * @throws LatchkeyError `LATCHKEY_LOGIN_REQUIRED` when signed out.
   */
  async getAccessToken(options?: AccessTokenOptions): Promise<string> {
    return this.#task(async () => (await this.#sessionOrThrow()).getAccessToken(options));
  }

  /** Userinfo for the signed-in user, discarded when it is about another user. */
  async getUserInfo(): Promise<Record<string, unknown>> {
    return this.#task(async () => (await this.#sessionOrThrow()).getUserInfo());
  }

  /**
   * `fetch` with the session's credentials, for code that does not use `HttpClient`: the access token as
   * `Bearer`, or with `withDpop()` as `DPoP` with a fresh proof (one retry with the API's nonce, one with a
   * refreshed token after a 401). Browser mode only (BFF mode holds no token: call its proxy with `HttpClient`);
   * it sends the token to whatever URL it is given.
   */
  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    return this.#task(async () => ((await this.#sessionOrThrow()) as TokenSession).fetch(input, init));
  }

  /**
   * "Stay signed in": counts as activity in every tab (idle timeout) and, when the session itself is
   * ending, extends it — by refreshing, or by signing in again when no refresh token was granted.
   */
  async staySignedIn(): Promise<void> {
    this.#idle?.stayActive();
    this.#idleWarning.set(null);
    try {
      // Extends the session only when it is ending (the rule is core's).
      await this.#task(async () => ɵextendSession(await this.#sessionOrThrow()));
    } catch {
      // Reported in `error`.
    }
  }

  /** Resolves with the current state once the stored session was read (never on the server). */
  async ready(): Promise<SessionState> {
    return (await this.#sessionOrThrow()).ready();
  }

  /**
   * Listens to the session's events (`authenticated`, `refreshed`, `expiringSoon`, `expired`,
   * `loggedOut`, `error`, `storeDegraded`); returns the unsubscribe. Never fires on the server.
   * The sign-in completed by this page load (the redirect back from the provider) reaches
   * `authenticated` handlers registered while the app starts, like Lock's `authenticated` did.
   */
  on<K extends keyof SessionEvents>(name: K, handler: (payload: SessionEvents[K]) => void): () => void {
    let off: (() => void) | undefined;
    let cancelled = false;
    void (this.#ready ?? this.ɵinit()).then((session) => {
      if (cancelled || !session) return;
      off = session.on(name, handler);
      const missed = this.#startupSignIn;
      if (name === 'authenticated' && missed) (handler as (payload: SessionEvents['authenticated']) => void)(missed);
    });
    return () => {
      cancelled = true;
      off?.();
    };
  }

  /** @internal The core session, once made (for the request authorizer of its mode). */
  ɵsession(): Session | undefined {
    return this.#session;
  }

  /** @internal The origins `authInterceptor` sends the token to: `withTokenFor()`'s and the loaded configuration's. */
  ɵtokenRules(): readonly TokenRule[] {
    return this.#tokenRules;
  }

  /**
   * @internal For `authInterceptor`: `null` once the rules are final, else when they will be (a request
   * made while the configuration loads waits for its `tokenFor`).
   */
  ɵtokenRulesReady(): Promise<void> | null {
    return this.#configured || this.#inLoader ? null : this.#whenConfigured;
  }

  /** Dismisses the current {@link Auth.error}. */
  clearError(): void {
    this.#session?.clearError();
  }
}
