import { DOCUMENT, isPlatformBrowser } from '@angular/common';
import { computed, DestroyRef, inject, Injectable, PLATFORM_ID, signal } from '@angular/core';
import { createSession, LatchkeyError, type LoginOptions, type LogoutOptions, type Session, type SessionState } from '@latchkey/core';
import { LATCHKEY_OPTIONS } from './latchkey-options';

const LOADING: SessionState = { status: 'loading', user: null, expiresAt: null, expiringSoon: false, error: null };

/**
 * The session as signals. Provided by {@link provideLatchkey}; holds no protocol logic: it mirrors
 * the core session's state, which flips by itself at expiry, so templates never decode a token.
 *
 * ```html
 * @if (auth.authenticated()) { <button (click)="auth.logout()">Log Out</button> }
 * @else { <button (click)="auth.login()">Log In</button> }
 * ```
 */
@Injectable()
export class Auth {
  readonly #options = inject(LATCHKEY_OPTIONS);
  readonly #document = inject(DOCUMENT);
  readonly #browser = isPlatformBrowser(inject(PLATFORM_ID));
  readonly #state = signal<SessionState>(LOADING);
  #session: Session | undefined;
  #ready: Promise<Session | undefined> | undefined;

  /** `loading` until the stored session was read; stays `loading` on the server. */
  readonly status = computed(() => this.#state().status);
  readonly authenticated = computed(() => this.#state().status === 'authenticated');
  /** The ID token's claims (`name`, `email`, `sub`, …) while signed in, else `null`. */
  readonly user = computed(() => this.#state().user);
  /** When the session ends, in epoch milliseconds, or `null`. */
  readonly expiresAt = computed(() => this.#state().expiresAt);
  readonly expiringSoon = computed(() => this.#state().expiringSoon);
  /** The last failure (sign-in refused, provider unreachable, …); its `code` says which. */
  readonly error = computed(() => this.#state().error);

  constructor() {
    inject(DestroyRef).onDestroy(() => this.#session?.dispose());
  }

  /** @internal Run once by provideLatchkey's app initializer. */
  ɵinit(): Promise<unknown> {
    this.#ready ??= this.#start();
    return this.#ready;
  }

  async #start(): Promise<Session | undefined> {
    // On the server the browser's store is out of reach: stay `loading` and render a placeholder.
    if (!this.#browser) return undefined;
    const { source, overrides } = this.#options;
    const config = { ...(typeof source === 'function' ? await source() : source), ...overrides };
    const session = createSession(config);
    this.#session = session;
    this.#state.set(session.getState());
    session.subscribe((state) => this.#state.set(state));
    if (session.isRedirectCallback()) {
      // Completed before the router starts, which then navigates straight to the page the user came from.
      const target = await session.handleRedirectCallback().then(
        ({ returnTo }) => returnTo,
        () => '/',
      );
      this.#document.defaultView?.history.replaceState(null, '', target);
    }
    await session.ready();
    return session;
  }

  async #sessionOrThrow(): Promise<Session> {
    const session = await (this.#ready ?? this.ɵinit());
    if (!session) throw new LatchkeyError('LATCHKEY_CONFIG_INVALID', 'Latchkey runs in the browser only (this is a server render).');
    return session as Session;
  }

  /**
   * Sends the browser to the provider to sign in. Never rejects: a failure (provider unreachable,
   * storage refused) is in {@link error}, and the user stays on the page.
   */
  async login(options?: LoginOptions): Promise<void> {
    try {
      await (await this.#sessionOrThrow()).login(options);
    } catch {
      // Already in the state's `error`, where the app shows it.
    }
  }

  /**
   * Signs out here and in every tab at once; then, as configured (`logout` in the config) or asked,
   * revokes the refresh token and ends the provider's session, which navigates away and back.
   */
  async logout(options?: LogoutOptions): Promise<void> {
    await (await this.#sessionOrThrow()).logout(options);
  }

  /** Userinfo for the signed-in user, discarded when it is about another user. */
  async getUserInfo(): Promise<Record<string, unknown>> {
    return (await this.#sessionOrThrow()).getUserInfo();
  }

  /** The access token for an API call. @throws LatchkeyError `LATCHKEY_LOGIN_REQUIRED` when signed out. */
  async getAccessToken(): Promise<string> {
    return (await this.#sessionOrThrow()).getAccessToken();
  }

  /** Dismisses the current {@link error}. */
  clearError(): void {
    this.#session?.clearError();
  }
}
