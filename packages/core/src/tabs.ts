/**
 * What one tab tells the others. Never a token: the others read the store themselves. `issuedAt`
 * versions a stored session, because another tab's localStorage may show the write only later.
 */
export type TabMessage = { readonly type: 'stored'; readonly issuedAt: number } | { readonly type: 'logout'; readonly at: number };

export interface TabPorts {
  /** `name => new BroadcastChannel(name)` in a browser. */
  readonly channel?: (name: string) => Pick<BroadcastChannel, 'postMessage' | 'close' | 'addEventListener' | 'removeEventListener'>;
  /** Receives `storage` events (the window). */
  readonly events?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** localStorage, for the logout marker that per-tab stores and sleeping tabs read on wake. */
  readonly markerStorage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
}

export interface TabHandlers {
  /** Another tab stored a session (sign-in or refresh) received at `issuedAt` (when known): re-read a shared store. */
  onStored(issuedAt?: number): void;
  /** Another tab signed out. */
  onLogout(): void;
}

/**
 * Keeps the tabs of one app in step: BroadcastChannel for every store, `storage` events for the
 * local store (they also reach tabs that missed a message), and a logout marker in localStorage.
 */
export class TabSync {
  readonly #channel: ReturnType<NonNullable<TabPorts['channel']>> | undefined;
  readonly #ports: TabPorts;
  readonly #storeKey: string;
  readonly #markerKey: string;
  readonly #handlers: TabHandlers;
  readonly #onMessage = (event: Event) => this.#receive((event as MessageEvent<unknown>).data);
  readonly #onStorage = (event: Event) => {
    const { key, newValue } = event as StorageEvent;
    if (key === this.#storeKey) {
      if (newValue === null) this.#handlers.onLogout();
      else this.#handlers.onStored();
    } else if (key === this.#markerKey && newValue !== null) {
      // (A removed marker — one from the future, see lastLogoutAt — is no logout.)
      this.#handlers.onLogout();
    }
  };

  constructor(storeKey: string, ports: TabPorts, handlers: TabHandlers, sharedStore: boolean) {
    this.#ports = ports;
    this.#storeKey = storeKey;
    this.#markerKey = `${storeKey}:logged-out-at`;
    this.#handlers = handlers;
    try {
      this.#channel = ports.channel?.(`latchkey:${storeKey}`);
    } catch {
      this.#channel = undefined;
    }
    this.#channel?.addEventListener('message', this.#onMessage);
    // storage events carry the local store's changes; for other stores they only carry the marker.
    if (sharedStore || ports.markerStorage) ports.events?.addEventListener('storage', this.#onStorage);
  }

  #receive(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    const { type, issuedAt } = data as { type?: unknown; issuedAt?: unknown };
    if (type === 'stored') this.#handlers.onStored(typeof issuedAt === 'number' && Number.isFinite(issuedAt) ? issuedAt : undefined);
    else if (type === 'logout') this.#handlers.onLogout();
  }

  announceStored(issuedAt: number): void {
    this.#post({ type: 'stored', issuedAt });
  }

  announceLogout(at: number): void {
    try {
      this.#ports.markerStorage?.setItem(this.#markerKey, String(at));
    } catch {
      // The channel still carries it.
    }
    this.#post({ type: 'logout', at });
  }

  /**
   * When the last logout in any tab happened (0 if never or unknown). A marker from the future (the
   * clock was set back since, or garbage) is removed: it would undo every sign-in until then.
   */
  lastLogoutAt(nowMs: number): number {
    try {
      const value = Number(this.#ports.markerStorage?.getItem(this.#markerKey) ?? 0);
      if (value > nowMs + 60_000) {
        this.#ports.markerStorage?.removeItem(this.#markerKey);
        return 0;
      }
      return Number.isFinite(value) ? value : 0;
    } catch {
      return 0;
    }
  }

  #post(message: TabMessage): void {
    try {
      this.#channel?.postMessage(message);
    } catch {
      // A closed channel (page unloading) is not worth an error.
    }
  }

  close(): void {
    this.#channel?.removeEventListener('message', this.#onMessage);
    this.#channel?.close();
    this.#ports.events?.removeEventListener('storage', this.#onStorage);
  }
}
