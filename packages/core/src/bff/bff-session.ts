import type { LogoutOptions } from '../config.ts';
import { LatchkeyConfigError, LatchkeyError } from '../errors.ts';
import { Emitter } from '../events.ts';
import { safeReturnTo } from '../return-to.ts';
import { instants } from '../schedule.ts';
import type { LoginOptions, Session, SessionEvents, SessionState } from '../session/types.ts';
import type { ResolvedBffOptions } from './bff-options.ts';
import { BffCell, type BffRecord } from './bff-cell.ts';
import { BffClient, type Received } from './bff-client.ts';
import type { BffSessionPorts } from './bff-ports.ts';
import { callbackError, CALLBACK_ERROR_PARAM } from './callback-error.ts';
import { EventStream } from './event-stream.ts';
import { TabChannel } from './tab-channel.ts';
import { parseBffSessionBody } from './session-body.ts';
import { ended, transition, type Transition } from './transition.ts';
import { Wakeups } from './wakeups.ts';

type Ports = BffSessionPorts & Required<Pick<BffSessionPorts, 'location'>>;

/**
 * Where a session body came from, which says whether the other tabs hear it: `server` (this tab's
 * read: when it changes something), `reread` (after the stream reconnected: always), `stream` (the
 * server's push: always, when this tab relays the browser's stream), `tab` and `page` (never).
 */
type Source = 'server' | 'reread' | 'stream' | 'tab' | 'page';

// Failures a later answer from the BFF disproves; any other error stays until a sign-in or clearError().
const TRANSIENT = new Set<string>(['LATCHKEY_BFF_UNAVAILABLE', 'LATCHKEY_CSRF_REJECTED']);

/** The BFF-mode session: a {@link Session}, plus "Stay signed in". */
export interface BffSession extends Session {
  /**
   * "Stay signed in": `POST {base}/session` counts as activity and slides the server's idle timeout;
   * the state, in every tab, takes the new end.
   *
   * @throws LatchkeyError `LATCHKEY_BFF_UNAVAILABLE` / `LATCHKEY_CSRF_REJECTED` (also put in `state.error`)
   */
  extend(): Promise<void>;
}

/**
 * The browser side of BFF mode: a façade over its parts. The cell holds what the server last said
 * (the one source of the state); the client asks the BFF; the event stream (one per browser) and the
 * tab channel bring what the server and the other tabs learned; the wakeups come at the warning,
 * at the end and after sleep. No token ever reaches it.
 */
export class BffBrowserSession implements BffSession {
  readonly #options: ResolvedBffOptions;
  readonly #ports: Ports;
  readonly #now: () => number;
  readonly #cell = new BffCell();
  readonly #events = new Emitter<SessionEvents>();
  readonly #client: BffClient;
  readonly #wakeups: Wakeups;
  readonly #channel: TabChannel;
  readonly #stream: EventStream;
  readonly #ready: Promise<unknown>;
  /** The `GET {base}/session` on its way, shared by whoever asks meanwhile. */
  #reading: Promise<boolean> | undefined;
  /** The latest moment (this browser's clock) this tab learned the session: older news from a tab is dropped. */
  #heardAt = -Infinity;
  /** The server-rendered state still waits for its confirming read. */
  #unconfirmed: boolean;

  constructor(options: ResolvedBffOptions, ports: Ports) {
    this.#options = options;
    this.#ports = ports;
    const now = (this.#now = ports.now ?? Date.now);
    const timers = {
      now,
      setTimeout: ports.setTimeout ?? ((handler: () => void, ms: number) => setTimeout(handler, ms)),
      clearTimeout: ports.clearTimeout ?? ((id: unknown) => clearTimeout(id as never)),
    };
    this.#client = new BffClient(options.base, { ...timers, fetch: ports.fetch ?? ((input, init) => fetch(input, init)) });
    this.#wakeups = new Wakeups({ ...timers, events: ports.events, lifecycleEvents: ports.lifecycleEvents }, (read) => {
      this.#evaluate();
      if (read && this.#cell.state.status !== 'loading') void this.#read('server');
    });
    // The server-rendered state first: the stream's first callbacks look at whether it is confirmed.
    const initial = options.initialState;
    this.#unconfirmed = initial !== undefined;
    if (initial) this.#heard({ body: initial, receivedAt: now() }, 'page');
    this.#channel = new TabChannel(`latchkey:bff:${options.base}`, ports.channel, {
      session: (received) => this.#heard(received, 'tab'),
      logout: () => this.#signedOut(true),
    });
    this.#stream = new EventStream(
      `${options.base}/events`,
      `latchkey:bff-events:${options.base}`,
      { ...timers, locks: ports.locks, eventSource: ports.eventSource },
      this.#channel.open,
      {
        event: (data) => {
          const body = parseBffSessionBody(data);
          if (body) this.#heard({ body, receivedAt: now() }, 'stream');
        },
        open: (first) => {
          if (!first || this.#unconfirmed) void this.#read(first ? 'server' : 'reread');
        },
        follow: () => {
          if (this.#unconfirmed) void this.#read('server');
        },
      },
    );
    this.#ready = initial ? Promise.resolve() : this.#read('server');
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
    return this.#ready.then(() => this.#cell.state);
  }

  clearError(): void {
    if (this.#cell.state.error) this.#cell.update({ error: null });
  }

  // ---- what the server says ----

  /** Asks the BFF for the session and applies the answer; a failure is put in the state, and rejects. */
  async #request(method: 'GET' | 'POST', source: Source): Promise<true> {
    const generation = this.#cell.generation;
    let received: Received;
    try {
      received = await this.#client.session(method);
    } catch (error) {
      // A sign-in or out since the request went out outranks its failure as much as its answer.
      if (generation === this.#cell.generation) this.#failedRead(error as LatchkeyError);
      throw error;
    }
    if (generation === this.#cell.generation) this.#heard(received, source);
    return true;
  }

  /**
   * `GET {base}/session`; never rejects (a failure is in the state). Resolves `false` when the BFF did
   * not answer. Reads share the one on its way, but for the read after a reconnect: only one sent
   * after it covers the events the stream may have lost.
   */
  #read(source: Source): Promise<boolean> {
    const read = () => this.#request('GET', source).catch(() => false);
    if (source === 'reread') return read();
    return (this.#reading ??= read().finally(() => (this.#reading = undefined)));
  }

  /** A session body, from wherever it came: the state follows it, and the app hears what it means. */
  #heard(received: Received, source: Source): void {
    if (this.#cell.closed || (source === 'tab' && received.receivedAt < this.#heardAt)) return;
    // The page's state is older than its arrival: any tab's news since the render may be newer.
    if (source !== 'page') {
      this.#heardAt = Math.max(this.#heardAt, received.receivedAt);
      this.#unconfirmed = false;
    }
    const before = this.#cell.record;
    const restoring = this.#cell.state.status === 'loading';
    let next = transition(before, received, this.#now(), restoring);
    if (source === 'page' && next.record) next = { ...next, record: { ...next.record, provisional: true } };
    const signedIn = next.record !== undefined && next.record.user.sub !== before?.user.sub;
    const error = this.#cell.state.error;
    this.#apply(next, signedIn || (source !== 'page' && error !== null && TRANSIENT.has(error.code)) ? { error: null } : {});
    const changed = restoring || before?.user.sub !== next.record?.user.sub || before?.serverExpiresAt !== next.record?.serverExpiresAt;
    if ((source === 'server' && changed) || source === 'reread' || (source === 'stream' && this.#stream.relaying)) {
      this.#channel.post({ kind: 'session', body: received.body, receivedAt: received.receivedAt });
    }
    if (!restoring && before?.user.sub !== next.record?.user.sub) this.#stream.reopen();
  }

  /** Makes `next` the state, then lets the app hear its events and sleeps until the next instant. */
  #apply(next: Transition, also: { error?: null }): void {
    this.#cell.update({ record: next.record, loaded: true, ...also });
    for (const { name, payload } of next.events) this.#events.emit(name, payload as never);
    this.#evaluate();
  }

  #failedRead(error: LatchkeyError): void {
    // At start-up there is nothing to keep: signed out, with the reason.
    const repeated = this.#cell.state.error?.code === error.code;
    this.#cell.update({ loaded: true, error });
    if (!repeated) this.#events.emit('error', error);
  }

  #fail(error: LatchkeyError): LatchkeyError {
    this.#cell.update({ error });
    this.#events.emit('error', error);
    return error;
  }

  // ---- the warning and the end ----

  #evaluate(): void {
    this.#wakeups.cancel();
    const record = this.#cell.record;
    if (!record || this.#cell.closed) return;
    const now = this.#now();
    const { warnAt, endAt } = instants(record.learnedAt, record.expiresAt, { warnBeforeMs: this.#options.warnBeforeMs });
    if (now >= endAt) return void this.#reachedEnd(record);
    const expiringSoon = now >= warnAt;
    if (expiringSoon !== this.#cell.state.expiringSoon) {
      this.#cell.update({ expiringSoon });
      if (expiringSoon) this.#events.emit('expiringSoon', { expiresAt: endAt });
    }
    this.#wakeups.sleepUntil([warnAt, endAt], () => this.#evaluate());
  }

  /**
   * The end came. Activity in another tab may have slid it: one more read says. When the BFF does
   * not answer, the end it last gave stands (the failure stays in the state).
   */
  async #reachedEnd(record: BffRecord): Promise<void> {
    const answered = await this.#read('server');
    if (!answered && this.#cell.record === record) this.#apply(ended(record, this.#now()), {});
  }

  // ---- sign-in ----

  /**
   * Navigates to `{base}/login?returnTo=…` (same origin only; default: the current page). The BFF
   * makes the authorization request.
   *
   * @throws LatchkeyConfigError for `authorizationParams`: the BFF configures them, not the page
   */
  async login(options: LoginOptions = {}): Promise<void> {
    if (options.authorizationParams !== undefined) {
      throw new LatchkeyConfigError(
        'authorizationParams are not supported in BFF mode: the BFF makes the authorization request; configure them there.',
      );
    }
    const { location } = this.#ports;
    const returnTo = safeReturnTo(options.returnTo ?? this.#currentPage(), location.origin);
    this.clearError();
    location.assign(`${this.#options.base}/login?returnTo=${encodeURIComponent(returnTo)}`);
  }

  #currentPage(): string {
    const { pathname, search, hash } = new URL(this.#ports.location.href);
    return pathname + search + hash;
  }

  /** True when `url` (default: the current one) is the app's page the BFF sent back with `?latchkey_error=`. */
  isRedirectCallback(url?: string): boolean {
    const { href, origin } = this.#ports.location;
    const current = URL.parse(url ?? href, href);
    return current?.origin === origin && current.searchParams.has(CALLBACK_ERROR_PARAM);
  }

  /**
   * After a failed sign-in (`?latchkey_error=` in the address bar): removes the parameter, puts the
   * error in the state and rejects with it. Any other page resolves with itself.
   *
   * @throws LatchkeyError — the code the BFF named, when it is a sign-in failure; else `LATCHKEY_AUTHORIZATION_FAILED`
   */
  async handleRedirectCallback(url?: string): Promise<{ returnTo: string }> {
    const { href, origin } = this.#ports.location;
    const current = URL.parse(url ?? href, href);
    const value = current?.origin === origin ? current.searchParams.get(CALLBACK_ERROR_PARAM) : null;
    if (!current || value === null) return { returnTo: safeReturnTo(current?.href, origin) };
    current.searchParams.delete(CALLBACK_ERROR_PARAM);
    this.#ports.history?.replaceState(null, '', current.pathname + current.search + current.hash);
    // The first read could replace the error with its own outcome: the error comes after it.
    await this.#ready;
    throw this.#fail(callbackError(value));
  }

  // ---- sign-out ----

  /**
   * `POST {base}/logout`, then signed out here and in every tab; with `endSession` (option, else the
   * configured default) the page goes on to the provider's end-session through the BFF.
   *
   * @throws LatchkeyError `LATCHKEY_BFF_UNAVAILABLE` / `LATCHKEY_CSRF_REJECTED` — the BFF did not sign
   *   out, so neither does the page (it would be a lie: the server session lives on)
   */
  async logout(options: LogoutOptions = {}): Promise<void> {
    let endSessionUrl: string | null;
    try {
      ({ endSessionUrl } = await this.#client.logout());
    } catch (error) {
      throw this.#fail(error as LatchkeyError);
    }
    this.#signedOut(false);
    this.#channel.post({ kind: 'logout' });
    const target = endSessionUrl && safeReturnTo(endSessionUrl, this.#ports.location.origin, '');
    if ((options.endSession ?? this.#options.endSession) && target) this.#ports.location.assign(target);
  }

  /** The server session is gone (here, or another tab's logout): reads on their way are dropped. */
  #signedOut(elsewhere: boolean): void {
    const before = this.#cell.record;
    const loading = this.#cell.state.status === 'loading';
    this.#cell.invalidate();
    this.#heardAt = this.#now();
    this.#unconfirmed = false;
    this.#apply(
      { record: undefined, events: before ? [{ name: 'loggedOut', payload: { elsewhere } }] : [] },
      elsewhere ? {} : { error: null },
    );
    if (!loading) this.#stream.reopen();
  }

  // ---- no tokens here ----

  /** @throws LatchkeyError `LATCHKEY_BFF_NO_TOKEN`, always: in BFF mode the browser holds no token. */
  getAccessToken(): Promise<string> {
    return Promise.reject(
      new LatchkeyError(
        'LATCHKEY_BFF_NO_TOKEN',
        `BFF mode holds no token in the browser, by design: call APIs through ${this.#options.base}/api/<name>/ (authInterceptor adds the CSRF header).`,
      ),
    );
  }

  /** A copy of the signed-in user's claims, as the BFF gave them. @throws LatchkeyError `LATCHKEY_LOGIN_REQUIRED` when signed out. */
  async getUserInfo(): Promise<Record<string, unknown>> {
    const { user } = await this.ready();
    if (!user) throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'No signed-in session: sign in first.');
    return structuredClone(user);
  }

  async extend(): Promise<void> {
    await this.#request('POST', 'server');
  }

  dispose(): void {
    this.#client.abort();
    this.#wakeups.dispose();
    this.#stream.close();
    this.#channel.close();
    this.#cell.close();
    this.#events.clear();
  }
}
