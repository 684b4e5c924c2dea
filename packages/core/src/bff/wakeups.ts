import { timeoutUntil } from '../schedule.ts';

type Source = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

export interface WakeupPorts {
  readonly now: () => number;
  readonly setTimeout: (handler: () => void, ms: number) => unknown;
  readonly clearTimeout: (id: unknown) => void;
  /** The window: `visibilitychange` (from the document), `focus`, `pageshow`, `online`. */
  readonly events?: Source | undefined;
  /** The document: `resume` after a freeze. */
  readonly lifecycleEvents?: Source | undefined;
}

const WAKE_EVENTS = ['visibilitychange', 'focus', 'pageshow', 'online'] as const;

/** Wake events this close together (focus, visibilitychange and pageshow come as a burst) read the BFF once. */
export const WAKE_READ_INTERVAL_MS = 5_000;

/**
 * When the session looks again: one timer, to the next instant still ahead; and the page's wake
 * events (`visibilitychange` to visible, `focus`, `pageshow`, `online`, `resume`), after which timers
 * may have been held back and the server session may have changed while no one looked.
 * `onWake(read)`: `read` is true at most once per {@link WAKE_READ_INTERVAL_MS}.
 */
export class Wakeups {
  readonly #ports: WakeupPorts;
  readonly #listener: (event: Event) => void;
  #timer: unknown;

  constructor(ports: WakeupPorts, onWake: (read: boolean) => void) {
    this.#ports = ports;
    let lastReadAt = -Infinity;
    this.#listener = (event) => {
      // A page going to the background is no reason to look.
      if (event.type === 'visibilitychange' && (event.target as { visibilityState?: string } | null)?.visibilityState === 'hidden') return;
      const at = ports.now();
      const read = at - lastReadAt >= WAKE_READ_INTERVAL_MS;
      if (read) lastReadAt = at;
      onWake(read);
    };
    for (const name of WAKE_EVENTS) ports.events?.addEventListener(name, this.#listener);
    ports.lifecycleEvents?.addEventListener('resume', this.#listener);
  }

  /** Runs `handler` at the first of `instants` after now (never, when none is). Replaces any timer. */
  sleepUntil(instants: readonly number[], handler: () => void): void {
    this.cancel();
    const now = this.#ports.now();
    const next = Math.min(...instants.filter((t) => t > now));
    if (next !== Infinity) this.#timer = this.#ports.setTimeout(handler, timeoutUntil(next, now));
  }

  cancel(): void {
    if (this.#timer !== undefined) this.#ports.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  dispose(): void {
    this.cancel();
    for (const name of WAKE_EVENTS) this.#ports.events?.removeEventListener(name, this.#listener);
    this.#ports.lifecycleEvents?.removeEventListener('resume', this.#listener);
  }
}
