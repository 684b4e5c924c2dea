import LRU from 'oidc-provider/lib/helpers/lru.js';

interface Entry {
  readonly value: unknown;
  readonly expiresAtMs: number;
}

/**
 * Makes the dev provider's in-memory store keep every record until it expires, as a hosted provider's
 * database does. oidc-provider's memory adapter keeps its records (grants, refresh tokens, sessions…) in
 * a two-generation cache of 1,000 entries each, and a sign-in writes about eight: after a few hundred
 * sign-ins it forgets the first ones' refresh tokens, and their refresh is refused. The refresh storm
 * needs 1,000 live grants, so in its provider's thread (never the bench's own) the cache's public
 * methods are replaced by a plain `Map` with the same expiry rule. Nothing else of the provider changes.
 */
export function keepEveryProviderRecord(): void {
  const maps = new WeakMap<LRU, Map<string, Entry>>();
  const entries = (lru: LRU) => {
    let map = maps.get(lru);
    if (!map) maps.set(lru, (map = new Map()));
    return map;
  };
  const live = (lru: LRU, key: string) => {
    const entry = entries(lru).get(key);
    if (entry && entry.expiresAtMs <= Date.now()) {
      entries(lru).delete(key);
      return undefined;
    }
    return entry;
  };
  const method = (value: (this: LRU, ...args: never[]) => unknown): PropertyDescriptor => ({ value, writable: true, configurable: true });
  Object.defineProperties(LRU.prototype, {
    get: method(function (key: string) {
      return live(this, key)?.value;
    }),
    set: method(function (key: string, value: unknown, options: { maxAge?: number } = {}) {
      const { maxAge } = options;
      entries(this).set(key, { value, expiresAtMs: typeof maxAge === 'number' ? Date.now() + maxAge : Number.POSITIVE_INFINITY });
      return this;
    }),
    has: method(function (key: string) {
      return live(this, key) !== undefined;
    }),
    delete: method(function (key: string) {
      return entries(this).delete(key);
    }),
    clear: method(function () {
      entries(this).clear();
    }),
    size: {
      get(this: LRU) {
        return entries(this).size;
      },
      configurable: true,
    },
  });
}
