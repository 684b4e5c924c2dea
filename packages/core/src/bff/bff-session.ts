import type { LogoutOptions } from '../config.ts';
import { LatchkeyConfigError, LatchkeyError } from '../errors.ts';
import { Emitter } from '../events.ts';
import { safeReturnTo } from '../return-to.ts';
import { timeoutUntil } from '../schedule.ts';
import { LOADING_STATE } from '../session/session-cell.ts';
import type { LoginOptions, Session, SessionEvents, SessionState } from '../session/types.ts';
import type { UserClaims } from '../stored-session.ts';
import type { ResolvedBffOptions } from './bff-options.ts';
import type { BffSessionPorts } from './bff-ports.ts';
import { leadEventStream } from './event-stream.ts';
import { callbackError, CALLBACK_ERROR_PARAM } from './callback-error.ts';
import { parseBffSessionBody, parseLogoutBody, type CheckedSessionBody } from './session-body.ts';
import { bffCaller, unavailable } from './bff-call.ts';
import { listenForWakeups } from './wakeups.ts';

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

/** The server session as this tab knows it. */
interface BffRecord {
  readonly user: UserClaims;
  /** When it ends, on this browser's clock. */
  readonly expiresAt: number;
  /** The same end on the server's clock, as the server said it: equal values are the same end. */
  readonly serverExpiresAt: number;
  /** When this end was learned (this browser's clock): the warning comes at most half-way from there. */
  readonly learnedAt: number;
}

/**
 * Whether the other tabs hear a session body: `NEVER` (another tab's news), `IF_CHANGED` (this tab's
 * read), `ALWAYS` (the read after the stream reconnected, and the server's push when this tab relays
 * the browser's stream). Another tab's news older than this tab's is dropped.
 */
const NEVER = 0;
const IF_CHANGED = 1;
const ALWAYS = 2;
type Relay = typeof NEVER | typeof IF_CHANGED | typeof ALWAYS;

/** What the tabs of one browser tell each other (`latchkey:bff:` + base). */
type TabMessage = { readonly kind: 'session'; readonly body: unknown; readonly receivedAt: number } | { readonly kind: 'logout' };

/**
 * The server ends a session on its timer and says so at once; one that ends this close to its known
 * end timed out (the two clocks differ by a round trip), anything earlier ended by a logout.
 */
const END_SLACK_MS = 2_000;
// Failures a later answer from the BFF disproves; any other error stays until a sign-in or clearError().
const TRANSIENT = /^LATCHKEY_(BFF_UNAVAILABLE|CSRF_REJECTED)$/;

/**
 * The browser side of BFF mode. One source of truth, the record of what the server last said (and
 * whether it has answered, the warning, the last error); the state is derived from it. Around it: the
 * requests to the BFF (same origin, the CSRF header), the wake events and the one timer (the warning,
 * the end), the tabs' BroadcastChannel, and `{base}/events`, once per browser: the tab holding the Web
 * Lock opens the EventSource and relays what comes to the others (Chromium allows six HTTP/1.1
 * connections per host across all tabs: a stream per tab would hang the seventh). No token reaches it.
 */
export function bffBrowserSession(
  { base, warnBeforeMs, endSession, initialState }: ResolvedBffOptions,
  ports: BffSessionPorts & Required<Pick<BffSessionPorts, 'location'>>,
): BffSession {
  const { location } = ports;
  const now = ports.now ?? Date.now;
  const setTimer = ports.setTimeout ?? ((handler: () => void, ms: number) => setTimeout(handler, ms));
  const clearTimer = ports.clearTimeout ?? ((id: unknown) => clearTimeout(id as never));
  const fetchBff = ports.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  // `state` for subscribe(), next to the session's events.
  const emitter = new Emitter<SessionEvents & { state: SessionState }>();
  /** Aborted at dispose: the requests on their way. */
  const life = new AbortController();

  let record: BffRecord | undefined;
  let state = LOADING_STATE;
  /** The BFF has answered (or failed to): no longer `loading`. */
  let loaded = false;
  /** Moves when the user signs in or out: reads sent before such a move are dropped when they answer. */
  let generation = 0;
  let closed = false;
  /** The latest moment (this browser's clock) this tab learned the session: older news from a tab is dropped. */
  let heardAt = -Infinity;
  /** A logout of this tab's is on its way to the BFF. */
  let loggingOut = false;
  /** The server-rendered state still waits for its confirming read. */
  let unconfirmed = initialState !== undefined;
  /** The `GET {base}/session` on its way, shared by whoever asks meanwhile. */
  let reading: Promise<boolean> | undefined;
  let timer: unknown;

  // ---- the state ----

  /**
   * Derives the state; listeners hear once per change (claims said again are no change). The warning
   * goes with the end it was for.
   */
  const publish = (error = state.error, expiringSoon = record?.expiresAt === state.expiresAt && state.expiringSoon) => {
    const next: SessionState = {
      status: loaded ? (record ? 'authenticated' : 'anonymous') : 'loading',
      user: record?.user ?? null,
      expiresAt: record?.expiresAt ?? null,
      expiringSoon,
      error,
    };
    // The same error object, and the same rest by value: claims said again are no change.
    if (closed || (error === state.error && JSON.stringify(next) === JSON.stringify(state))) return;
    state = next;
    emitter.emit('state', next);
  };

  /** Puts a failure in the state; a read's failure also ends `loading`, and says the same code once. */
  const fail = (error: LatchkeyError, read?: boolean) => {
    const repeated = read && state.error?.code === error.code;
    loaded ||= !!read;
    publish(error);
    if (!repeated) emitter.emit('error', error);
    return error;
  };

  /**
   * What a session body means for this tab. Its `expiresAt` moves to this browser's clock
   * (`expiresAt - now + receivedAt`); the same end said again keeps the time already known, so the
   * round trip's jitter changes nothing (but for the server-rendered state's: its read puts the times right).
   */
  const recordOf = (body: CheckedSessionBody, receivedAt: number): BffRecord | undefined => {
    if (body.status !== 'authenticated') return undefined;
    const { user, expiresAt } = body;
    const next =
      record?.user.sub === user.sub && !unconfirmed && record.serverExpiresAt === expiresAt
        ? { ...record, user }
        : { user, expiresAt: expiresAt - body.now + receivedAt, serverExpiresAt: expiresAt, learnedAt: receivedAt };
    // An end already passed (a body that waited, or a relay from a sleeping tab) is no session.
    return next.expiresAt > now() ? next : undefined;
  };

  /**
   * Makes `next` the session (a sign-in, or `clearError`, clears the error), lets the app hear what the
   * change means, sleeps until the next instant, and has the server bind the stream to the cookie as it
   * is now after a sign-in or out. An end is `expired` when it came about when due, else (and for
   * `elsewhere`) `loggedOut`. Returns whether the other tabs should hear of it.
   */
  const commit = (next: BffRecord | undefined, clearError?: boolean, elsewhere?: boolean) => {
    const before = record;
    const restoring = !loaded;
    const moved = before?.user.sub !== next?.user.sub;
    if (moved) generation++;
    record = next;
    loaded = true;
    publish(clearError || (next && moved) ? null : undefined);
    if (before && moved) {
      if (next || elsewhere !== undefined || now() < before.expiresAt - END_SLACK_MS)
        emitter.emit('loggedOut', { elsewhere: elsewhere ?? true });
      else emitter.emit('expired', { expiresAt: before.expiresAt });
    }
    // No token in the browser in this mode: `idToken` and `accessToken` are ''; so is `state` (no returnTo here).
    if (next && moved && !restoring)
      emitter.emit('authenticated', { idToken: '', accessToken: '', idTokenPayload: next.user, expiresAt: next.expiresAt, state: '' });
    else if (next && before && next.serverExpiresAt > before.serverExpiresAt) emitter.emit('refreshed', { expiresAt: next.expiresAt });
    evaluate();
    if (!restoring && (moved || elsewhere !== undefined)) stream.reopen();
    return restoring || moved || before?.serverExpiresAt !== next?.serverExpiresAt;
  };

  /** The warning and the end. At the end, activity in another tab may have slid it: one more read says. */
  const evaluate = (): void => {
    clearTimer(timer);
    const current = record;
    if (!current) return;
    const at = now();
    const { learnedAt, expiresAt } = current;
    const warnAt = expiresAt - Math.min(warnBeforeMs, (expiresAt - learnedAt) / 2);
    if (at >= expiresAt) {
      // When the BFF does not answer, the end it last gave stands (the failure stays in the state).
      void read().then((answered) => answered || record !== current || commit(undefined));
      return;
    }
    const expiringSoon = at >= warnAt;
    if (expiringSoon !== state.expiringSoon) {
      publish(undefined, expiringSoon);
      if (expiringSoon) emitter.emit('expiringSoon', { expiresAt });
    }
    timer = setTimer(evaluate, timeoutUntil(expiringSoon ? expiresAt : warnAt, at));
  };

  /** A session body from the server, this tab's or another's: the state follows it. */
  const heard = (body: CheckedSessionBody, receivedAt: number, relay: Relay) => {
    if (relay === NEVER && receivedAt < heardAt) return;
    const next = recordOf(body, receivedAt);
    // This tab's own logout, told by the stream before its answer: the answer says it (not "elsewhere").
    if (loggingOut && !next) return;
    heardAt = Math.max(heardAt, receivedAt);
    unconfirmed = false;
    const changed = commit(next, TRANSIENT.test(state.error?.code as string));
    if (relay === ALWAYS || (relay && changed)) post({ kind: 'session', body, receivedAt });
  };

  /** The server session is gone (here, or another tab's logout): reads on their way are dropped. */
  const signedOut = (elsewhere: boolean) => {
    generation++;
    heardAt = now();
    unconfirmed = false;
    commit(undefined, !elsewhere, elsewhere);
  };

  // ---- the BFF ----

  const call = bffCaller(fetchBff, base, life.signal);

  /** `GET {base}/session` (a look) or `POST` (activity: slides the idle timeout); a failure is put in the state, and rejects. */
  const request = async (method: string, relay: Relay): Promise<void> => {
    const sent = generation;
    let body: CheckedSessionBody | undefined;
    try {
      body = parseBffSessionBody(await call(method, '/session'));
      if (!body) throw unavailable();
    } catch (error) {
      // A sign-in or out since the request went out outranks its failure as much as its answer.
      if (sent === generation) fail(error as LatchkeyError, true);
      throw error;
    }
    if (sent === generation) heard(body, now(), relay);
  };

  /**
   * `GET {base}/session`; never rejects. Resolves `false` when the BFF did not answer. Reads share the
   * one on its way, but for the read after a reconnect: only one sent after it covers what the stream lost.
   */
  const read = (reconnected?: boolean): Promise<boolean> => {
    const send = () =>
      request('GET', reconnected ? ALWAYS : IF_CHANGED).then(
        () => true,
        () => false,
      );
    return reconnected ? send() : (reading ??= send().finally(() => (reading = undefined)));
  };

  // ---- the tabs ----

  // Without a channel each tab reads the server itself.
  const channel = ports.channel?.(`latchkey:bff:${base}`);
  const post = (message: TabMessage) => channel?.postMessage(message);
  // Whatever arrives is checked like an answer from the server: a message that is not exactly one of ours is dropped.
  channel?.addEventListener('message', (event) => {
    const data = Object((event as MessageEvent<unknown>).data) as Partial<Record<string, unknown>>;
    if (data['kind'] === 'logout') return signedOut(true);
    const body = data['kind'] === 'session' ? parseBffSessionBody(data['body']) : undefined;
    const receivedAt = data['receivedAt'];
    if (body && Number.isFinite(receivedAt)) heard(body, receivedAt as number, NEVER);
  });

  const stopWakeups = listenForWakeups(ports.events, ports.lifecycleEvents, now, (due) => {
    evaluate();
    if (due && loaded) void read();
  });

  // ---- start ----

  // The server-rendered state first: the stream's first callbacks look at whether it is confirmed.
  if (initialState) commit(recordOf(initialState, now()));
  const stream = leadEventStream(
    `${base}/events`,
    `latchkey:bff-events:${base}`,
    { ...ports, setTimeout: setTimer, clearTimeout: clearTimer },
    !!channel,
    // A stream that opens after the BFF failed to answer says it is back: read (no wake event needed).
    (reconnected) => (reconnected || unconfirmed || TRANSIENT.test(state.error?.code ?? '')) && void read(reconnected),
    (data, relaying) => {
      const body = parseBffSessionBody(data);
      if (body) heard(body, now(), relaying ? ALWAYS : NEVER);
    },
    () => unconfirmed && void read(),
  );
  const ready = initialState ? Promise.resolve() : read();
  /** `url` (default: the current one) when it is on the app's origin. */
  const sameOrigin = (url?: string) => {
    const parsed = URL.parse(url ?? location.href, location.href);
    return parsed?.origin === location.origin ? parsed : undefined;
  };

  return {
    getState: () => state,
    isAuthenticated: () => state.status === 'authenticated',
    subscribe: (listener) => emitter.on('state', listener),
    on: (name, handler) => emitter.on(name, handler),
    ready: () => ready.then(() => state),
    clearError: () => publish(null),

    /**
     * Navigates to `{base}/login?returnTo=…` (same origin only; default: the current page). The BFF
     * makes the authorization request.
     *
     * @throws LatchkeyConfigError for `authorizationParams`: the BFF configures them, not the page
     */
    async login({ returnTo, authorizationParams }: LoginOptions = {}) {
      if (authorizationParams) throw new LatchkeyConfigError('BFF mode: set authorizationParams on the BFF.');
      publish(null);
      location.assign(`${base}/login?returnTo=${encodeURIComponent(safeReturnTo(returnTo ?? location.href, location.origin))}`);
    },

    /** True when `url` (default: the current one) is the app's page the BFF sent back with `?latchkey_error=`. */
    isRedirectCallback: (url) => !!sameOrigin(url)?.searchParams.has(CALLBACK_ERROR_PARAM),

    /**
     * After a failed sign-in (`?latchkey_error=` in the address bar): removes the parameter, puts the
     * error in the state and rejects with it. Any other page resolves with itself.
     *
     * @throws LatchkeyError — the code the BFF named, when it is a sign-in failure; else `LATCHKEY_AUTHORIZATION_FAILED`
     */
    async handleRedirectCallback(url) {
      const current = sameOrigin(url);
      const value = current?.searchParams.get(CALLBACK_ERROR_PARAM);
      if (!current || value == null) return { returnTo: safeReturnTo(current?.href, location.origin) };
      current.searchParams.delete(CALLBACK_ERROR_PARAM);
      ports.history?.replaceState(null, '', current.pathname + current.search + current.hash);
      // The first read could replace the error with its own outcome: the error comes after it.
      await ready;
      throw fail(callbackError(value));
    },

    /**
     * `POST {base}/logout`, then signed out here and in every tab; with `endSession` (option, else the
     * configured default) the page goes on to the provider's end-session through the BFF.
     *
     * @throws LatchkeyError `LATCHKEY_BFF_UNAVAILABLE` / `LATCHKEY_CSRF_REJECTED` — the BFF did not sign
     *   out, so neither does the page (it would be a lie: the server session lives on)
     */
    async logout(options: LogoutOptions = {}) {
      let answer: unknown;
      loggingOut = true;
      try {
        answer = await call('POST', '/logout');
      } catch (error) {
        throw fail(error as LatchkeyError);
      } finally {
        loggingOut = false;
      }
      signedOut(false);
      post({ kind: 'logout' });
      const target = safeReturnTo(parseLogoutBody(answer).endSessionUrl, location.origin, '');
      if ((options.endSession ?? endSession) && target) location.assign(target);
    },

    /** @throws LatchkeyError `LATCHKEY_BFF_NO_TOKEN`, always: in BFF mode the browser holds no token. */
    getAccessToken: () =>
      Promise.reject(new LatchkeyError('LATCHKEY_BFF_NO_TOKEN', `No token in BFF mode: call APIs through ${base}/api/<name>/.`)),

    /** A copy of the signed-in user's claims, as the BFF gave them. @throws LatchkeyError `LATCHKEY_LOGIN_REQUIRED` when signed out. */
    async getUserInfo() {
      await ready;
      if (!state.user) throw new LatchkeyError('LATCHKEY_LOGIN_REQUIRED', 'Not signed in: sign in first.');
      return structuredClone(state.user);
    },

    extend: () => request('POST', IF_CHANGED),

    dispose() {
      closed = true;
      generation++;
      life.abort();
      stopWakeups();
      clearTimer(timer);
      stream.close();
      channel?.close();
      emitter.clear();
    },
  };
}
