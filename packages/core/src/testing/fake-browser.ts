import type { SessionPorts } from '../session.ts';
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

export interface FakeBrowser {
  readonly ports: SessionPorts;
  readonly sessionStorage: MapStorage;
  readonly store: SessionStore;
  readonly events: EventTarget;
  /** The URL the page was sent to by `location.assign`, if any. */
  assigned: string | undefined;
  href: string;
}

/** One browser tab at `href`: a fake location and history, a real-shaped sessionStorage, wake events. */
export function createFakeBrowser(
  provider: FakeProvider,
  options: { href?: string; store?: SessionStore; sessionStorage?: MapStorage } = {},
): FakeBrowser {
  const events = new EventTarget();
  const browser: FakeBrowser = {
    sessionStorage: options.sessionStorage ?? new MapStorage(),
    store: options.store ?? memoryStore(),
    events,
    assigned: undefined,
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
        events,
      };
    },
  };
  return browser;
}
