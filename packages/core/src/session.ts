import { resolveConfig, type LatchkeyConfig, type ResolvedConfig } from './config.ts';
import { LatchkeyError } from './errors.ts';
import { Emitter } from './events.ts';
import { OidcClient } from './oidc.ts';
import { safeReturnTo } from './return-to.ts';
import { memoryStore, type SessionStore } from './session-store.ts';
import { parseStoredSession, sessionEndMs, type StoredSession, type UserClaims } from './stored-session.ts';
import { saveTransaction, takeTransaction, type TransactionStorage } from './transaction.ts';

export type SessionStatus = 'loading' | 'authenticated' | 'anonymous';

/** A snapshot of the session. Replaced, never mutated, on every change. */
export interface SessionState {
  /** `loading` until the store was read (and on a server, always). */
  readonly status: SessionStatus;
  /** The ID token's claims while authenticated. */
  readonly user: UserClaims | null;
  /** When the session ends, in epoch milliseconds on this browser's clock. */
  readonly expiresAt: number | null;
  /** True from the warning instant (60 s before the end, or half the lifetime if shorter) to the end. */
  readonly expiringSoon: boolean;
  /** The last failure, until the next successful sign-in or an explicit `clearError()`. */
  readonly error: LatchkeyError | null;
}

/** The `authenticated` event, shaped like Lock's `authResult` so tutorial handlers port. */
export interface AuthenticatedEvent {
  readonly idToken: string;
  readonly idTokenPayload: UserClaims;
  readonly accessToken: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** The `returnTo` the sign-in was started with. */
  readonly state: string;
}

export interface SessionEvents {
  authenticated: AuthenticatedEvent;
  expiringSoon: { readonly expiresAt: number };
  expired: { readonly expiresAt: number };
  loggedOut: Record<string, never>;
  error: LatchkeyError;
  storeDegraded: { readonly name: string };
}

export interface LoginOptions {
  /** Where to land after sign-in; only the app's own origin is kept. Default: the current page. */
  readonly returnTo?: string;
  /** Extra authorization request parameters: `prompt`, `login_hint`, `max_age`, `ui_locales`, … */
  readonly authorizationParams?: Readonly<Record<string, string>>;
}

/** The browser, as the session uses it. Tests hand it fakes; a server hands it nothing. */
export interface SessionPorts {
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly setTimeout?: (handler: () => void, ms: number) => unknown;
  readonly clearTimeout?: (id: unknown) => void;
  readonly location?: { readonly href: string; readonly origin: string; assign(url: string): void };
  readonly history?: { replaceState(data: unknown, unused: string, url?: string | URL | null): void };
  readonly transactionStorage?: TransactionStorage;
  /** Receives `visibilitychange`, `focus`, `pageshow`, `online` to re-check the session after sleep. */
  readonly events?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
}

export interface Session {
  /** The current state; synchronous and cheap. */
  getState(): SessionState;
  /** Calls `listener` on every state change; returns the unsubscribe. */
  subscribe(listener: (state: SessionState) => void): () => void;
  /** A field read, never a decode: safe to call on every change-detection pass. */
  isAuthenticated(): boolean;
  /** Resolves once the stored session was read (`status` is no longer `loading`). */
  ready(): Promise<SessionState>;
  /** Redirects to the provider (Authorization Code + PKCE S256, fresh `state` and `nonce`). */
  login(options?: LoginOptions): Promise<void>;
  /** True when `url` (default: the current one) is the redirect back from the provider. */
  isRedirectCallback(url?: string): boolean;
  /**
   * Completes the sign-in from the redirect back; removes `code` and `state` from the address bar.
   * @returns where the app should go: the `returnTo` of the sign-in, same origin only.
   * @throws LatchkeyError — and puts it in `state.error`; the session stays signed out.
   */
  handleRedirectCallback(url?: string): Promise<{ returnTo: string }>;
  /** Signs out in this tab: store, state and timers. */
  logout(): Promise<void>;
  /** The current access token. @throws LatchkeyError `LATCHKEY_LOGIN_REQUIRED` when signed out. */
  getAccessToken(): Promise<string>;
  /** Clears `state.error` (after the app has shown it). */
  clearError(): void;
  on<K extends keyof SessionEvents>(name: K, handler: (payload: SessionEvents[K]) => void): () => void;
  /** Stops timers and listeners; the session is inert afterwards. */
  dispose(): void;
}

const INITIAL: SessionState = { status: 'loading', user: null, expiresAt: null, expiringSoon: false, error: null };
const ANONYMOUS: SessionState = { ...INITIAL, status: 'anonymous' };
// setTimeout overflows above 2^31 - 1 ms (24.8 days) and fires at once; wake up earlier instead.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const WAKE_EVENTS = ['visibilitychange', 'focus', 'pageshow', 'online'] as const;

/**
 * Creates the session for one provider and client. Touches nothing at import; in a browser it reads
 * the store at once (synchronously for a sync store), so the first render is already right.
 *
 * @throws LatchkeyConfigError `LATCHKEY_CONFIG_INVALID` for a bad configuration
 */
export function createSession(config: LatchkeyConfig, ports: SessionPorts = browserPorts()): Session {
  return new BrowserSession(config, ports);
}

function browserPorts(): SessionPorts {
  const g = globalThis as Partial<typeof globalThis>;
  if (typeof g.window === 'undefined' || typeof g.document === 'undefined') return {};
  return {
    fetch: g.fetch?.bind(g),
    now: Date.now,
    setTimeout: (handler, ms) => g.setTimeout?.(handler, ms),
    clearTimeout: (id) => g.clearTimeout?.(id as number),
    location: g.location,
    history: g.history,
    get transactionStorage() {
      return g.sessionStorage as Storage;
    },
    events: g.window,
  };
}

class BrowserSession implements Session {
  readonly #config: ResolvedConfig | undefined;
  readonly #ports: SessionPorts;
  readonly #oidc: OidcClient | undefined;
  readonly #events = new Emitter<SessionEvents>();
  readonly #listeners = new Set<(state: SessionState) => void>();
  readonly #ready: Promise<SessionState>;
  #state: SessionState = INITIAL;
  #store: SessionStore;
  #stored: StoredSession | undefined;
  #timer: unknown;
  #disposed = false;
  readonly #onWake = () => this.#evaluate();

  constructor(config: LatchkeyConfig, ports: SessionPorts) {
    this.#ports = ports;
    const location = ports.location;
    if (!location) {
      // On a server: stay `loading` and inert, so the app renders a neutral placeholder.
      resolveConfig(config, 'http://localhost');
      this.#store = memoryStore();
      this.#ready = new Promise(() => {});
      return;
    }
    this.#config = resolveConfig(config, location.origin);
    this.#store = this.#config.store;
    this.#oidc = new OidcClient(this.#config, ports.fetch ?? fetch, this.#now);
    for (const name of WAKE_EVENTS) ports.events?.addEventListener(name, this.#onWake);
    this.#ready = this.#restore();
  }

  readonly #now = (): number => (this.#ports.now ?? Date.now)();

  getState(): SessionState {
    return this.#state;
  }

  isAuthenticated(): boolean {
    return this.#state.status === 'authenticated';
  }

  subscribe(listener: (state: SessionState) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  on<K extends keyof SessionEvents>(name: K, handler: (payload: SessionEvents[K]) => void): () => void {
    return this.#events.on(name, handler);
  }

  ready(): Promise<SessionState> {
    return this.#ready;
  }

  clearError(): void {
    if (this.#state.error) this.#setState({ ...this.#state, error: null });
  }

  #setState(next: SessionState): void {
    if (this.#disposed) return;
    this.#state = next;
    for (const listener of [...this.#listeners]) listener(next);
  }

  #fail(error: LatchkeyError): LatchkeyError {
    this.#setState({ ...this.#state, error });
    this.#events.emit('error', error);
    return error;
  }

  #browser(): { config: ResolvedConfig; oidc: OidcClient; ports: SessionPorts & Required<Pick<SessionPorts, 'location'>> } {
    if (!this.#config || !this.#oidc || !this.#ports.location) {
      throw new LatchkeyError(
        'LATCHKEY_CONFIG_INVALID',
        'This Latchkey session runs outside a browser (server-side rendering); sign-in works in the browser only.',
      );
    }
    return { config: this.#config, oidc: this.#oidc, ports: this.#ports as SessionPorts & Required<Pick<SessionPorts, 'location'>> };
  }

  // ---- the store: anything read back is validated; a throwing store degrades to memory ----

  #degrade(error: unknown): void {
    if (this.#store === this.#config?.store) {
      this.#store = memoryStore();
      const name = error instanceof Error ? error.name : 'Error';
      // Deferred: a store can fail inside createSession(), before the app could subscribe.
      queueMicrotask(() => this.#events.emit('storeDegraded', { name }));
    }
  }

  async #storeWrite(value: string | undefined): Promise<void> {
    const key = this.#config?.storeKey ?? '';
    try {
      await (value === undefined ? this.#store.remove(key) : this.#store.set(key, value));
    } catch (error) {
      this.#degrade(error);
      await (value === undefined ? this.#store.remove(key) : this.#store.set(key, value));
    }
  }

  #restore(): Promise<SessionState> {
    const config = this.#config as ResolvedConfig;
    const settle = (raw: unknown): SessionState => {
      const restored = parseStoredSession(raw, config.issuer.href, config.clientId);
      if (!restored || restored.endAtMs <= this.#now()) {
        // Garbage or an expired session: removed, never thrown.
        if (raw !== null && raw !== undefined) void this.#storeWrite(undefined).catch(() => {});
        this.#setState(ANONYMOUS);
      } else {
        this.#become(restored.stored, restored.user, restored.endAtMs);
      }
      return this.#state;
    };
    const fallback = (error: unknown): SessionState => {
      this.#degrade(error);
      this.#setState(ANONYMOUS);
      return this.#state;
    };
    try {
      const raw = this.#store.get(config.storeKey);
      if (raw instanceof Promise) return raw.then(settle, fallback);
      return Promise.resolve(settle(raw));
    } catch (error) {
      return Promise.resolve(fallback(error));
    }
  }

  // ---- the three instants (this slice: warn and end) ----

  #become(stored: StoredSession, user: UserClaims, endAtMs: number, error: LatchkeyError | null = null): void {
    this.#stored = stored;
    this.#setState({ status: 'authenticated', user, expiresAt: endAtMs, expiringSoon: false, error });
    this.#evaluate();
  }

  #warnAtMs(state: SessionState): number {
    const endAt = state.expiresAt ?? 0;
    const issuedAt = typeof state.user?.['iat'] === 'number' ? state.user['iat'] * 1000 - (this.#stored?.clock_offset_ms ?? 0) : endAt;
    return endAt - Math.min(60_000, Math.max(0, endAt - issuedAt) / 2);
  }

  /** Brings the state in line with the clock, then sleeps until the next instant. Cheap; run on every wake. */
  #evaluate(): void {
    this.#clearTimer();
    const state = this.#state;
    if (state.status !== 'authenticated' || state.expiresAt === null || this.#disposed) return;
    const now = this.#now();
    if (now >= state.expiresAt) {
      const expiresAt = state.expiresAt;
      this.#endLocally();
      this.#events.emit('expired', { expiresAt });
      return;
    }
    const warnAt = this.#warnAtMs(state);
    if (now >= warnAt && !state.expiringSoon) {
      this.#setState({ ...state, expiringSoon: true });
      this.#events.emit('expiringSoon', { expiresAt: state.expiresAt });
    }
    const next = now >= warnAt ? state.expiresAt : warnAt;
    const delay = Math.min(Math.max(0, next - now), MAX_TIMEOUT_MS);
    this.#timer = (this.#ports.setTimeout ?? setTimeout)(() => this.#evaluate(), delay);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) (this.#ports.clearTimeout ?? clearTimeout)(this.#timer as never);
    this.#timer = undefined;
  }

  #endLocally(): void {
    this.#clearTimer();
    this.#stored = undefined;
    this.#setState({ ...ANONYMOUS, error: this.#state.error });
    void this.#storeWrite(undefined).catch(() => {});
  }

  // ---- sign-in ----

  async login(options: LoginOptions = {}): Promise<void> {
    const { oidc, ports } = this.#browser();
    const origin = ports.location.origin;
    const current = new URL(ports.location.href);
    const returnTo = safeReturnTo(options.returnTo ?? current.pathname + current.search + current.hash, origin);
    try {
      const request = await oidc.authorizationRequest({ returnTo, params: options.authorizationParams ?? {} });
      const storage = ports.transactionStorage;
      if (!storage)
        throw new LatchkeyError('LATCHKEY_STORAGE_UNAVAILABLE', 'Sign-in needs sessionStorage, which this environment does not have.');
      saveTransaction(storage, request.state, request.transaction, this.#now());
      if (this.#state.error) this.#setState({ ...this.#state, error: null });
      ports.location.assign(request.url.href);
    } catch (error) {
      throw this.#fail(asLatchkeyError(error));
    }
  }

  isRedirectCallback(url?: string): boolean {
    if (!this.#config || !this.#ports.location) return false;
    const current = URL.parse(url ?? this.#ports.location.href);
    const redirect = new URL(this.#config.redirectUri);
    if (!current || current.origin !== redirect.origin || current.pathname !== redirect.pathname) return false;
    const params = current.searchParams;
    return params.has('state') || params.has('code') || params.has('error');
  }

  async handleRedirectCallback(url?: string): Promise<{ returnTo: string }> {
    const { config, oidc, ports } = this.#browser();
    const callback = new URL(url ?? ports.location.href);
    // code and state leave the address bar (and history) before anything else can read them.
    ports.history?.replaceState(null, '', callback.pathname);
    try {
      await this.#ready;
      const state = callback.searchParams.get('state');
      if (!state) {
        if (callback.searchParams.get('error') === 'access_denied') {
          throw new LatchkeyError(
            'LATCHKEY_ACCESS_DENIED',
            'Sign-in was cancelled or refused at the provider. You are still signed out; sign in again when ready.',
            { error: 'access_denied' },
          );
        }
        throw new LatchkeyError(
          'LATCHKEY_STATE_MISSING',
          'The sign-in response carries no "state", so it cannot be matched to a sign-in from this tab. Sign in again.',
          { claim: 'state' },
        );
      }
      const tx = ports.transactionStorage ? takeTransaction(ports.transactionStorage, state) : undefined;
      if (!tx || tx.issuer !== config.issuer.href || tx.client_id !== config.clientId) {
        throw new LatchkeyError(
          'LATCHKEY_STATE_MISMATCH',
          'This sign-in response matches no sign-in started in this tab: it was already used (back button, reload) or changed on the way. Sign in again.',
          { claim: 'state' },
        );
      }
      const { stored, user } = await oidc.exchangeCode(callback, state, tx);
      const returnTo = safeReturnTo(tx.return_to, ports.location.origin);
      await this.#storeWrite(JSON.stringify(stored));
      const endAtMs = sessionEndMs(user.exp, stored);
      this.#become(stored, user, endAtMs);
      this.#events.emit('authenticated', {
        idToken: stored.id_token,
        idTokenPayload: user,
        accessToken: stored.access_token,
        expiresAt: endAtMs,
        state: returnTo,
      });
      return { returnTo };
    } catch (error) {
      if (this.#state.status !== 'authenticated') this.#setState({ ...ANONYMOUS, error: this.#state.error });
      throw this.#fail(asLatchkeyError(error));
    }
  }

  async logout(): Promise<void> {
    this.#browser();
    const wasAuthenticated = this.#state.status === 'authenticated';
    this.#endLocally();
    this.#setState({ ...ANONYMOUS });
    if (wasAuthenticated) this.#events.emit('loggedOut', {});
  }

  async getAccessToken(): Promise<string> {
    this.#browser();
    await this.#ready;
    this.#evaluate();
    if (this.#state.status !== 'authenticated' || !this.#stored) {
      throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'No signed-in session: sign in first.');
    }
    return this.#stored.access_token;
  }

  dispose(): void {
    this.#clearTimer();
    for (const name of WAKE_EVENTS) this.#ports.events?.removeEventListener(name, this.#onWake);
    this.#disposed = true;
    this.#listeners.clear();
    this.#events.clear();
  }
}

function asLatchkeyError(error: unknown): LatchkeyError {
  if (error instanceof LatchkeyError) return error;
  return new LatchkeyError('LATCHKEY_AUTHORIZATION_FAILED', 'Sign-in failed unexpectedly. You are still signed out; try again.', {
    name: error instanceof Error ? error.name : 'Error',
  });
}
