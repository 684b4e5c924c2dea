import { backoffMs } from '../schedule.ts';
import type { SessionPorts } from '../session/types.ts';
import type { BffEventSource } from './bff-ports.ts';
import { parseJson } from './session-body.ts';
import { BFF_SESSION_EVENT } from './wire.ts';

export interface StreamPorts {
  readonly eventSource?: ((url: string) => BffEventSource) | undefined;
  readonly locks?: SessionPorts['locks'];
  readonly setTimeout: (handler: () => void, ms: number) => unknown;
  readonly clearTimeout: (id: unknown) => void;
}

export interface EventStream {
  /** Opens the stream again (when this tab leads), so the server binds it to the cookie as it is now. */
  reopen(): void;
  close(): void;
}

/**
 * `{base}/events`, once per browser: the tab holding the Web Lock `lockName` opens the EventSource
 * (its session relays what comes to the others); when it closes, the next waiting tab takes the lock
 * and opens its own. Chromium allows six HTTP/1.1 connections per host across all tabs: a stream per
 * tab would hang the seventh. Without Web Locks, or not `shared` (no channel to relay on), every tab
 * opens its own. An EventSource that gave up (an error answer) is opened again after a backoff.
 *
 * `onOpen(reconnected)`: a stream opened; `reconnected` after an earlier one (this tab's, or the one
 * another tab relayed), so events may have been lost. `onEvent(data, relaying)`: a `session` event's
 * data as JSON (not checked yet); `relaying` when this tab's stream is the browser's one.
 * `onFollow()`: another tab leads for now (or there is no EventSource at all).
 */
export function leadEventStream(
  url: string,
  lockName: string,
  { eventSource, locks, setTimeout, clearTimeout }: StreamPorts,
  shared: boolean,
  onOpen: (reconnected: boolean) => void,
  onEvent: (data: unknown, relaying: boolean) => void,
  onFollow: () => void,
): EventStream {
  /** This tab's EventSource once it leads (the latest: a closed one fires nothing more). */
  let source: BffEventSource | undefined;
  let retry: unknown;
  let attempt = 0;
  let openedBefore = false;
  let closed = false;
  /** Releases the Web Lock: set while this tab's stream is the browser's one. */
  let release: (() => void) | undefined;

  const openLater = () => (retry = setTimeout(open, backoffMs(attempt++)));
  const open = () => {
    if (closed) return;
    const opened = (source = eventSource!(url));
    opened.addEventListener('open', () => {
      attempt = 0;
      onOpen(openedBefore);
      openedBefore = true;
    });
    opened.addEventListener('error', () => {
      // EventSource reconnects by itself after a network error; after an error answer it gives up.
      if (opened.readyState === 2) {
        opened.close();
        openLater();
      }
    });
    opened.addEventListener(BFF_SESSION_EVENT, (event) => onEvent(parseJson((event as MessageEvent<unknown>).data), !!release));
  };
  const detach = () => {
    clearTimeout(retry);
    source?.close();
  };
  const lead = () => (closed ? release?.() : open());
  // Held until close; the tab's lock goes with the tab.
  const hold = () =>
    new Promise<void>((resolve) => {
      release = resolve;
      lead();
    });

  if (!eventSource) onFollow();
  else if (shared && locks) {
    locks
      .request(lockName, { ifAvailable: true }, (lock) => {
        if (lock) return hold();
        // Once another tab's stream fed this one, its own first stream is a reconnect.
        openedBefore = true;
        onFollow();
        return locks.request(lockName, {}, hold);
      })
      .catch(lead);
  } else lead();

  return {
    reopen() {
      if (!source) return;
      detach();
      open();
    },
    close() {
      closed = true;
      detach();
      release?.();
    },
  };
}
