import {
  LatchkeyError,
  ɵEmitter,
  type AccessTokenOptions,
  type LoginOptions,
  type Session,
  type SessionEvents,
  type SessionState,
  type UserClaims,
} from '@latchkey/core';

/** Who is signed in for a test: claims (at least `sub`), or `null` for a signed-out user. */
export type TestingUser = (Partial<UserClaims> & { readonly sub: string }) | null;

export interface TestingSessionOptions {
  readonly user?: TestingUser;
  /** The signed-in user's session end (epoch ms). Default: one hour from now. */
  readonly expiresAt?: number;
  /** What `login()` signs in as. Default: `user`, or a user named "Test User". */
  readonly loginAs?: Exclude<TestingUser, null>;
  /** The access token `getAccessToken()` returns. Default `latchkey-test-access-token`. */
  readonly accessToken?: string;
}

/**
 * An in-memory `Session` for an app's own tests: no provider, no redirect, no storage. `login()`
 * signs in as `loginAs` at once (recording its options), `logout()` signs out.
 */
export class TestingSession implements Session {
  readonly #listeners = new Set<(state: SessionState) => void>();
  readonly #events = new ɵEmitter<SessionEvents>();
  readonly #options: TestingSessionOptions;
  #state: SessionState;
  /** The options of every `login()` call, for assertions (e.g. the guard's `returnTo`). */
  readonly logins: LoginOptions[] = [];
  /** The options of every `getAccessToken()` call (e.g. the interceptor's `forceRefresh` after a 401). */
  readonly accessTokenRequests: AccessTokenOptions[] = [];

  constructor(options: TestingSessionOptions = {}) {
    this.#options = options;
    this.#state = this.#stateFor(options.user ?? null);
  }

  #stateFor(user: TestingUser): SessionState {
    if (!user) return { status: 'anonymous', user: null, expiresAt: null, expiringSoon: false, error: null };
    const expiresAt = this.#options.expiresAt ?? Date.now() + 3_600_000;
    const claims = { iss: 'https://latchkey.test/', exp: Math.floor(expiresAt / 1000), ...user } as UserClaims;
    return { status: 'authenticated', user: claims, expiresAt, expiringSoon: false, error: null };
  }

  /** Sets the state directly, e.g. to show an error or an expiring session. */
  setState(patch: Partial<SessionState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const listener of [...this.#listeners]) listener(this.#state);
  }

  getState(): SessionState {
    return this.#state;
  }
  subscribe(listener: (state: SessionState) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
  isAuthenticated(): boolean {
    return this.#state.status === 'authenticated';
  }
  async ready(): Promise<SessionState> {
    return this.#state;
  }
  async login(options: LoginOptions = {}): Promise<void> {
    this.logins.push(options);
    this.setState(this.#stateFor(this.#options.loginAs ?? this.#options.user ?? { sub: 'test-user', name: 'Test User' }));
    this.#emit('authenticated', {
      idToken: 'latchkey-test-id-token',
      idTokenPayload: this.#state.user as UserClaims,
      accessToken: this.#options.accessToken ?? 'latchkey-test-access-token',
      expiresAt: this.#state.expiresAt as number,
      state: options.returnTo ?? '/',
    });
  }
  isRedirectCallback(): boolean {
    return false;
  }
  async handleRedirectCallback(): Promise<{ returnTo: string }> {
    throw new LatchkeyError('LATCHKEY_STATE_MISMATCH', 'The testing session has no redirect callback.');
  }
  async logout(): Promise<void> {
    const wasSignedIn = this.isAuthenticated();
    this.setState(this.#stateFor(null));
    if (wasSignedIn) this.#emit('loggedOut', { elsewhere: false });
  }
  async getAccessToken(options: AccessTokenOptions = {}): Promise<string> {
    this.accessTokenRequests.push(options);
    if (!this.isAuthenticated()) throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'No signed-in session: sign in first.');
    return this.#options.accessToken ?? 'latchkey-test-access-token';
  }
  async getUserInfo(): Promise<Record<string, unknown>> {
    await this.getAccessToken();
    return { ...this.#state.user };
  }
  clearError(): void {
    if (this.#state.error) this.setState({ error: null });
  }
  on<K extends keyof SessionEvents>(name: K, handler: (payload: SessionEvents[K]) => void): () => void {
    return this.#events.on(name, handler);
  }
  #emit<K extends keyof SessionEvents>(name: K, payload: SessionEvents[K]): void {
    this.#events.emit(name, payload);
  }
  dispose(): void {
    this.#listeners.clear();
  }
}
