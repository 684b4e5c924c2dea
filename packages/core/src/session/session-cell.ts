import type { LatchkeyError } from '../errors.ts';
import type { RestoredSession } from '../stored-session.ts';
import type { SessionState } from './types.ts';

/** @internal The state until the stored session has been read. */
export const LOADING_STATE: SessionState = { status: 'loading', user: null, expiresAt: null, expiringSoon: false, error: null };

const FIELDS = ['status', 'user', 'expiresAt', 'expiringSoon', 'error', 'dpop'] as const;

interface Change {
  /** The current session, or `undefined` once it ended. */
  readonly record?: RestoredSession | undefined;
  /** The store has been read: no longer `loading`. */
  readonly loaded?: true;
  readonly expiringSoon?: boolean;
  readonly error?: LatchkeyError | null;
}

/**
 * The one source of the session's truth: the current record (and whether the store was read), plus
 * the warning and the last error. What the app sees is derived from it; listeners hear once per change.
 */
export class SessionCell {
  readonly #listeners = new Set<(state: SessionState) => void>();
  #record: RestoredSession | undefined;
  #loaded = false;
  #expiringSoon = false;
  #error: LatchkeyError | null = null;
  #state = LOADING_STATE;
  /** Moves whenever the session is replaced or ended: work started before a move is dropped. */
  #generation = 0;
  #closed = false;

  get record(): RestoredSession | undefined {
    return this.#record;
  }
  get state(): SessionState {
    return this.#state;
  }
  get generation(): number {
    return this.#generation;
  }
  /** Disposed: nothing changes any more. */
  get closed(): boolean {
    return this.#closed;
  }

  update(change: Change): void {
    if (this.#closed) return;
    if ('record' in change) {
      const next = change.record;
      // Ending moves on even when nothing was held: a sign-out outranks any read still on its way.
      if (next === undefined || next.stored !== this.#record?.stored) this.#generation++;
      if (next?.stored !== this.#record?.stored) this.#expiringSoon = false;
      this.#record = next;
    }
    if (change.loaded) this.#loaded = true;
    if (change.expiringSoon !== undefined) this.#expiringSoon = change.expiringSoon;
    if (change.error !== undefined) this.#error = change.error;
    this.#publish();
  }

  #publish(): void {
    const record = this.#record;
    const prev = this.#state;
    const next: SessionState = {
      status: !this.#loaded ? 'loading' : record ? 'authenticated' : 'anonymous',
      user: record?.user ?? null,
      expiresAt: record?.stored.expires_at_ms ?? null,
      expiringSoon: record !== undefined && this.#expiringSoon,
      error: this.#error,
      ...(record?.stored.dpop_jkt !== undefined && { dpop: true }),
    };
    if (FIELDS.every((field) => prev[field] === next[field])) return;
    this.#state = next;
    for (const listener of [...this.#listeners]) {
      try {
        listener(next);
      } catch (error) {
        // A throwing listener must not break the session or the other listeners.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  subscribe(listener: (state: SessionState) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Silences the cell for good: nothing started before is carried out, no listener hears more. */
  close(): void {
    this.#closed = true;
    this.#generation++;
    this.#listeners.clear();
  }
}
