import type { LatchkeyError } from '../errors.ts';
import type { Clock } from '../protocol/index.ts';
import type { RestoredSession } from '../stored-session.ts';
import type { SessionCell } from './session-cell.ts';
import type { StoreGateway } from './store-gateway.ts';
import type { TabFollower } from './tab-follower.ts';
import type { SessionPorts } from './types.ts';

/** A failure the next attempt must respect: retry on a wake event, or not until new tokens. */
export type RefreshTrouble = 'none' | 'retryable' | 'blocked';

/** What the coordinator needs of the session around it. */
export interface RefreshHost {
  readonly clock: Clock;
  readonly locks: SessionPorts['locks'];
  /** The Web Lock all tabs of this app refresh under. */
  readonly lockName: string;
  /** The current session, and its generation (work started before it moved is dropped). */
  readonly cell: Pick<SessionCell, 'record' | 'generation'>;
  readonly store: Pick<StoreGateway, 'shared' | 'read' | 'write'>;
  /** Logouts in other tabs. */
  readonly follower: Pick<TabFollower, 'loggedOutSince' | 'loggedOutElsewhere'>;
  /**
   * Loads the part that refreshes (flows/refresh-under-lock.ts, with the protocol) before the lock is
   * taken, so no tab waits on a chunk download; rejects only when it could not be loaded.
   */
  loadRefresh(): Promise<(run: RefreshRun) => Promise<void>>;
  /** Another tab refreshed (or this one did): the session is now `next`. */
  refreshed(next: RestoredSession, here: boolean): void;
  /** The session is over (invalid_grant, another identity): once, everywhere. */
  signOut(failure: LatchkeyError): void;
  /** A failure that keeps the session until its end. */
  fail(failure: LatchkeyError): void;
}

/** One refresh, as it runs under the lock: the session it started with and the coordinator's state. */
export interface RefreshRun {
  readonly host: RefreshHost;
  readonly startedWith: RestoredSession;
  /** This tab waited for another to release the lock (which may have refreshed meanwhile). */
  readonly waited: boolean;
  /** False once the session was replaced or ended: the run stops and stores nothing. */
  stillCurrent(): boolean;
  /** The newest session another tab announced (its `issued_at_ms`). */
  newestAnnounced(): number;
  /** Resolves at the next word from another tab (message or storage event), or after `ms`. */
  nextStoreChange(ms: number): Promise<void>;
  trouble(kind: RefreshTrouble): void;
}

/**
 * Refreshes the session once for every caller in this tab and across tabs: single-flight here, the
 * Web Lock between tabs, and under it (loaded with the protocol) a look at whether another tab
 * refreshed meanwhile, then the request, retried with backoff while it cannot have been processed.
 */
export class RefreshCoordinator {
  readonly #host: RefreshHost;
  readonly #storeWaiters = new Set<() => void>();
  #inFlight: Promise<void> | undefined;
  /** The trouble, and the tokens it is about: new tokens are a fresh start. */
  #trouble: { kind: RefreshTrouble; refreshToken: string | undefined; issuedAt: number } | undefined;
  /** The newest session another tab announced (its `issued_at_ms`): the shared store may lag behind it. */
  #newestAnnounced = 0;

  constructor(host: RefreshHost) {
    this.#host = host;
  }

  get inFlight(): Promise<void> | undefined {
    return this.#inFlight;
  }

  /** The trouble that applies to `session` (none once its tokens changed). */
  troubleFor(session: RestoredSession): RefreshTrouble {
    const t = this.#trouble;
    return t && t.refreshToken === session.stored.refresh_token && t.issuedAt === session.stored.issued_at_ms ? t.kind : 'none';
  }

  #setTrouble(session: RestoredSession, kind: RefreshTrouble): void {
    this.#trouble = { kind, refreshToken: session.stored.refresh_token, issuedAt: session.stored.issued_at_ms };
  }

  /** A wake event (online, focus, …): a retryable failure may be tried again. */
  woke(): void {
    if (this.#trouble?.kind === 'retryable') this.#trouble = undefined;
  }

  /** Another tab stored a session (at `issuedAt`, when known). */
  storedElsewhere(issuedAt: number | undefined): void {
    if (issuedAt !== undefined) this.#newestAnnounced = Math.max(this.#newestAnnounced, issuedAt);
    for (const wake of [...this.#storeWaiters]) wake();
  }

  /** Refreshes now, or joins the refresh in flight; `settled` runs after either (to re-schedule). */
  refresh(settled: () => void): Promise<void> {
    this.#inFlight ??= this.#refreshOnce().finally(() => {
      this.#inFlight = undefined;
      settled();
    });
    return this.#inFlight;
  }

  async #refreshOnce(): Promise<void> {
    const host = this.#host;
    const { cell } = host;
    const startedWith = cell.record;
    if (!startedWith?.stored.refresh_token) return;
    const generation = cell.generation;
    let underLock: (run: RefreshRun) => Promise<void>;
    try {
      underLock = await host.loadRefresh();
    } catch (failure) {
      // The part that refreshes could not be loaded: nothing was sent; try again on a wake event.
      if (generation !== cell.generation) return;
      this.#setTrouble(startedWith, 'retryable');
      host.fail(failure as LatchkeyError);
      return;
    }
    const run = (waited: boolean): Promise<void> =>
      underLock({
        host,
        startedWith,
        waited,
        stillCurrent: () => generation === cell.generation,
        newestAnnounced: () => this.#newestAnnounced,
        nextStoreChange: (ms) => this.#nextStoreChange(ms),
        trouble: (kind) => this.#setTrouble(startedWith, kind),
      });
    const locks = host.locks;
    if (!locks) return run(false);
    const ran = await locks.request(host.lockName, { ifAvailable: true }, async (lock) => (lock ? (await run(false), true) : false));
    if (!ran) await locks.request(host.lockName, {}, () => run(true));
  }

  #nextStoreChange(ms: number): Promise<void> {
    const clock = this.#host.clock;
    return new Promise((resolve) => {
      const done = () => {
        this.#storeWaiters.delete(done);
        clock.clearTimeout(timer);
        resolve();
      };
      this.#storeWaiters.add(done);
      const timer = clock.setTimeout(done, ms);
    });
  }
}
