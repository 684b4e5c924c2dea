import type { LogoutOptions } from '../config.ts';
import type { LatchkeyError } from '../errors.ts';
import type { UserClaims } from '../stored-session.ts';
import type { TabPorts } from '../tabs.ts';
import type { TransactionStorage } from '../transaction.ts';

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
  /** Browser mode: the tokens are DPoP-bound (RFC 9449) to a key that cannot leave this browser. */
  readonly dpop?: boolean;
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

/**
 * Where a DPoP session keeps its key pair, by name. Default: IndexedDB, where a `CryptoKey` stays
 * non-extractable and every tab sees the same one.
 */
export interface DpopKeyStore {
  get(name: string): Promise<CryptoKeyPair | undefined>;
  set(name: string, pair: CryptoKeyPair): Promise<void>;
  delete(name: string): Promise<void>;
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
  /**
   * Navigates by submitting a POST form (RP-initiated logout with `endSessionMethod: 'POST'`). Default:
   * a hidden form in the page's document.
   */
  readonly submitForm?: (url: string, fields: Readonly<Record<string, string>>) => void;
  /** Where the DPoP key is kept (with `dpop` on). Default: IndexedDB. */
  readonly dpopKeyStore?: DpopKeyStore;
  /** `requestIdleCallback`: when the page is idle, the part that talks to the provider is preloaded. */
  readonly requestIdleCallback?: (callback: () => void, options?: { timeout?: number }) => unknown;
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

/**
 * The browser-mode session (what `createSession()` returns): a {@link Session} that holds the tokens
 * and sends them to APIs itself.
 */
export interface TokenSession extends Session {
  /**
   * The headers that carry `accessToken` to an API at `url`: `Authorization: Bearer …`, or, for a
   * DPoP-bound session, `Authorization: DPoP …` and a fresh `DPoP` proof for `method` and `url` (with
   * the API's nonce, once it gave one). Send them only to your own APIs.
   * @throws LatchkeyError `LATCHKEY_DPOP_KEY_MISSING` when the session's key is gone (the session ends),
   *   `LATCHKEY_DPOP_KEY_UNAVAILABLE` when the key store failed to read it (the session goes on)
   */
  authorizeRequest(method: string, url: string, accessToken: string): Promise<Record<string, string>>;
  /**
   * After an API answered 401: keeps the nonce it asked for (RFC 9449 §9: a `use_dpop_nonce` challenge
   * in `WWW-Authenticate`, with `DPoP-Nonce`). True when it did: retry the request once,
   * with fresh headers from {@link TokenSession.authorizeRequest}.
   */
  dpopNonceChallenge(url: string, response: { readonly status: number; readonly headers: { get(name: string): string | null } }): boolean;
  /**
   * `fetch` with the session's credentials ({@link TokenSession.authorizeRequest}), for code that does not use
   * Angular's `HttpClient`: the token refreshed first when due, one retry with the API's DPoP nonce when
   * it asks, one retry with a refreshed token after a 401. It sends the token to whatever URL it is
   * given: call your own APIs with it, nothing else.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}
