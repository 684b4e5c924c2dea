import { resolveConfig, type LatchkeyConfig, type LogoutOptions, type ResolvedConfig } from './config.ts';
import { LatchkeyError } from './errors.ts';
import { Emitter } from './events.ts';
import { accessDenied, OidcClient, type TokenResult } from './oidc.ts';
import { safeReturnTo } from './return-to.ts';
import { backoffMs, instants, timeoutUntil, type Instants } from './schedule.ts';
import { memoryStore, type SessionStore } from './session-store.ts';
import { parseStoredSession, type RestoredSession, type StoredSession, type UserClaims } from './stored-session.ts';
import { TabSync, type TabPorts } from './tabs.ts';
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
  /**
   * True from the warning instant (60 s before the end, or half the lifetime if shorter) to the end,
   * when no refresh can extend the session (no refresh token, or the provider keeps failing).
   */
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
  /** The `returnTo` the sign-in was started with (empty for a sign-in in another tab). */
  readonly state: string;
}

export interface SessionEvents {
  authenticated: AuthenticatedEvent;
  refreshed: { readonly expiresAt: number };
  expiringSoon: { readonly expiresAt: number };
  expired: { readonly expiresAt: number };
  loggedOut: { readonly elsewhere: boolean };
  error: LatchkeyError;
  storeDegraded: { readonly name: string };
}

export interface AccessTokenOptions {
  /**
   * Refresh first even though the token is not due, e.g. after an API answered 401 to it. Shares the
   * refresh with concurrent callers and tabs; without a refresh token it returns the current token.
   */
  readonly forceRefresh?: boolean;
  /**
   * With `forceRefresh`: the token the API refused. When the session holds another one by now (a
   * refresh since that request went out, here or in another tab), that one is returned, no new refresh.
   */
  readonly rejectedToken?: string;
}

export interface LoginOptions {
  /** Where to land after sign-in; only the app's own origin is kept. Default: the current page. */
  readonly returnTo?: string;
  /** Extra authorization request parameters: `prompt`, `login_hint`, `max_age`, `ui_locales`, … */
  readonly authorizationParams?: Readonly<Record<string, string>>;
}

/** The browser, as the session uses it. Tests hand it fakes; a server hands it nothing. */
export interface SessionPorts extends TabPorts {
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly setTimeout?: (handler: () => void, ms: number) => unknown;
  readonly clearTimeout?: (id: unknown) => void;
  readonly location?: { readonly href: string; readonly origin: string; assign(url: string): void };
  readonly history?: { replaceState(data: unknown, unused: string, url?: string | URL | null): void };
  readonly transactionStorage?: TransactionStorage;
  /** Receives `visibilitychange`, `focus`, `pageshow`, `online` (and `storage`) to re-check the session. */
  readonly events?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** Receives `resume` after the page was frozen (the document). */
  readonly lifecycleEvents?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** `navigator.locks`, so only one tab refreshes at a time. */
  readonly locks?: { request<T>(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T> };
  /** Navigates by submitting a POST form (RP-initiated logout without the ID token in a URL). */
  readonly submitForm?: (url: string, fields: Readonly<Record<string, string>>) => void;
}

export interface Session {
  /** The current state; synchronous and cheap. */
  getState(): SessionState;
  /** Calls `listener` on every state change; returns the unsubscribe. */
  subscribe(listener: (state: SessionState) => void): () => void;
  /** A field read, never a decode: safe to call on every change-detection pass. */
  isAuthenticated(): boolean;
  /** Resolves with the current state once the stored session was read (`status` is no longer `loading`). */
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
  /**
   * Signs out: first here and in every other tab (store, timers, state), then, as configured or asked,
   * revokes the refresh token and ends the provider's session (which navigates away).
   */
  logout(options?: LogoutOptions): Promise<void>;
  /**
   * The current access token, refreshed first when it is due (one request, shared by concurrent
   * callers and by the tabs). @throws LatchkeyError `LATCHKEY_LOGIN_REQUIRED` when signed out.
   */
  getAccessToken(options?: AccessTokenOptions): Promise<string>;
  /** Userinfo for the signed-in user; discarded (an error) when its `sub` is not the ID token's. */
  getUserInfo(): Promise<Record<string, unknown>>;
  /** Clears `state.error` (after the app has shown it). */
  clearError(): void;
  on<K extends keyof SessionEvents>(name: K, handler: (payload: SessionEvents[K]) => void): () => void;
  /** Stops timers and listeners; the session is inert afterwards. */
  dispose(): void;
}

const INITIAL: SessionState = { status: 'loading', user: null, expiresAt: null, expiringSoon: false, error: null };
const ANONYMOUS: SessionState = { ...INITIAL, status: 'anonymous' };
const WAKE_EVENTS = ['visibilitychange', 'focus', 'pageshow', 'online'] as const;
// Retries of a refresh that cannot have been processed; the session stays usable meanwhile.
const MAX_REFRESH_RETRIES = 5;
// Another tab announces a refresh before it releases the lock; a tab that waited for the lock gives
// the announcement this long to arrive, and the shared store this long to show the announced session.
const ANNOUNCE_WAIT_MS = 300;
const STORE_CATCH_UP_MS = 2_000;

type MaybePromise<T> = T | Promise<T>;
/** A store may answer with any promise-like (another realm's Promise, a library's own class). */
function isThenable<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
function then<T, R>(value: MaybePromise<T>, fn: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isThenable(value) ? Promise.resolve(value).then(fn) : fn(value);
}

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
  const storage = (name: 'localStorage' | 'sessionStorage') => {
    // Reading the property itself throws where storage is blocked; the session then degrades.
    try {
      return g[name];
    } catch {
      return undefined;
    }
  };
  return {
    fetch: g.fetch?.bind(g),
    now: Date.now,
    setTimeout: (handler, ms) => g.setTimeout?.(handler, ms),
    clearTimeout: (id) => g.clearTimeout?.(id as number),
    location: g.location,
    history: g.history,
    transactionStorage: storage('sessionStorage'),
    markerStorage: storage('localStorage'),
    events: g.window,
    lifecycleEvents: g.document,
    channel: typeof g.BroadcastChannel === 'function' ? (name) => new BroadcastChannel(name) : undefined,
    locks: g.navigator?.locks
      ? { request: (name, options, callback) => (g.navigator as Navigator).locks.request(name, options, callback) }
      : undefined,
    submitForm: (url, fields) => {
      const document = g.document as Document;
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = url;
      form.style.display = 'none';
      for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.appendChild(input);
      }
      document.body.appendChild(form);
      form.submit();
    },
  };
}

class BrowserSession implements Session {
  readonly #config: ResolvedConfig | undefined;
  readonly #ports: SessionPorts;
  readonly #oidc: OidcClient | undefined;
  readonly #tabs: TabSync | undefined;
  readonly #events = new Emitter<SessionEvents>();
  readonly #listeners = new Set<(state: SessionState) => void>();
  readonly #ready: Promise<SessionState>;
  #state: SessionState = INITIAL;
  #store: SessionStore;
  #refreshTokenStore: SessionStore | undefined;
  #current: RestoredSession | undefined;
  /** Bumped whenever the session is replaced or ended: work started before a bump is dropped. */
  #epoch = 0;
  #refreshing: Promise<void> | undefined;
  /** The provider failed a refresh that may be retried later (on wake), or must not be (until new tokens). */
  #refreshTrouble: 'none' | 'retryable' | 'blocked' = 'none';
  #timer: unknown;
  /** When the timer is due: the next of the three instants still ahead. */
  #wakeAt = Infinity;
  #disposed = false;
  /** The newest session another tab announced (its `issued_at_ms`): the shared store may lag behind it. */
  #newestAnnounced = 0;
  readonly #storeWaiters = new Set<() => void>();
  readonly #onWake = () => {
    if (this.#refreshTrouble === 'retryable') this.#refreshTrouble = 'none';
    this.#syncFromStore();
    this.#evaluate();
  };

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
    const resolved = resolveConfig(config, location.origin);
    this.#config = resolved;
    this.#store = resolved.store;
    this.#refreshTokenStore = resolved.refreshTokenStore;
    this.#oidc = new OidcClient(resolved, ports.fetch ?? fetch, this.#now, this.#setTimeout, this.#clearTimeout);
    this.#tabs = new TabSync(
      resolved.storeKey,
      ports,
      { onStored: (issuedAt) => this.#storedElsewhere(issuedAt), onLogout: () => this.#loggedOutElsewhere() },
      resolved.store.shared === true,
    );
    for (const name of WAKE_EVENTS) ports.events?.addEventListener(name, this.#onWake);
    ports.lifecycleEvents?.addEventListener('resume', this.#onWake);
    this.#ready = Promise.resolve(this.#restore());
  }

  readonly #now = (): number => (this.#ports.now ?? Date.now)();
  readonly #setTimeout = (handler: () => void, ms: number): unknown => (this.#ports.setTimeout ?? setTimeout)(handler, ms);
  readonly #clearTimeout = (id: unknown): void => (this.#ports.clearTimeout ?? clearTimeout)(id as never);

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
    // The state now, not the one at restore: a sign-in may have completed since.
    return this.#ready.then(() => this.#state);
  }

  clearError(): void {
    if (this.#state.error) this.#setState({ ...this.#state, error: null });
  }

  #setState(next: SessionState): void {
    if (this.#disposed) return;
    const prev = this.#state;
    if (
      prev.status === next.status &&
      prev.user === next.user &&
      prev.expiresAt === next.expiresAt &&
      prev.expiringSoon === next.expiringSoon &&
      prev.error === next.error
    ) {
      return;
    }
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

  #degrade(which: 'store' | 'refreshTokenStore', error: unknown): SessionStore {
    const replacement = memoryStore();
    if (which === 'store') this.#store = replacement;
    else this.#refreshTokenStore = replacement;
    const name = error instanceof Error ? error.name : 'Error';
    // Deferred: a store can fail inside createSession(), before the app could subscribe.
    queueMicrotask(() => this.#events.emit('storeDegraded', { name }));
    return replacement;
  }

  /** Runs `op` on a store; a throw (or rejection) degrades that store to memory and runs `op` there. */
  #onStore<T>(which: 'store' | 'refreshTokenStore', op: (store: SessionStore) => MaybePromise<T>): MaybePromise<T> {
    const store = (which === 'store' ? this.#store : this.#refreshTokenStore) as SessionStore;
    const retry = (error: unknown) => op(this.#degrade(which, error));
    try {
      const result = op(store);
      return isThenable(result) ? Promise.resolve(result).catch(retry) : result;
    } catch (error) {
      return retry(error);
    }
  }

  #key(): string {
    return (this.#config as ResolvedConfig).storeKey;
  }

  /** Where `refreshTokenStore` keeps the refresh token. */
  #refreshKey(): string {
    return `${this.#key()}:refresh`;
  }

  /** Reads the stored session back and validates it; garbage is removed and reads as `undefined`. */
  #read(): MaybePromise<RestoredSession | undefined> {
    const config = this.#config as ResolvedConfig;
    const raw = this.#onStore('store', (s) => s.get(this.#key()));
    return then(raw, (value) => {
      const restored = parseStoredSession(value, config.issuer.href, config.clientId);
      if (!restored) {
        if (value !== null && value !== undefined) this.#removeStored();
        return undefined;
      }
      if (!this.#refreshTokenStore) return restored;
      return then(
        this.#onStore('refreshTokenStore', (s) => s.get(this.#refreshKey())),
        (rt): RestoredSession =>
          typeof rt === 'string' && rt !== '' ? { ...restored, stored: { ...restored.stored, refresh_token: rt } } : restored,
      );
    });
  }

  async #write(stored: StoredSession): Promise<void> {
    if (this.#refreshTokenStore) {
      const { refresh_token: refreshToken, ...rest } = stored;
      const key = this.#refreshKey();
      await this.#onStore('refreshTokenStore', (s) => (refreshToken ? s.set(key, refreshToken) : s.remove(key)));
      await this.#onStore('store', (s) => s.set(this.#key(), JSON.stringify(rest)));
    } else {
      await this.#onStore('store', (s) => s.set(this.#key(), JSON.stringify(stored)));
    }
  }

  #removeStored(): void {
    const swallow = (result: MaybePromise<void>) => void (isThenable(result) ? Promise.resolve(result).catch(() => {}) : result);
    swallow(this.#onStore('store', (s) => s.remove(this.#key())));
    if (this.#refreshTokenStore) swallow(this.#onStore('refreshTokenStore', (s) => s.remove(this.#refreshKey())));
  }

  #restore(): MaybePromise<SessionState> {
    const settle = (restored: RestoredSession | undefined): SessionState => {
      if (restored && !this.#loggedOutSince(restored) && this.#usable(restored)) {
        this.#adopt(restored);
      } else {
        if (restored) this.#removeStored();
        this.#setState(ANONYMOUS);
      }
      return this.#state;
    };
    try {
      const read = this.#read();
      return isThenable(read) ? Promise.resolve(read).then(settle, () => settle(undefined)) : settle(read);
    } catch {
      return settle(undefined);
    }
  }

  /**
   * A logout in any tab after this session's sign-in (per-tab stores, sleeping tabs, and a refresh
   * that was on its way when the user signed out: its tokens belong to the ended session).
   */
  #loggedOutSince(restored: RestoredSession): boolean {
    return (this.#tabs?.lastLogoutAt(this.#now()) ?? 0) > restored.stored.signed_in_at_ms;
  }

  // ---- the session and its three instants ----

  #adopt(restored: RestoredSession): void {
    const previous = this.#current;
    if (previous?.stored !== restored.stored) this.#epoch++;
    this.#current = restored;
    if (
      previous?.stored.refresh_token !== restored.stored.refresh_token ||
      previous?.stored.issued_at_ms !== restored.stored.issued_at_ms
    ) {
      this.#refreshTrouble = 'none';
    }
    this.#setState({
      status: 'authenticated',
      user: restored.user,
      expiresAt: restored.stored.expires_at_ms,
      expiringSoon: false,
      error: this.#state.error,
    });
    this.#evaluate();
  }

  #instants(current: RestoredSession): Instants {
    const config = this.#config as ResolvedConfig;
    return instants(current.stored.issued_at_ms, current.stored.expires_at_ms, {
      refreshAtFraction: config.refreshAtFraction,
      warnBeforeMs: config.warnBeforeMs,
    });
  }

  /** Brings the state in line with the clock, starts a due refresh, then sleeps until the next instant. */
  #evaluate(): void {
    this.#clearTimer();
    this.#wakeAt = Infinity;
    const current = this.#current;
    if (!current || this.#disposed) return;
    if (this.#loggedOutSince(current)) return this.#loggedOutElsewhere();
    const now = this.#now();
    const { refreshAt, warnAt, endAt } = this.#instants(current);
    const canRefresh = current.stored.refresh_token !== undefined && this.#refreshTrouble !== 'blocked';
    // After a failed refresh the next attempt waits for a wake event (online, focus, …), never a loop.
    const refreshDue = canRefresh && this.#refreshTrouble === 'none' && !this.#refreshing;
    if (refreshDue && now >= refreshAt) void this.#refresh();
    if (now >= endAt && !this.#refreshing) return this.#expire(endAt);
    const expiringSoon = now >= warnAt && (!canRefresh || this.#refreshTrouble !== 'none');
    if (expiringSoon !== this.#state.expiringSoon) {
      this.#setState({ ...this.#state, expiringSoon });
      if (expiringSoon) this.#events.emit('expiringSoon', { expiresAt: endAt });
    }
    const next = [refreshDue ? refreshAt : Infinity, warnAt, endAt].filter((t) => t > now);
    if (next.length === 0) return;
    this.#wakeAt = Math.min(...next);
    this.#timer = this.#setTimeout(() => this.#evaluate(), timeoutUntil(this.#wakeAt, now));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Ends the session here: state, timers, store. Work in flight is dropped (the epoch moves). */
  #endLocally(removeStored = true): void {
    this.#clearTimer();
    this.#epoch++;
    this.#current = undefined;
    this.#refreshTrouble = 'none';
    this.#setState({ ...ANONYMOUS, error: this.#state.error });
    if (removeStored) this.#removeStored();
  }

  /**
   * Ends the session here and, through the logout marker and the channel, in every tab. `failure`
   * (a refused refresh) stays in the state; a logout clears any error.
   */
  #signOutHere(failure?: LatchkeyError): void {
    const ended = this.#current;
    this.#endLocally();
    this.#tabs?.announceLogout(this.#now());
    if (failure) this.#fail(failure);
    else this.#setState({ ...ANONYMOUS });
    if (ended) this.#events.emit('loggedOut', { elsewhere: false });
  }

  #expire(endAt: number): void {
    const ended = this.#current;
    const end = (removeStored: boolean) => {
      this.#endLocally(removeStored);
      this.#events.emit('expired', { expiresAt: endAt });
    };
    if (!this.#store.shared || !ended) return end(true);
    // A tab waking after the end may find a newer session in the shared store (a sign-in in another
    // tab meanwhile): it follows that one, never showing the end in between (with a sync store such
    // as localStorage), and removes only the session that ended.
    const read = this.#read();
    if (isThenable(read)) {
      // An async store: the session ends now, on time; the store is looked at when it answers.
      // The epoch this end moves to, taken before it runs: an `expired` handler that signs out moves it on.
      const epoch = this.#epoch + 1;
      end(false);
      void read.then((latest) => {
        if (epoch !== this.#epoch) return;
        if (!latest || sameSession(latest.stored, ended.stored)) this.#removeStored();
        else this.#follow(latest);
      });
      return;
    }
    const same = read !== undefined && sameSession(read.stored, ended.stored);
    if (read && !same && !this.#loggedOutSince(read) && this.#usable(read)) {
      this.#follow(read);
      if (this.#current !== ended) return;
    }
    end(!read || same);
  }

  /** Not over by its own clock: unexpired, or renewable with its refresh token. */
  #usable(session: RestoredSession): boolean {
    return session.stored.expires_at_ms > this.#now() || session.stored.refresh_token !== undefined;
  }

  #loggedOutElsewhere(): void {
    if (!this.#current) return;
    // The other tab already cleared a shared store; a per-tab store is cleared here.
    this.#endLocally(!this.#store.shared);
    this.#events.emit('loggedOut', { elsewhere: true });
  }

  #storedElsewhere(issuedAt: number | undefined): void {
    if (issuedAt !== undefined) this.#newestAnnounced = Math.max(this.#newestAnnounced, issuedAt);
    for (const wake of [...this.#storeWaiters]) wake();
    this.#syncFromStore();
  }

  /** Resolves at the next word from another tab (message or storage event), or after `ms`. */
  #nextStoreChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#storeWaiters.delete(done);
        this.#clearTimeout(timer);
        resolve();
      };
      this.#storeWaiters.add(done);
      const timer = this.#setTimeout(done, ms);
    });
  }

  /** Another tab wrote the shared store (sign-in, refresh, sign-out), or this tab woke up: follow it. */
  #syncFromStore(): void {
    if (!this.#config || !this.#store.shared || this.#disposed) return;
    const epoch = this.#epoch;
    void Promise.resolve(this.#read()).then((latest) => {
      if (epoch === this.#epoch) this.#follow(latest);
    });
  }

  /** Brings this tab in line with what the shared store holds now. */
  #follow(latest: RestoredSession | undefined): void {
    const current = this.#current;
    if (!latest) {
      if (current) this.#loggedOutElsewhere();
      return;
    }
    if (current && sameSession(latest.stored, current.stored)) return;
    // Never step back to an older session of the same user (a store that lags behind this tab).
    if (current && latest.user.sub === current.user.sub && latest.stored.issued_at_ms < current.stored.issued_at_ms) return;
    if (this.#loggedOutSince(latest)) {
      // A refresh of a session that was signed out while it was on its way: it ended with the logout.
      this.#removeStored();
      if (current && this.#loggedOutSince(current)) this.#loggedOutElsewhere();
      return;
    }
    if (!this.#usable(latest)) return;
    const signedIn = !current || current.user.sub !== latest.user.sub;
    this.#adopt(latest);
    if (signedIn) {
      this.#events.emit('authenticated', {
        idToken: latest.stored.id_token,
        idTokenPayload: latest.user,
        accessToken: latest.stored.access_token,
        expiresAt: latest.stored.expires_at_ms,
        state: '',
      });
    } else {
      this.#events.emit('refreshed', { expiresAt: latest.stored.expires_at_ms });
    }
  }

  // ---- refresh: single-flight in the tab and across tabs ----

  #refresh(): Promise<void> {
    this.#refreshing ??= this.#refreshOnce().finally(() => {
      this.#refreshing = undefined;
      this.#evaluate();
    });
    return this.#refreshing;
  }

  async #refreshOnce(): Promise<void> {
    const { config, oidc } = this.#browser();
    const startedWith = this.#current;
    if (!startedWith?.stored.refresh_token) return;
    const epoch = this.#epoch;
    const stillCurrent = () => epoch === this.#epoch && !this.#disposed;
    const underLock = async (waited: boolean) => {
      if (!stillCurrent()) return;
      if (this.#store.shared && (await this.#refreshedElsewhere(startedWith, waited, stillCurrent))) return;
      if (this.#loggedOutSince(startedWith)) return this.#loggedOutElsewhere();
      for (let attempt = 0; ; attempt++) {
        let result: TokenResult;
        try {
          result = await oidc.refresh(startedWith.stored, startedWith.user);
        } catch (error) {
          if (!stillCurrent()) return;
          const failure = asLatchkeyError(error);
          const retryable = failure.code === 'LATCHKEY_PROVIDER_UNREACHABLE';
          const delay = backoffMs(attempt);
          if (retryable && attempt < MAX_REFRESH_RETRIES && this.#now() + delay < startedWith.stored.expires_at_ms) {
            this.#refreshTrouble = 'retryable';
            await new Promise((resolve) => this.#setTimeout(() => resolve(undefined), delay));
            if (!stillCurrent()) return;
            continue;
          }
          if (retryable || failure.code === 'LATCHKEY_TOKEN_REQUEST_FAILED') {
            // Keep the session until it ends; a failure that may have been processed is never retried.
            this.#refreshTrouble = retryable ? 'retryable' : 'blocked';
            this.#fail(failure);
            return;
          }
          // invalid_grant, another identity, an invalid ID token: the session is over, once, everywhere.
          this.#signOutHere(failure);
          return;
        }
        if (!stillCurrent()) return; // signed out meanwhile: these tokens are dropped, never stored
        // Signed out in another tab whose message has not arrived yet: the marker says so already.
        if (this.#loggedOutSince(startedWith)) return this.#loggedOutElsewhere();
        // The rotated refresh token is stored before the lock is released or anyone is told.
        await this.#write(result.stored);
        if (!stillCurrent()) return;
        this.#adopt({ stored: result.stored, user: result.user });
        if (this.#state.error?.code === 'LATCHKEY_PROVIDER_UNREACHABLE') this.clearError();
        this.#tabs?.announceStored(result.stored.issued_at_ms);
        this.#events.emit('refreshed', { expiresAt: result.stored.expires_at_ms });
        return;
      }
    };
    const locks = this.#ports.locks;
    if (!locks) return underLock(false);
    const name = `latchkey:refresh:${config.storeKey}`;
    const ran = await locks.request(name, { ifAvailable: true }, async (lock) => (lock ? (await underLock(false), true) : false));
    if (!ran) await locks.request(name, {}, () => underLock(true));
  }

  /**
   * Under the refresh lock, with a shared store: did another tab refresh (or sign out) since
   * `startedWith`? Then this tab follows it and must not refresh, or it would reuse a rotated token.
   * localStorage may show another tab's write only after the lock comes here, so the announcement
   * (sent before the other tab released the lock) decides, and the store is waited for to catch up.
   */
  async #refreshedElsewhere(startedWith: RestoredSession, waited: boolean, stillCurrent: () => boolean): Promise<boolean> {
    const started = startedWith.stored;
    if (waited && this.#newestAnnounced <= started.issued_at_ms) await this.#nextStoreChange(ANNOUNCE_WAIT_MS);
    const deadline = this.#now() + STORE_CATCH_UP_MS;
    for (;;) {
      if (!stillCurrent()) return true;
      const latest = await this.#read();
      if (!stillCurrent()) return true;
      if (!latest) {
        this.#loggedOutElsewhere();
        return true;
      }
      if (latest.stored.refresh_token !== started.refresh_token || latest.stored.issued_at_ms > started.issued_at_ms) {
        this.#adopt(latest);
        this.#events.emit('refreshed', { expiresAt: latest.stored.expires_at_ms });
        return true;
      }
      if (this.#newestAnnounced <= started.issued_at_ms) return false;
      // Announced but not visible yet: wait for the store; never refresh with a token that was used.
      if (this.#now() >= deadline) return true;
      await this.#nextStoreChange(50);
    }
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
      if (!storage) throw new LatchkeyError('LATCHKEY_STORAGE_UNAVAILABLE', 'Sign-in needs sessionStorage, which this browser refused.');
      saveTransaction(storage, request.state, request.transaction, this.#now());
      this.clearError();
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
        if (callback.searchParams.get('error') === 'access_denied') throw accessDenied({ error: 'access_denied' });
        throw new LatchkeyError(
          'LATCHKEY_STATE_MISSING',
          'The sign-in response carries no "state", so it cannot be matched to a sign-in from this tab. Sign in again.',
          {
            claim: 'state',
          },
        );
      }
      const tx = ports.transactionStorage ? takeTransaction(ports.transactionStorage, state, this.#now()) : undefined;
      if (!tx || tx.issuer !== config.issuer.href || tx.client_id !== config.clientId) {
        throw new LatchkeyError(
          'LATCHKEY_STATE_MISMATCH',
          'This sign-in response matches no sign-in started in this tab: it was already used (back button, reload) or changed on the way. Sign in again.',
          { claim: 'state' },
        );
      }
      const { stored, user } = await oidc.exchangeCode(callback, state, tx);
      const returnTo = safeReturnTo(tx.return_to, ports.location.origin);
      await this.#write(stored);
      this.#adopt({ stored, user });
      this.clearError();
      this.#tabs?.announceStored(stored.issued_at_ms);
      this.#events.emit('authenticated', {
        idToken: stored.id_token,
        idTokenPayload: user,
        accessToken: stored.access_token,
        expiresAt: stored.expires_at_ms,
        state: returnTo,
      });
      return { returnTo };
    } catch (error) {
      if (this.#state.status !== 'authenticated') this.#setState({ ...ANONYMOUS, error: this.#state.error });
      throw this.#fail(asLatchkeyError(error));
    }
  }

  // ---- sign-out ----

  async logout(options: LogoutOptions = {}): Promise<void> {
    const { config, oidc, ports } = this.#browser();
    const { revokeRefreshToken, endSession, endSessionMethod } = { ...config.logout, ...options };
    const ended = this.#current;
    // Local first, always: this tab, the store, and every other tab.
    this.#signOutHere();

    const refreshToken = ended?.stored.refresh_token;
    if (revokeRefreshToken && refreshToken) await oidc.revoke(refreshToken);
    if (!endSession) return;
    let request: Awaited<ReturnType<OidcClient['endSessionRequest']>>;
    try {
      request = await oidc.endSessionRequest(ended?.stored.id_token);
    } catch (error) {
      // Signed out here all the same; say why the provider's session could not be ended.
      this.#fail(asLatchkeyError(error));
      return;
    }
    if (!request) return;
    if (endSessionMethod === 'POST' && ports.submitForm) {
      ports.submitForm(request.url, request.fields);
    } else {
      // By GET the ID token would land in the provider's logs and the history: it is left out
      // (client_id identifies the app; some providers then ask the user to confirm).
      const url = new URL(request.url);
      for (const [name, value] of Object.entries(request.fields)) if (name !== 'id_token_hint') url.searchParams.set(name, value);
      ports.location.assign(url.href);
    }
  }

  // ---- tokens ----

  async getAccessToken(options: AccessTokenOptions = {}): Promise<string> {
    this.#browser();
    await this.#ready;
    // On the hot path (every API call): only when an instant passed that no timer has handled yet
    // (a throttled or frozen tab). Anything else that changes the session comes as an event.
    if (this.#now() >= this.#wakeAt) this.#evaluate();
    const current = this.#current;
    const renewedSince = options.rejectedToken !== undefined && options.rejectedToken !== current?.stored.access_token;
    if (options.forceRefresh && !renewedSince && current?.stored.refresh_token && this.#refreshTrouble !== 'blocked') await this.#refresh();
    if (this.#refreshing) await this.#refreshing;
    const latest = this.#current;
    if (this.#state.status !== 'authenticated' || !latest) {
      throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'No signed-in session: sign in first.');
    }
    return latest.stored.access_token;
  }

  async getUserInfo(): Promise<Record<string, unknown>> {
    const { oidc } = this.#browser();
    await this.getAccessToken();
    const current = this.#current as RestoredSession;
    try {
      return await oidc.userinfo(current.stored, current.user.sub);
    } catch (error) {
      throw this.#fail(asLatchkeyError(error));
    }
  }

  dispose(): void {
    this.#clearTimer();
    for (const name of WAKE_EVENTS) this.#ports.events?.removeEventListener(name, this.#onWake);
    this.#ports.lifecycleEvents?.removeEventListener('resume', this.#onWake);
    this.#tabs?.close();
    this.#disposed = true;
    this.#epoch++;
    this.#listeners.clear();
    this.#events.clear();
  }
}

function sameSession(a: StoredSession, b: StoredSession): boolean {
  return a.id_token === b.id_token && a.access_token === b.access_token;
}

function asLatchkeyError(error: unknown): LatchkeyError {
  if (error instanceof LatchkeyError) return error;
  return new LatchkeyError('LATCHKEY_AUTHORIZATION_FAILED', 'Sign-in failed unexpectedly. You are still signed out; try again.', {
    name: error instanceof Error ? error.name : 'Error',
  });
}
