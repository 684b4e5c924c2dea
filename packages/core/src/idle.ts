import { timeoutUntil } from './schedule.ts';
import type { TabPorts } from './tabs.ts';

export interface IdleOptions {
  /** Sign out after this long without user activity in any tab of the app. */
  readonly timeoutMs: number;
  /** Warn this long before (at most half the timeout). Default 60 s. */
  readonly warnBeforeMs?: number;
  /** Names the shared activity record; one per app (Latchkey uses the session's store key). */
  readonly key: string;
}

export interface IdlePorts extends Pick<TabPorts, 'channel'> {
  readonly now?: () => number;
  readonly setTimeout?: (handler: () => void, ms: number) => unknown;
  readonly clearTimeout?: (id: unknown) => void;
  /** Receives the user's activity (`pointerdown`, `keydown`, …) and `storage` events: the window. */
  readonly events?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** localStorage: the last activity of any tab, for tabs that slept through the messages. */
  readonly storage?: Pick<Storage, 'getItem' | 'setItem'>;
}

export interface IdleHandlers {
  /** No activity anywhere for `timeoutMs - warnBeforeMs`: show the warning (with "Stay signed in"). */
  onWarn(idleAtMs: number): void;
  /** Activity again (here or in another tab) after a warning: hide it. */
  onActive(): void;
  /** No activity anywhere for `timeoutMs`: sign out. Called once per idle period. */
  onIdle(): void;
}

export interface IdleMonitor {
  /** Counts as activity in every tab (the "Stay signed in" button). */
  stayActive(): void;
  stop(): void;
}

const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll', 'mousemove'] as const;
// Activity is shared at most this often: a moving mouse must not flood localStorage and the channel.
const SHARE_EVERY_MS = 1_000;

/**
 * Watches for the user's activity in every tab of the app: after `timeoutMs` without any, warns,
 * then signs out. Activity in one tab keeps all of them alive (BroadcastChannel, and a localStorage
 * record that tabs read when they wake).
 */
export function createIdleMonitor(options: IdleOptions, ports: IdlePorts, handlers: IdleHandlers): IdleMonitor {
  const now = ports.now ?? Date.now;
  const set = ports.setTimeout ?? setTimeout;
  const clear = ports.clearTimeout ?? ((id: unknown) => clearTimeout(id as ReturnType<typeof setTimeout>));
  const storageKey = `${options.key}:active-at`;
  const warnBeforeMs = Math.min(options.warnBeforeMs ?? 60_000, options.timeoutMs / 2);
  let channel: ReturnType<NonNullable<IdlePorts['channel']>> | undefined;
  try {
    channel = ports.channel?.(`latchkey:${options.key}:idle`);
  } catch {
    channel = undefined;
  }
  let lastActive = now();
  let lastShared = 0;
  let warned = false;
  let idled = false;
  let timer: unknown;
  let stopped = false;

  const readShared = () => {
    try {
      const value = Number(ports.storage?.getItem(storageKey) ?? 0);
      if (Number.isFinite(value) && value <= now() + 60_000) lastActive = Math.max(lastActive, value);
    } catch {
      // Storage blocked: the channel still carries activity.
    }
  };

  const evaluate = () => {
    if (stopped) return;
    if (timer !== undefined) clear(timer);
    timer = undefined;
    readShared();
    const t = now();
    // The clock was set back: activity "in the future" would postpone the sign-out by the jump.
    lastActive = Math.min(lastActive, t);
    const idleAt = lastActive + options.timeoutMs;
    const warnAt = idleAt - warnBeforeMs;
    if (t >= idleAt) {
      if (!idled) {
        idled = true;
        handlers.onIdle();
      }
      return;
    }
    idled = false;
    if (t >= warnAt && !warned) {
      warned = true;
      handlers.onWarn(idleAt);
    } else if (t < warnAt && warned) {
      warned = false;
      handlers.onActive();
    }
    timer = set(evaluate, timeoutUntil(t < warnAt ? warnAt : idleAt, t));
  };

  const active = (at = now()) => {
    if (stopped) return;
    // Activity now is the latest there is: a later value (the clock set back since) must not stand.
    lastActive = at;
    // (A last share "in the future" means the clock was set back: share now.)
    if (at - lastShared >= SHARE_EVERY_MS || at < lastShared) {
      lastShared = at;
      try {
        ports.storage?.setItem(storageKey, String(at));
      } catch {
        // See readShared.
      }
      try {
        channel?.postMessage({ type: 'active', at });
      } catch {
        // A closing channel.
      }
    }
    // Only a change of phase needs work now; otherwise the timer re-reads the time when it fires.
    if (warned || idled) evaluate();
  };

  const onActivity = () => active();
  const onMessage = (event: Event) => {
    const at = (event as MessageEvent<{ type?: unknown; at?: unknown }>).data?.at;
    if (typeof at === 'number' && Number.isFinite(at)) {
      lastActive = Math.max(lastActive, Math.min(at, now()));
      evaluate();
    }
  };
  const onStorage = (event: Event) => {
    if ((event as StorageEvent).key === storageKey) evaluate();
  };
  const onWake = () => evaluate();

  for (const name of ACTIVITY_EVENTS)
    ports.events?.addEventListener(name, onActivity, { passive: true, capture: true } as AddEventListenerOptions);
  ports.events?.addEventListener('storage', onStorage);
  ports.events?.addEventListener('visibilitychange', onWake);
  channel?.addEventListener('message', onMessage);
  active();
  evaluate();

  return {
    stayActive: () => {
      lastShared = 0;
      active();
      evaluate();
    },
    stop: () => {
      stopped = true;
      if (timer !== undefined) clear(timer);
      for (const name of ACTIVITY_EVENTS) ports.events?.removeEventListener(name, onActivity, { capture: true } as EventListenerOptions);
      ports.events?.removeEventListener('storage', onStorage);
      ports.events?.removeEventListener('visibilitychange', onWake);
      channel?.removeEventListener('message', onMessage);
      channel?.close();
    },
  };
}
