import type { SessionPorts } from '../session/types.ts';
import type { BffEventSource } from './event-stream.ts';

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
  if (typeof g.window === 'undefined' || typeof g.document === 'undefined') return {};
  return {
    location: g.location,
    history: g.history,
    events: g.window,
    lifecycleEvents: g.document,
    locks: g.navigator?.locks,
    channel: typeof g.BroadcastChannel === 'function' ? (name) => new BroadcastChannel(name) : undefined,
    eventSource: typeof g.EventSource === 'function' ? (url) => new EventSource(url) : undefined,
  };
}
