import type { ResolvedConfig } from '../config.ts';
import { memoryStore, type SessionStore } from '../session-store.ts';
import { parseStoredSession, type RestoredSession, type StoredSession } from '../stored-session.ts';
import { isThenable, whenReady, type MaybePromise } from './maybe-promise.ts';

type Which = 'store' | 'refreshTokenStore';

/**
 * The session's stores: anything read back is validated (garbage is removed and reads as nothing), the
 * refresh token kept apart when a `refreshTokenStore` is given, and a store that throws (or rejects)
 * replaced by memory, once, with `onDegraded` told its error's name.
 */
export class StoreGateway {
  #store: SessionStore;
  #refreshTokenStore: SessionStore | undefined;
  readonly #key: string;
  readonly #config: Pick<ResolvedConfig, 'issuer' | 'clientId'>;
  readonly #onDegraded: (name: string) => void;

  /** The stores, the key and the issuer and client a stored session must belong to, from `config`. */
  constructor(
    config: Pick<ResolvedConfig, 'store' | 'refreshTokenStore' | 'storeKey' | 'issuer' | 'clientId'>,
    onDegraded: (name: string) => void,
  ) {
    this.#store = config.store;
    this.#refreshTokenStore = config.refreshTokenStore;
    this.#key = config.storeKey;
    this.#config = config;
    this.#onDegraded = onDegraded;
  }

  /** Every tab of the origin sees the same entries (until the store degraded to memory). */
  get shared(): boolean {
    return this.#store.shared === true;
  }

  get #refreshKey(): string {
    return `${this.#key}:refresh`;
  }

  #degrade(which: Which, error: unknown): SessionStore {
    const replacement = memoryStore();
    if (which === 'store') this.#store = replacement;
    else this.#refreshTokenStore = replacement;
    this.#onDegraded(error instanceof Error ? error.name : 'Error');
    return replacement;
  }

  /**
   * Keeps the session (and its refresh token) in this tab's memory from now on, as if the stores had
   * failed: `name` says why (in `storeDegraded`).
   */
  toMemory(name: string): void {
    this.#store = memoryStore();
    if (this.#refreshTokenStore) this.#refreshTokenStore = memoryStore();
    this.#onDegraded(name);
  }

  /** Runs `op` on a store; a throw (or rejection) degrades that store to memory and runs `op` there. */
  #on<T>(which: Which, op: (store: SessionStore) => MaybePromise<T>): MaybePromise<T> {
    const store = (which === 'store' ? this.#store : this.#refreshTokenStore) as SessionStore;
    const retry = (error: unknown) => op(this.#degrade(which, error));
    try {
      const result = op(store);
      return isThenable(result) ? Promise.resolve(result).catch(retry) : result;
    } catch (error) {
      return retry(error);
    }
  }

  /** Reads the stored session back and validates it; garbage is removed and reads as `undefined`. */
  read(): MaybePromise<RestoredSession | undefined> {
    return whenReady(
      this.#on('store', (s) => s.get(this.#key)),
      (value) => {
        const restored = parseStoredSession(value, this.#config.issuer.href, this.#config.clientId);
        if (!restored) {
          if (value !== null && value !== undefined) this.remove();
          return undefined;
        }
        if (!this.#refreshTokenStore) return restored;
        return whenReady(
          this.#on('refreshTokenStore', (s) => s.get(this.#refreshKey)),
          (rt): RestoredSession =>
            typeof rt === 'string' && rt !== '' ? { ...restored, stored: { ...restored.stored, refresh_token: rt } } : restored,
        );
      },
    );
  }

  /** Reads like {@link read}, and a store that throws reads as nothing (start-up never throws). */
  readOrNothing(): MaybePromise<RestoredSession | undefined> {
    try {
      const read = this.read();
      return isThenable(read) ? Promise.resolve(read).catch(() => undefined) : read;
    } catch {
      return undefined;
    }
  }

  /** Writes the session; the refresh token first, to its own store when there is one. */
  async write(stored: StoredSession): Promise<void> {
    if (this.#refreshTokenStore) {
      const { refresh_token: refreshToken, ...rest } = stored;
      const key = this.#refreshKey;
      await this.#on('refreshTokenStore', (s) => (refreshToken ? s.set(key, refreshToken) : s.remove(key)));
      await this.#on('store', (s) => s.set(this.#key, JSON.stringify(rest)));
    } else {
      await this.#on('store', (s) => s.set(this.#key, JSON.stringify(stored)));
    }
  }

  /** Removes the session (and its refresh token); never throws, never rejects. */
  remove(): void {
    const swallow = (result: MaybePromise<void>) => void (isThenable(result) ? Promise.resolve(result).catch(() => {}) : result);
    swallow(this.#on('store', (s) => s.remove(this.#key)));
    if (this.#refreshTokenStore) swallow(this.#on('refreshTokenStore', (s) => s.remove(this.#refreshKey)));
  }
}
