type Source = Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | undefined;

const WAKE_EVENTS = ['visibilitychange', 'focus', 'pageshow', 'online'];

/** Wake events this close together (focus, visibilitychange and pageshow come as a burst) read the BFF once. */
export const WAKE_READ_INTERVAL_MS = 5_000;

/**
 * Listens for the page's wake events (`visibilitychange` to visible, `focus`, `pageshow`, `online` on
 * `events`, the window; `resume` after a freeze on `lifecycle`, the document), after which timers may
 * have been held back and the server session may have changed while no one looked. `onWake(read)`:
 * `read` is true at most once per {@link WAKE_READ_INTERVAL_MS}. Returns the unsubscribe.
 */
export function listenForWakeups(events: Source, lifecycle: Source, now: () => number, onWake: (read: boolean) => void): () => void {
  let lastReadAt = -Infinity;
  const listener = (event: Event) => {
    // A page going to the background is no reason to look.
    if (event.type === 'visibilitychange' && (event.target as { visibilityState?: string } | null)?.visibilityState === 'hidden') return;
    const at = now();
    const read = at - lastReadAt >= WAKE_READ_INTERVAL_MS;
    if (read) lastReadAt = at;
    onWake(read);
  };
  const toggle = (method: 'addEventListener' | 'removeEventListener') => {
    for (const name of WAKE_EVENTS) events?.[method](name, listener);
    lifecycle?.[method]('resume', listener);
  };
  toggle('addEventListener');
  return () => toggle('removeEventListener');
}
