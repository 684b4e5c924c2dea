/**
 * Where a session is kept between page loads. Sync or async, so IndexedDB-backed libraries fit.
 * Values are opaque strings; Latchkey validates whatever it reads back and removes garbage.
 */
export interface SessionStore {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
  /**
   * True when every tab of the origin sees the same entries (localStorage), so a sign-in in one tab
   * signs in the others. Per-tab stores still share logout.
   */
  readonly shared?: boolean;
}

function webStorage(pick: () => Storage, shared: boolean): SessionStore {
  // The storage is looked up on each use, never at creation: nothing is touched at import or on a server.
  return {
    shared,
    get: (key) => pick().getItem(key),
    set: (key, value) => pick().setItem(key, value),
    remove: (key) => pick().removeItem(key),
  };
}

/** `localStorage`: survives reloads and is shared by the tabs, as in the tutorial. The default. */
export function localStore(): SessionStore {
  return webStorage(() => globalThis.localStorage, true);
}

/** `sessionStorage`: survives reloads of this tab only; each tab signs in on its own. */
export function sessionStore(): SessionStore {
  return webStorage(() => globalThis.sessionStorage, false);
}

/** Memory only: a reload signs the user out. */
export function memoryStore(): SessionStore {
  const entries = new Map<string, string>();
  return {
    shared: false,
    get: (key) => entries.get(key) ?? null,
    set: (key, value) => void entries.set(key, value),
    remove: (key) => void entries.delete(key),
  };
}
