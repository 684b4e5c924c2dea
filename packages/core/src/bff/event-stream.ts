import { backoffMs } from '../schedule.ts';
import type { SessionPorts } from '../session/types.ts';
import { parseJson } from './session-body.ts';
import { BFF_SESSION_EVENT } from './wire.ts';

/** What the session needs of an `EventSource` (`new EventSource(url)`: same origin, cookies sent). */
export type BffEventSource = Pick<EventTarget, 'addEventListener' | 'removeEventListener'> & {
  close(): void;
  /** `2` (CLOSED): the browser gave up reconnecting (the server answered with an error, not a stream). */
  readonly readyState?: number;
};

export interface StreamPorts {
  readonly locks?: SessionPorts['locks'];
  readonly eventSource?: ((url: string) => BffEventSource) | undefined;
  readonly setTimeout: (handler: () => void, ms: number) => unknown;
  readonly clearTimeout: (id: unknown) => void;
}

export interface StreamHandlers {
  /** A `session` event's data, as JSON (not checked yet), or `undefined` when it is not JSON. */
  event(data: unknown): void;
  /**
   * The stream is open. `first`: the first stream this tab has heard, else a reconnect (or a takeover
   * from a leader that closed), after which events may have been lost.
   */
  open(first: boolean): void;
  /** Another tab leads the stream for now and relays it (or there is no stream at all). */
  follow(): void;
}

const CLOSED = 2;

/**
 * `{base}/events`, once per browser: the tab holding the Web Lock opens the EventSource (and its
 * session relays what comes to the others); when it closes, the next waiting tab takes the lock and
 * opens its own. Chromium allows six HTTP/1.1 connections per host across all tabs: a stream per tab
 * would hang the seventh. Without Web Locks, or without a channel to relay on, every tab opens its own.
 */
export class EventStream {
  readonly #url: string;
  readonly #ports: StreamPorts;
  readonly #handlers: StreamHandlers;
  #source: BffEventSource | undefined;
  /** Leading: this tab has (or is opening) the stream. */
  #leading = false;
  #openedBefore = false;
  #release: (() => void) | undefined;
  #retry: unknown;
  #attempt = 0;
  #closed = false;
  readonly #onOpen = () => {
    this.#attempt = 0;
    const first = !this.#openedBefore;
    this.#openedBefore = true;
    this.#handlers.open(first);
  };
  readonly #onError = () => {
    // EventSource reconnects by itself after a network error; after an error answer it gives up.
    if (this.#source?.readyState !== CLOSED) return;
    this.#detach();
    this.#retry = this.#ports.setTimeout(() => this.#open(), backoffMs(this.#attempt++));
  };
  readonly #onSession = (event: Event) => this.#handlers.event(parseJson((event as MessageEvent<unknown>).data));

  constructor(url: string, lockName: string, ports: StreamPorts, shared: boolean, handlers: StreamHandlers) {
    this.#url = url;
    this.#ports = ports;
    this.#handlers = handlers;
    const locks = ports.locks;
    if (!ports.eventSource) {
      handlers.follow();
    } else if (shared && locks) {
      // Held until dispose; the tab's lock goes with the tab.
      const hold = () =>
        new Promise<void>((release) => {
          this.#release = release;
          this.#lead();
        });
      locks
        .request(lockName, { ifAvailable: true }, (lock) => {
          if (lock) return hold();
          // Once another tab's stream fed this one, its own first stream is a reconnect: events may be lost.
          this.#openedBefore = true;
          handlers.follow();
          return locks.request(lockName, {}, hold);
        })
        .catch(() => this.#lead());
    } else {
      this.#lead();
    }
  }

  /** This tab's stream is the browser's one, relayed to the other tabs. */
  get relaying(): boolean {
    return this.#leading && this.#release !== undefined;
  }

  /** Opens the stream again, so the server binds it to the cookie as it is now (after a sign-in or out). */
  reopen(): void {
    if (!this.#leading || this.#closed) return;
    this.#detach();
    this.#open();
  }

  close(): void {
    this.#closed = true;
    this.#detach();
    this.#release?.();
  }

  #lead(): void {
    if (this.#closed) return this.#release?.();
    if (this.#leading) return;
    this.#leading = true;
    this.#open();
  }

  #open(): void {
    if (this.#closed) return;
    try {
      this.#source = this.#ports.eventSource?.(this.#url);
    } catch {
      this.#retry = this.#ports.setTimeout(() => this.#open(), backoffMs(this.#attempt++));
      return;
    }
    this.#source?.addEventListener('open', this.#onOpen);
    this.#source?.addEventListener('error', this.#onError);
    this.#source?.addEventListener(BFF_SESSION_EVENT, this.#onSession);
  }

  #detach(): void {
    this.#ports.clearTimeout(this.#retry);
    this.#retry = undefined;
    const source = this.#source;
    this.#source = undefined;
    source?.removeEventListener('open', this.#onOpen);
    source?.removeEventListener('error', this.#onError);
    source?.removeEventListener(BFF_SESSION_EVENT, this.#onSession);
    source?.close();
  }
}
