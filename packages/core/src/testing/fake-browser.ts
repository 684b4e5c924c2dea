import type { DpopKeyStore, SessionPorts } from '../session/index.ts';
import { memoryStore, type SessionStore } from '../session-store.ts';
import type { FakeProvider } from './fake-provider.ts';

/** A Storage over a Map, with `key`/`length` like the real one. */
export class MapStorage implements Storage {
  readonly #map = new Map<string, string>();
  get length(): number {
    return this.#map.size;
  }
  clear(): void {
    this.#map.clear();
  }
  getItem(key: string): string | null {
    return this.#map.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.#map.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.#map.delete(key);
  }
  setItem(key: string, value: string): void {
    this.#map.set(key, String(value));
  }
  [name: string]: unknown;
}

/** BroadcastChannel between the fake tabs of one test; delivery is a microtask, so fake timers don't matter. */
export class ChannelHub {
  readonly #channels = new Set<{ name: string; target: EventTarget; closed: boolean }>();
  posted = 0;
  open(name: string): Pick<BroadcastChannel, 'postMessage' | 'close' | 'addEventListener' | 'removeEventListener'> {
    const self = { name, target: new EventTarget(), closed: false };
    this.#channels.add(self);
    return {
      postMessage: (data: unknown) => {
        this.posted++;
        const copy = structuredClone(data);
        for (const other of this.#channels) {
          if (other !== self && other.name === name && !other.closed)
            queueMicrotask(() => other.target.dispatchEvent(new MessageEvent('message', { data: copy })));
        }
      },
      close: () => {
        self.closed = true;
        this.#channels.delete(self);
      },
      addEventListener: self.target.addEventListener.bind(self.target) as BroadcastChannel['addEventListener'],
      removeEventListener: self.target.removeEventListener.bind(self.target) as BroadcastChannel['removeEventListener'],
    };
  }
}

/** navigator.locks for the fake tabs: one holder per name at a time, in request order. */
export class FakeLocks {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #held = new Set<string>();
  request<T>(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T> {
    if (options.ifAvailable && this.#held.has(name)) return callback(null);
    const previous = this.#tails.get(name) ?? Promise.resolve();
    const run = async () => {
      this.#held.add(name);
      try {
        return await callback({ name });
      } finally {
        this.#held.delete(name);
      }
    };
    const result = previous.then(run, run);
    this.#tails.set(
      name,
      result.catch(() => undefined),
    );
    return result;
  }
}

/**
 * localStorage as Chromium's renderers see it: each tab reads its own copy, and another tab's write
 * reaches it only `lagMs` later (on the fake clock). `view()` gives one tab's store.
 */
export class LaggingSharedStore {
  readonly #views = new Set<{ map: Map<string, string>; events: EventTarget }>();
  constructor(readonly lagMs: number) {}
  /** One tab's store; `events` gets the `storage` events a browser fires when another tab's write arrives. */
  view(events: EventTarget): SessionStore {
    const own = { map: new Map<string, string>(), events };
    this.#views.add(own);
    const propagate = (key: string, value: string | null) => {
      const apply = (view: { map: Map<string, string> }) => (value === null ? view.map.delete(key) : view.map.set(key, value));
      apply(own);
      for (const other of this.#views) {
        if (other === own) continue;
        setTimeout(() => {
          apply(other);
          other.events.dispatchEvent(Object.assign(new Event('storage'), { key, newValue: value }));
        }, this.lagMs);
      }
    };
    return {
      shared: true,
      get: (key) => own.map.get(key) ?? null,
      set: (key, value) => propagate(key, value),
      remove: (key) => propagate(key, null),
    };
  }
}

/** What the tabs of one browser share: localStorage (as a shared store and the marker), channels, locks. */
export interface FakeWorld {
  readonly store: SessionStore;
  /** The tabs' DPoP keys (IndexedDB in a browser). */
  readonly keys: FakeKeyStore;
  readonly localStorage: MapStorage;
  readonly hub: ChannelHub;
  readonly locks: FakeLocks;
}

export function createFakeWorld(): FakeWorld {
  return {
    store: { ...memoryStore(), shared: true },
    keys: new FakeKeyStore(),
    localStorage: new MapStorage(),
    hub: new ChannelHub(),
    locks: new FakeLocks(),
  };
}

/** DPoP key pairs by name, as IndexedDB keeps them (the same `CryptoKey` objects, non-extractable). */
export class FakeKeyStore implements DpopKeyStore {
  readonly map = new Map<string, CryptoKeyPair>();
  /** Every operation rejects, as IndexedDB does where it is blocked. */
  broken = false;
  #check(): Promise<void> {
    return this.broken ? Promise.reject(new DOMException('IndexedDB is not available', 'InvalidStateError')) : Promise.resolve();
  }
  /** The next this many reads reject, as IndexedDB does now and then ("UnknownError: Internal error"). */
  failingReads = 0;
  get = (name: string) => {
    if (this.failingReads > 0) {
      this.failingReads--;
      return Promise.reject(new DOMException('Internal error opening backing store', 'UnknownError'));
    }
    return this.#check().then(() => this.map.get(name));
  };
  set = (name: string, pair: CryptoKeyPair) => this.#check().then(() => void this.map.set(name, pair));
  delete = (name: string) => this.#check().then(() => void this.map.delete(name));
}

export interface FakeBrowser {
  readonly ports: SessionPorts;
  readonly sessionStorage: MapStorage;
  readonly store: SessionStore;
  readonly events: EventTarget;
  /** The URL the page was sent to by `location.assign`, if any. */
  assigned: string | undefined;
  /** Forms submitted (RP-initiated logout by POST). */
  submitted: { url: string; fields: Record<string, string> }[];
  href: string;
}

/** One browser tab at `href`: a fake location and history, a real-shaped sessionStorage, wake events. */
export function createFakeBrowser(
  provider: FakeProvider,
  options: { href?: string; store?: SessionStore; sessionStorage?: MapStorage; world?: FakeWorld; events?: EventTarget } = {},
): FakeBrowser {
  const keys = options.world?.keys ?? new FakeKeyStore();
  const events = options.events ?? new EventTarget();
  const world = options.world;
  const browser: FakeBrowser = {
    sessionStorage: options.sessionStorage ?? new MapStorage(),
    store: options.store ?? world?.store ?? memoryStore(),
    events,
    assigned: undefined,
    submitted: [],
    href: options.href ?? 'https://app.example.com/',
    get ports(): SessionPorts {
      return {
        fetch: provider.fetch,
        now: () => Date.now(),
        setTimeout: (handler, ms) => setTimeout(handler, ms),
        clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
        location: {
          get href() {
            return browser.href;
          },
          origin: new URL(browser.href).origin,
          assign: (url: string) => void (browser.assigned = url),
        },
        history: { replaceState: (_data, _unused, url) => void (browser.href = new URL(String(url), browser.href).href) },
        transactionStorage: browser.sessionStorage,
        dpopKeyStore: keys,
        events,
        ...(world && {
          markerStorage: world.localStorage,
          channel: (name: string) => world.hub.open(name),
          locks: world.locks,
        }),
        submitForm: (url, fields) => void browser.submitted.push({ url, fields: { ...fields } }),
      };
    },
  };
  return browser;
}
