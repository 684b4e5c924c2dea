import type { LatchkeyError } from '../errors.ts';
import type { SessionState } from '../session/types.ts';
import type { UserClaims } from '../stored-session.ts';

/** The server session as this tab knows it. */
export interface BffRecord {
  readonly user: UserClaims;
  /** When it ends, on this browser's clock. */
  readonly expiresAt: number;
  /** The same end on the server's clock, as the server said it: equal values are the same end. */
  readonly serverExpiresAt: number;
  /** When this end was learned (this browser's clock): the warning comes at most half-way from there. */
  readonly learnedAt: number;
  /** From the server-rendered page: its times are taken again from the first read. */
  readonly provisional?: true;
}

interface Change {
  /** The current session, or `undefined` once it ended. */
  readonly record?: BffRecord | undefined;
  /** The BFF has answered (or failed to): no longer `loading`. */
  readonly loaded?: true;
  readonly expiringSoon?: boolean;
  readonly error?: LatchkeyError | null;
}

const FIELDS = ['status', 'user', 'expiresAt', 'expiringSoon', 'error'] as const;

/**
 * The one source of this tab's truth in BFF mode: the current record, whether the BFF was heard,
 * the warning and the last error. The state is derived from it; listeners hear once per change.
 */
export class BffCell {
  readonly #listeners = new Set<(state: SessionState) => void>();
  #record: BffRecord | undefined;
  #loaded = false;
  #expiringSoon = false;
  #error: LatchkeyError | null = null;
  #state: SessionState = { status: 'loading', user: null, expiresAt: null, expiringSoon: false, error: null };
  /** Moves when the user signs in or out: reads sent before such a move are dropped when they answer. */
  #generation = 0;
  #closed = false;

  get record(): BffRecord | undefined {
    return this.#record;
  }
  get state(): SessionState {
    return this.#state;
  }
  get generation(): number {
    return this.#generation;
  }
  get closed(): boolean {
    return this.#closed;
  }

  update(change: Change): void {
    if (this.#closed) return;
    if ('record' in change) {
      const next = change.record;
      if (next?.user.sub !== this.#record?.user.sub) this.#generation++;
      if (next?.expiresAt !== this.#record?.expiresAt) this.#expiringSoon = false;
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
      expiresAt: record?.expiresAt ?? null,
      expiringSoon: record !== undefined && this.#expiringSoon,
      error: this.#error,
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

  /** Drops the reads on their way (a sign-out: one sent before it may still say signed in). */
  invalidate(): void {
    this.#generation++;
  }

  /** Silences the cell for good. */
  close(): void {
    this.#closed = true;
    this.#generation++;
    this.#listeners.clear();
  }
}
