import type { Emitter } from '../events.ts';
import type { Clock } from '../protocol/index.ts';
import type { RestoredSession, StoredSession } from '../stored-session.ts';
import type { TabSync } from '../tabs.ts';
import { authenticatedEvent } from './authenticated-event.ts';
import { isThenable, whenReady, type MaybePromise } from './maybe-promise.ts';
import type { SessionCell } from './session-cell.ts';
import type { StoreGateway } from './store-gateway.ts';
import type { SessionEvents, SessionState } from './types.ts';

export interface FollowerHost {
  readonly clock: Clock;
  readonly cell: SessionCell;
  readonly store: StoreGateway;
  readonly tabs: TabSync;
  readonly events: Emitter<SessionEvents>;
  /** Makes `session` current (`loaded`: and the store read, in the same change). */
  adopt(session: RestoredSession, also?: { loaded?: true }): void;
  endLocally(removeStored: boolean): void;
}

function sameSession(a: StoredSession, b: StoredSession): boolean {
  return a.id_token === b.id_token && a.access_token === b.access_token;
}

/**
 * Keeps this tab in line with the others and with the store: the session restored at start-up, a
 * sign-in, refresh or logout in another tab, a logout marker found on wake, and the end of a session
 * that another tab may have replaced meanwhile.
 */
export class TabFollower {
  readonly #host: FollowerHost;

  constructor(host: FollowerHost) {
    this.#host = host;
  }

  /** Not over by its own clock: unexpired, or renewable with its refresh token. */
  #usable(session: RestoredSession): boolean {
    return session.stored.expires_at_ms > this.#host.clock.now() || session.stored.refresh_token !== undefined;
  }

  /** Reads the store once at start-up (synchronously for a sync store, so the first render is right). */
  restore(): MaybePromise<SessionState> {
    const { cell, store } = this.#host;
    return whenReady(store.readOrNothing(), (restored) => {
      if (restored && !this.loggedOutSince(restored) && this.#usable(restored)) {
        this.#host.adopt(restored, { loaded: true });
      } else {
        if (restored) store.remove();
        cell.update({ loaded: true });
      }
      return cell.state;
    });
  }

  /**
   * A logout in any tab after this session's sign-in (per-tab stores, sleeping tabs, and a refresh
   * that was on its way when the user signed out: its tokens belong to the ended session).
   */
  loggedOutSince(session: RestoredSession): boolean {
    return this.#host.tabs.lastLogoutAt(this.#host.clock.now()) > session.stored.signed_in_at_ms;
  }

  loggedOutElsewhere(): void {
    const { cell, store, events } = this.#host;
    if (!cell.record) return;
    // The other tab already cleared a shared store; a per-tab store is cleared here.
    this.#host.endLocally(!store.shared);
    events.emit('loggedOut', { elsewhere: true });
  }

  /** Another tab wrote the shared store (sign-in, refresh, sign-out), or this tab woke up: follow it. */
  syncFromStore(): void {
    const { cell, store } = this.#host;
    if (!store.shared || cell.closed) return;
    const generation = cell.generation;
    void Promise.resolve(store.read()).then((latest) => {
      if (generation === cell.generation) this.follow(latest);
    });
  }

  /** Brings this tab in line with what the shared store holds now. */
  follow(latest: RestoredSession | undefined): void {
    const { cell, store, events } = this.#host;
    const current = cell.record;
    if (!latest) {
      if (current) this.loggedOutElsewhere();
      return;
    }
    if (current && sameSession(latest.stored, current.stored)) return;
    // Never step back to an older session of the same user (a store that lags behind this tab).
    if (current && latest.user.sub === current.user.sub && latest.stored.issued_at_ms < current.stored.issued_at_ms) return;
    if (this.loggedOutSince(latest)) {
      // A refresh of a session that was signed out while it was on its way: it ended with the logout.
      store.remove();
      if (current && this.loggedOutSince(current)) this.loggedOutElsewhere();
      return;
    }
    if (!this.#usable(latest)) return;
    const signedIn = !current || current.user.sub !== latest.user.sub;
    this.#host.adopt(latest);
    if (signedIn) events.emit('authenticated', authenticatedEvent(latest, ''));
    else events.emit('refreshed', { expiresAt: latest.stored.expires_at_ms });
  }

  /** The session reached its end: it ends here, unless another tab put a newer one in the shared store. */
  expire(endAt: number): void {
    const { cell, store, events } = this.#host;
    const ended = cell.record;
    const end = (removeStored: boolean) => {
      this.#host.endLocally(removeStored);
      events.emit('expired', { expiresAt: endAt });
    };
    if (!store.shared || !ended) return end(true);
    // A tab waking after the end may find a newer session in the shared store (a sign-in in another
    // tab meanwhile): it follows that one, never showing the end in between (with a sync store such
    // as localStorage), and removes only the session that ended.
    const read = store.read();
    if (isThenable(read)) {
      // An async store: the session ends now, on time; the store is looked at when it answers.
      // The generation this end moves to, taken before it runs: an `expired` handler that signs out moves it on.
      const generation = cell.generation + 1;
      end(false);
      void read.then((latest) => {
        if (generation !== cell.generation) return;
        if (!latest || sameSession(latest.stored, ended.stored)) store.remove();
        else this.follow(latest);
      });
      return;
    }
    const same = read !== undefined && sameSession(read.stored, ended.stored);
    if (read && !same && !this.loggedOutSince(read) && this.#usable(read)) {
      this.follow(read);
      if (cell.record !== ended) return;
    }
    end(!read || same);
  }
}
