import type { Clock } from '../protocol/deadline.ts';
import { timeoutUntil } from '../schedule.ts';

const WAKE_EVENTS = ['visibilitychange', 'focus', 'pageshow', 'online'] as const;

type EventSource = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

/**
 * One timer, to the next instant still ahead; and the page's wake events (`visibilitychange`, `focus`,
 * `pageshow`, `online`, and `resume` after a freeze), after which timers may have been held back.
 */
export class Scheduler {
  readonly #clock: Clock;
  readonly #sources: { readonly events?: EventSource | undefined; readonly lifecycleEvents?: EventSource | undefined };
  readonly #onWake: () => void;
  #timer: unknown;
  /** When the timer is due (Infinity: no timer). */
  #wakeAt = Infinity;

  constructor(
    clock: Clock,
    sources: { readonly events?: EventSource | undefined; readonly lifecycleEvents?: EventSource | undefined },
    onWake: () => void,
  ) {
    this.#clock = clock;
    this.#sources = sources;
    this.#onWake = onWake;
    for (const name of WAKE_EVENTS) sources.events?.addEventListener(name, onWake);
    sources.lifecycleEvents?.addEventListener('resume', onWake);
  }

  /** Runs `handler` at the first of `instants` after now (never, when none is). Replaces any timer. */
  sleepUntil(instants: readonly number[], handler: () => void): void {
    this.cancel();
    const now = this.#clock.now();
    const ahead = instants.filter((t) => t > now);
    if (ahead.length === 0) return;
    this.#wakeAt = Math.min(...ahead);
    this.#timer = this.#clock.setTimeout(handler, timeoutUntil(this.#wakeAt, now));
  }

  /** An instant passed that no timer handled yet (a throttled or frozen tab): worth a look now. */
  overdue(): boolean {
    return this.#clock.now() >= this.#wakeAt;
  }

  cancel(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#wakeAt = Infinity;
  }

  dispose(): void {
    this.cancel();
    for (const name of WAKE_EVENTS) this.#sources.events?.removeEventListener(name, this.#onWake);
    this.#sources.lifecycleEvents?.removeEventListener('resume', this.#onWake);
  }
}
