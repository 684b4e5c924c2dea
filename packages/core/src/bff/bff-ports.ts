import type { SessionPorts } from '../session/types.ts';

/** What the session needs of an `EventSource` (`new EventSource(url)`: same origin, cookies sent). */
export type BffEventSource = Pick<EventTarget, 'addEventListener' | 'removeEventListener'> & {
  close(): void;
  /** `2` (CLOSED): the browser gave up reconnecting (the server answered with an error, not a stream). */
  readonly readyState?: number;
};

/**
 * The browser, as the BFF-mode session uses it. Tests hand it fakes; a server hands it nothing (no
 * `location`: the session is inert). `fetch`, `now` and the timers default to the globals.
 */
export interface BffSessionPorts extends Pick<
  SessionPorts,
  'fetch' | 'now' | 'setTimeout' | 'clearTimeout' | 'location' | 'history' | 'events' | 'lifecycleEvents' | 'locks'
> {
  /** `name => new BroadcastChannel(name)`: the tabs tell each other what the server said. */
  readonly channel?: SessionPorts['channel'];
  /** `url => new EventSource(url)`: the server's pushes (`{base}/events`), one stream per browser. */
  readonly eventSource?: (url: string) => BffEventSource;
}

/**
 * The real browser's ports, or none on a server (no `window`, no `document`). Not `browserPorts()`:
 * this mode needs none of its storage, and the BFF-mode bundle stays small.
 */
export function browserBffPorts(): BffSessionPorts {
  const g = globalThis as Partial<typeof globalThis>;
  if (!g.window || !g.document) return {};
  return {
    location: g.location,
    history: g.history,
    events: g.window,
    lifecycleEvents: g.document,
    locks: g.navigator?.locks,
    channel: g.BroadcastChannel && ((name) => new BroadcastChannel(name)),
    eventSource: g.EventSource && ((url) => new EventSource(url)),
  };
}
