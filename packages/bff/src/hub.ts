import type { BffSessionBody } from '@latchkey/core/bff';

/**
 * Tells the open event streams of a session that it changed (refreshed, ended). In one process here;
 * a store shared by many nodes brings its own (Redis pub/sub), so a logout on one node reaches the
 * tabs connected to any other.
 */
export interface SessionHub {
  /** Calls `listener` with every change of the session at `key`; returns the unsubscribe. */
  subscribe(key: string, listener: (body: BffSessionBody) => void): () => void;
  publish(key: string, body: BffSessionBody): void;
  /**
   * A hub across nodes loses what was published while it was disconnected: it calls `listener` once it
   * has subscribed again, and the event streams then re-read their sessions. (In one process, never.)
   */
  onResubscribed?(listener: () => void): () => void;
}

export function memoryHub(): SessionHub {
  const listeners = new Map<string, Set<(body: BffSessionBody) => void>>();
  return {
    subscribe(key, listener) {
      let set = listeners.get(key);
      if (!set) listeners.set(key, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(key);
      };
    },
    publish(key, body) {
      for (const listener of [...(listeners.get(key) ?? [])]) {
        try {
          listener(body);
        } catch {
          // One stream's failure is not another's.
        }
      }
    },
  };
}
