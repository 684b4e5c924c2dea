import type { LogoutOptions, ResolvedConfig } from '../config.ts';
import { LatchkeyError } from '../errors.ts';
import { Emitter } from '../events.ts';
import type { Clock } from '../protocol/index.ts';
import { instants } from '../schedule.ts';
import type { RestoredSession } from '../stored-session.ts';
import { TabSync } from '../tabs.ts';
import { authenticatedEvent } from './authenticated-event.ts';
import { ProtocolLoader, type LoadedProtocol } from './protocol-loader.ts';
import { RefreshCoordinator } from './refresh-coordinator.ts';
import { Scheduler } from './scheduler.ts';
import { SessionCell } from './session-cell.ts';
import { StoreGateway } from './store-gateway.ts';
import { TabFollower } from './tab-follower.ts';
import type { ChallengeResponse } from '../protocol/index.ts';
import type { AccessTokenOptions, LoginOptions, SessionEvents, SessionPorts, SessionState, TokenSession } from './types.ts';

type BrowserPorts = SessionPorts & Required<Pick<SessionPorts, 'location'>>;

// A refresh due this soon is worth loading the protocol for ahead of time.
const PRELOAD_BEFORE_REFRESH_MS = 60_000;

/**
 * The browser-mode session: a façade over its parts. The cell holds the current record (the one
 * source of the state); the store gateway reads and writes it; the scheduler wakes at the next
 * instant; the coordinator refreshes once for all tabs; the follower keeps this tab in line with the
 * others; the protocol (sign-in, refresh, logout, userinfo) is loaded on first use.
 */
export class BrowserSession implements TokenSession {
  readonly #config: ResolvedConfig;
  readonly #ports: BrowserPorts;
  readonly #clock: Clock;
  readonly #cell = new SessionCell();
  readonly #events = new Emitter<SessionEvents>();
  readonly #store: StoreGateway;
  readonly #tabs: TabSync;
  readonly #follower: TabFollower;
  readonly #scheduler: Scheduler;
  readonly #refresher: RefreshCoordinator;
  readonly #protocol: ProtocolLoader;
  readonly #ready: Promise<SessionState>;

  constructor(config: ResolvedConfig, ports: BrowserPorts) {
    this.#config = config;
    this.#ports = ports;
    const clock: Clock = (this.#clock = {
      now: ports.now ?? Date.now,
      setTimeout: ports.setTimeout ?? ((handler, ms) => setTimeout(handler, ms)),
      clearTimeout: ports.clearTimeout ?? ((id) => clearTimeout(id as never)),
    });
    const fetchImpl = ports.fetch ?? ((input, init) => fetch(input, init));
    this.#protocol = new ProtocolLoader(
      { issuer: config.issuer, clientId: config.clientId, fetch: fetchImpl, clock },
      { name: config.storeKey, store: ports.dpopKeyStore },
    );
    // Deferred: a store can fail inside createSession(), before the app could subscribe.
    this.#store = new StoreGateway(config, (name) => queueMicrotask(() => this.#events.emit('storeDegraded', { name })));
    this.#tabs = new TabSync(
      config.storeKey,
      ports,
      {
        onStored: (issuedAt) => {
          this.#refresher.storedElsewhere(issuedAt);
          this.#follower.syncFromStore();
        },
        onLogout: () => this.#follower.loggedOutElsewhere(),
      },
      config.store.shared === true,
    );
    this.#follower = new TabFollower({
      clock,
      cell: this.#cell,
      store: this.#store,
      tabs: this.#tabs,
      events: this.#events,
      adopt: (session, also) => this.#adopt(session, also),
      endLocally: (removeStored) => this.#endLocally(removeStored),
    });
    this.#refresher = new RefreshCoordinator({
      clock,
      locks: ports.locks,
      lockName: `latchkey:refresh:${config.storeKey}`,
      cell: this.#cell,
      store: this.#store,
      follower: this.#follower,
      loadRefresh: () =>
        this.#protocol.load().then(
          ({ flows, provider, dpop }) =>
            (run) =>
              flows.refreshUnderLock(run, provider, dpop),
        ),
      refreshed: (next, here) => this.#refreshed(next, here),
      signOut: (failure) => void this.#signOutHere(failure),
      fail: (failure) => this.#fail(failure),
    });
    this.#scheduler = new Scheduler(clock, ports, () => {
      this.#refresher.woke();
      this.#follower.syncFromStore();
      this.#evaluate();
    });
    this.#ready = Promise.resolve(this.#follower.restore()).then((state) => {
      if (config.preloadProtocol) ports.requestIdleCallback?.(() => this.#protocol.preload(), { timeout: 5_000 });
      return state;
    });
  }

  getState(): SessionState {
    return this.#cell.state;
  }

  isAuthenticated(): boolean {
    return this.#cell.state.status === 'authenticated';
  }

  subscribe(listener: (state: SessionState) => void): () => void {
    return this.#cell.subscribe(listener);
  }

  on<K extends keyof SessionEvents>(name: K, handler: (payload: SessionEvents[K]) => void): () => void {
    return this.#events.on(name, handler);
  }

  ready(): Promise<SessionState> {
    // The state now, not the one at restore: a sign-in may have completed since.
    return this.#ready.then(() => this.#cell.state);
  }

  clearError(): void {
    if (this.#cell.state.error) this.#cell.update({ error: null });
  }

  #fail(error: LatchkeyError): LatchkeyError {
    this.#cell.update({ error });
    this.#events.emit('error', error);
    return error;
  }

  /** Runs `work` with the protocol loaded. Fails only with a LatchkeyError (a chunk that did not load, too). */
  async #withProtocol<T>(work: (loaded: LoadedProtocol) => Promise<T>): Promise<T> {
    return work(await this.#protocol.load());
  }

  // ---- the session and its three instants ----

  /** Makes `session` the current one (`also`: in the same change, e.g. clearing the error of a sign-in). */
  #adopt(session: RestoredSession, also: { error?: null; loaded?: true } = {}): void {
    this.#cell.update({ record: session, ...also });
    this.#evaluate();
  }

  /** Brings the state in line with the clock, starts a due refresh, then sleeps until the next instant. */
  #evaluate(): void {
    this.#scheduler.cancel();
    const current = this.#cell.record;
    if (!current || this.#cell.closed) return;
    if (this.#follower.loggedOutSince(current)) return this.#follower.loggedOutElsewhere();
    const now = this.#clock.now();
    const { refreshAt, warnAt, endAt } = instants(current.stored.issued_at_ms, current.stored.expires_at_ms, this.#config);
    const trouble = this.#refresher.troubleFor(current);
    const canRefresh = current.stored.refresh_token !== undefined && trouble !== 'blocked';
    // After a failed refresh the next attempt waits for a wake event (online, focus, …), never a loop.
    const refreshDue = canRefresh && trouble === 'none' && !this.#refresher.inFlight;
    if (refreshDue && now >= refreshAt) void this.#refresh();
    else if (refreshDue && this.#config.preloadProtocol && refreshAt - now <= PRELOAD_BEFORE_REFRESH_MS) this.#protocol.preload();
    if (now >= endAt && !this.#refresher.inFlight) return this.#follower.expire(endAt);
    const expiringSoon = now >= warnAt && (!canRefresh || trouble !== 'none');
    if (expiringSoon !== this.#cell.state.expiringSoon) {
      this.#cell.update({ expiringSoon });
      if (expiringSoon) this.#events.emit('expiringSoon', { expiresAt: endAt });
    }
    this.#scheduler.sleepUntil([refreshDue ? refreshAt : Infinity, warnAt, endAt], () => this.#evaluate());
  }

  #refresh(): Promise<void> {
    return this.#refresher.refresh(() => this.#evaluate());
  }

  #refreshed(next: RestoredSession, here: boolean): void {
    this.#adopt(next);
    if (here) {
      const code = this.#cell.state.error?.code;
      if (code === 'LATCHKEY_PROVIDER_UNREACHABLE' || code === 'LATCHKEY_CHUNK_LOAD_FAILED') this.clearError();
      this.#tabs.announceStored(next.stored.issued_at_ms);
    }
    this.#events.emit('refreshed', { expiresAt: next.stored.expires_at_ms });
  }

  /** Ends the session here: state, timers, store. Work in flight is dropped (the generation moves). */
  #endLocally(removeStored: boolean): void {
    const jkt = this.#cell.record?.stored.dpop_jkt;
    this.#scheduler.cancel();
    this.#cell.update({ record: undefined });
    if (removeStored) this.#store.remove();
    // Its DPoP key goes too, here and, should the tab that ended it have navigated away first, in IndexedDB.
    const loaded = this.#protocol.loaded;
    if (jkt && loaded) void loaded.dpop.remove(loaded.provider, jkt);
  }

  /**
   * Ends the session here and, through the logout marker and the channel, in every tab. `failure`
   * (a refused refresh) stays in the state; a logout clears any error. Settles once the session's DPoP
   * key is deleted (never rejects).
   */
  #signOutHere(failure?: LatchkeyError): Promise<void> {
    const ended = this.#cell.record;
    this.#scheduler.cancel();
    this.#cell.update({ record: undefined, error: failure ?? null });
    this.#store.remove();
    this.#tabs.announceLogout(this.#clock.now());
    const jkt = ended?.stored.dpop_jkt;
    if (failure) this.#events.emit('error', failure);
    if (ended) this.#events.emit('loggedOut', { elsewhere: false });
    return jkt ? this.#withProtocol(({ provider, dpop }) => dpop.remove(provider, jkt)).catch(() => {}) : Promise.resolve();
  }

  // ---- sign-in ----

  async login(options: LoginOptions = {}): Promise<void> {
    // The page the sign-in started on, as it is now: the chunk may take a while to arrive.
    const { pathname, search, hash } = new URL(this.#ports.location.href);
    const request = { returnTo: pathname + search + hash, ...options };
    try {
      const url = await this.#withProtocol(({ flows, provider }) => flows.startSignIn(provider, this.#config, this.#ports, request));
      this.clearError();
      this.#ports.location.assign(url.href);
    } catch (error) {
      throw this.#fail(error as LatchkeyError);
    }
  }

  isRedirectCallback(url?: string): boolean {
    const current = URL.parse(url ?? this.#ports.location.href);
    const redirect = new URL(this.#config.redirectUri);
    if (!current || current.origin !== redirect.origin || current.pathname !== redirect.pathname) return false;
    const params = current.searchParams;
    return params.has('state') || params.has('code') || params.has('error');
  }

  async handleRedirectCallback(url?: string): Promise<{ returnTo: string }> {
    const callback = new URL(url ?? this.#ports.location.href);
    // code and state leave the address bar (and history) before anything else can read them.
    this.#ports.history?.replaceState(null, '', callback.pathname);
    try {
      await this.#ready;
      const { stored, user, returnTo, keyInMemory } = await this.#withProtocol(({ flows, provider, dpop }) =>
        flows.completeSignIn(provider, this.#config, this.#ports, callback, dpop),
      );
      // Tokens bound to a key only this tab holds would be useless to the others: they stay here too.
      if (keyInMemory) this.#store.toMemory('DpopKeyStore');
      await this.#store.write(stored);
      this.#adopt({ stored, user }, { error: null });
      this.#tabs.announceStored(stored.issued_at_ms);
      this.#events.emit('authenticated', authenticatedEvent({ stored, user }, returnTo));
      return { returnTo };
    } catch (error) {
      throw this.#fail(error as LatchkeyError);
    }
  }

  // ---- sign-out ----

  async logout(options: LogoutOptions = {}): Promise<void> {
    const ended = this.#cell.record;
    // Local first, always: this tab, the store, every other tab, and the DPoP key (before the page navigates away).
    await this.#signOutHere();
    const remote = { ...this.#config.logout, ...options };
    if (!remote.endSession && !(remote.revokeRefreshToken && ended?.stored.refresh_token)) return;
    try {
      await this.#withProtocol(({ flows, provider }) => flows.endRemoteSession(provider, this.#config, this.#ports, ended?.stored, remote));
    } catch (error) {
      // Signed out here all the same; say why the provider's session could not be ended (revocation
      // alone is best effort).
      if (remote.endSession) this.#fail(error as LatchkeyError);
    }
  }

  // ---- tokens ----

  async getAccessToken(options: AccessTokenOptions = {}): Promise<string> {
    await this.#ready;
    // On the hot path (every API call): only when an instant passed that no timer has handled yet
    // (a throttled or frozen tab). Anything else that changes the session comes as an event.
    if (this.#scheduler.overdue()) this.#evaluate();
    const current = this.#cell.record;
    const renewedSince = options.rejectedToken !== undefined && options.rejectedToken !== current?.stored.access_token;
    if (options.forceRefresh && !renewedSince && current?.stored.refresh_token && this.#refresher.troubleFor(current) !== 'blocked') {
      await this.#refresh();
    }
    if (this.#refresher.inFlight) await this.#refresher.inFlight;
    const latest = this.#cell.record;
    if (this.#cell.state.status !== 'authenticated' || !latest) {
      throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'No signed-in session: sign in first.');
    }
    return latest.stored.access_token;
  }

  async getUserInfo(): Promise<Record<string, unknown>> {
    await this.getAccessToken();
    const current = this.#cell.record as RestoredSession;
    try {
      return await this.#withProtocol(({ flows, provider, dpop }) => flows.userinfo(provider, current.stored, current.user.sub, dpop));
    } catch (error) {
      throw this.#fail(error as LatchkeyError);
    }
  }

  async authorizeRequest(method: string, url: string, accessToken: string): Promise<Record<string, string>> {
    const stored = this.#cell.record?.stored;
    if (!stored?.dpop_jkt) return { Authorization: `Bearer ${accessToken}` };
    try {
      return await this.#withProtocol(({ flows, provider, dpop }) =>
        flows.dpopHeaders(provider, dpop, stored, { method, url: new URL(url), accessToken }),
      );
    } catch (error) {
      // No proof, so nothing is sent with the token: the key is gone (the session ends), or the chunk or the
      // key store failed (the session goes on, and says why).
      if ((error as LatchkeyError).code === 'LATCHKEY_DPOP_KEY_MISSING') void this.#signOutHere(error as LatchkeyError);
      else this.#fail(error as LatchkeyError);
      throw error;
    }
  }

  dpopNonceChallenge(url: string, response: ChallengeResponse): boolean {
    // No proof was made before the protocol loaded: nothing an API could have asked a nonce for.
    const loaded = this.#protocol.loaded;
    return loaded !== undefined && loaded.flows.keepDpopNonce(loaded.dpop, url, response);
  }

  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const fetchImpl = this.#ports.fetch ?? ((i, o) => fetch(i, o));
    return this.#withProtocol(({ flows }) => flows.authorizedFetch(this, fetchImpl, input, init));
  }

  dispose(): void {
    this.#scheduler.dispose();
    this.#tabs.close();
    this.#cell.close();
    this.#events.clear();
  }
}
