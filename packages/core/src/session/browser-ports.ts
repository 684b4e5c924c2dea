import type { IdlePorts } from '../idle.ts';
import type { SessionPorts } from './types.ts';

const g = globalThis as Partial<typeof globalThis>;
const inBrowser = () => typeof g.window !== 'undefined' && typeof g.document !== 'undefined';

function storage(name: 'localStorage' | 'sessionStorage'): Storage | undefined {
  // Reading the property itself throws where storage is blocked; the session then degrades.
  try {
    return g[name];
  } catch {
    return undefined;
  }
}

const channel = () => (typeof g.BroadcastChannel === 'function' ? (name: string) => new BroadcastChannel(name) : undefined);

/** @internal The real browser's ports for the idle monitor (the window's events, localStorage, BroadcastChannel), or none on a server. */
export function browserIdlePorts(): IdlePorts {
  return inBrowser() ? { events: g.window, storage: storage('localStorage'), channel: channel() } : {};
}

/** The real browser's ports, or none on a server (no `window`, no `document`). */
export function browserPorts(): SessionPorts {
  if (!inBrowser()) return {};
  return {
    fetch: g.fetch?.bind(g),
    now: Date.now,
    setTimeout: (handler, ms) => g.setTimeout?.(handler, ms),
    clearTimeout: (id) => g.clearTimeout?.(id as number),
    location: g.location,
    history: g.history,
    transactionStorage: storage('sessionStorage'),
    markerStorage: storage('localStorage'),
    events: g.window,
    lifecycleEvents: g.document,
    channel: channel(),
    locks: g.navigator?.locks
      ? { request: (name, options, callback) => (g.navigator as Navigator).locks.request(name, options, callback) }
      : undefined,
    // Where there is no requestIdleCallback (Safari), a second after start-up is idle enough.
    requestIdleCallback: (callback, options) =>
      typeof g.requestIdleCallback === 'function' ? g.requestIdleCallback(callback, options) : g.setTimeout?.(callback, 1_000),
  };
}
