import { LatchkeyError } from '../errors.ts';
import { dpopKey, generateDpopKeyPair, type DpopKey, type Provider } from '../protocol/index.ts';
import type { StoredSession } from '../stored-session.ts';
import type { DpopKeyStore } from '../session/types.ts';

const DB = 'latchkey';
/** How far the clock offset of a key's handle may be from the session's before the handle is made again. */
const REBUILD_OFFSET_MS = 10_000;
const OBJECTS = 'dpop-keys';

function isKeyPair(value: unknown): value is CryptoKeyPair {
  const pair = value as Partial<CryptoKeyPair> | null;
  return (
    typeof CryptoKey === 'function' &&
    typeof pair === 'object' &&
    pair !== null &&
    pair.privateKey instanceof CryptoKey &&
    pair.publicKey instanceof CryptoKey &&
    pair.privateKey.type === 'private' &&
    pair.publicKey.type === 'public'
  );
}

/**
 * IndexedDB as the key store: a `CryptoKey` survives structured cloning and stays non-extractable, and
 * every tab of the origin sees the same entries. Each operation opens the database and closes it after.
 */
export function indexedDbKeyStore(factory: IDBFactory): DpopKeyStore {
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(OBJECTS);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened'));
      request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
  const run = async <T>(mode: IDBTransactionMode, op: (objects: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await open();
    try {
      return await new Promise<T>((resolve, reject) => {
        const tx = db.transaction(OBJECTS, mode);
        const request = op(tx.objectStore(OBJECTS));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      });
    } finally {
      db.close();
    }
  };
  return {
    get: async (name) => {
      const value = await run('readonly', (objects) => objects.get(name));
      return isKeyPair(value) ? value : undefined;
    },
    set: (name, pair) =>
      run('readwrite', (objects) => objects.put({ privateKey: pair.privateKey, publicKey: pair.publicKey }, name)).then(() => {}),
    delete: (name) => run('readwrite', (objects) => objects.delete(name)).then(() => {}),
  };
}

/** The browser's IndexedDB, where this page may use it (reading it throws in some sandboxed frames). */
function defaultStore(): DpopKeyStore | undefined {
  try {
    const factory = (globalThis as Partial<typeof globalThis>).indexedDB;
    return factory ? indexedDbKeyStore(factory) : undefined;
  } catch {
    return undefined;
  }
}

function keyMissing(): LatchkeyError {
  return new LatchkeyError(
    'LATCHKEY_DPOP_KEY_MISSING',
    "The key this session's tokens are bound to (DPoP) is gone: the browser's site data was cleared. Sign in again.",
    { claim: 'cnf.jkt' },
  );
}

/**
 * The session's DPoP key (RFC 9449): made at every sign-in, kept in the key store under the session's
 * name for every tab, held in memory once used. Where the store refuses it (no IndexedDB, private
 * mode), the key lives in this tab's memory only, and so must the tokens bound to it.
 */
export class DpopKeys {
  readonly #name: string;
  readonly #store: DpopKeyStore | undefined;
  #current: DpopKey | undefined;
  /** Each API origin's last `DPoP-Nonce` (RFC 9449 §9), for this tab. */
  readonly nonces = new Map<string, string>();

  constructor(name: string, store: DpopKeyStore | undefined = defaultStore()) {
    this.#name = name;
    this.#store = store;
  }

  /** A new key for a sign-in's code exchange; kept only once the exchange succeeded ({@link keep}). */
  async create(provider: Provider): Promise<DpopKey> {
    return dpopKey(provider, await generateDpopKeyPair());
  }

  /**
   * Keeps the key a sign-in's tokens are bound to, replacing the one before (whoever signed in before).
   * @returns `false` when the store refused it: the key is this tab's alone, until the tab closes.
   */
  async keep(key: DpopKey): Promise<boolean> {
    this.#current = key;
    try {
      if (!this.#store) return false;
      await this.#store.set(this.#name, key.pair);
      return true;
    } catch {
      // The key stays in memory; the session says its store degraded.
      return false;
    }
  }

  /**
   * The key `stored`'s tokens are bound to, or `undefined` for a Bearer session.
   *
   * @throws LatchkeyError `LATCHKEY_DPOP_KEY_MISSING` when the key is gone (site data cleared), or another
   *   tab's sign-in replaced it; `LATCHKEY_DPOP_KEY_UNAVAILABLE` when the key store failed to read it
   */
  async forSession(provider: Provider, stored: StoredSession): Promise<DpopKey | undefined> {
    const jkt = stored.dpop_jkt;
    if (jkt === undefined) return undefined;
    const current = this.#current;
    if (current?.jkt === jkt) {
      // A handle made before the provider's clock was known (at sign-in), or on an estimate far from the
      // session's, is made again on it. Not for a second or two: a new handle has none of the provider's nonces.
      if (Math.abs(current.clockOffsetMs - stored.clock_offset_ms) < REBUILD_OFFSET_MS) return current;
      return (this.#current = await dpopKey(provider, current.pair, stored.clock_offset_ms));
    }
    const pair = await this.#read();
    const key = pair && (await dpopKey(provider, pair, stored.clock_offset_ms));
    if (!key || key.jkt !== jkt) throw keyMissing();
    this.#current = key;
    return key;
  }

  /**
   * The stored key pair, or `undefined` when there is none. A read that fails is tried once more (each opens
   * the database anew); a store that fails twice is not a missing key, and does not end the session.
   *
   * @throws LatchkeyError `LATCHKEY_DPOP_KEY_UNAVAILABLE` when both reads failed
   */
  async #read(): Promise<CryptoKeyPair | undefined> {
    if (!this.#store) return undefined;
    try {
      return await this.#store.get(this.#name);
    } catch {
      try {
        return await this.#store.get(this.#name);
      } catch (error) {
        throw new LatchkeyError(
          'LATCHKEY_DPOP_KEY_UNAVAILABLE',
          "The key this session's tokens are bound to (DPoP) could not be read from IndexedDB: nothing was sent. The session goes on; try again.",
          { name: error instanceof Error ? error.name : 'Error' },
        );
      }
    }
  }

  /** Deletes the key bound to `jkt` here and in the store (never a newer one another tab made since). */
  async remove(provider: Provider, jkt: string | undefined): Promise<void> {
    if (this.#current?.jkt === jkt) this.#current = undefined;
    if (jkt === undefined || !this.#store) return;
    try {
      const pair = await this.#store.get(this.#name);
      if (pair && (await dpopKey(provider, pair)).jkt === jkt) await this.#store.delete(this.#name);
    } catch {
      // Nothing to delete, or a store that cannot be used: the key is gone from memory all the same.
    }
  }
}
