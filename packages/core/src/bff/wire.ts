// What the BFF (@latchkey/bff, on the server) and the browser side (createBffSession) say to each other.
// Claims and times only: no answer on this wire ever carries a token.
import type { UserClaims } from '../stored-session.ts';

export type { UserClaims } from '../stored-session.ts';

/** The BFF's base path when none is configured. */
export const DEFAULT_BFF_BASE = '/bff';

/**
 * The static custom header every BFF endpoint but `login`, `callback`, `events` and
 * `backchannel-logout` requires (the browser-apps BCP's CSRF defence): a cross-site form cannot set it,
 * and a cross-origin `fetch` that sets it needs a CORS preflight the BFF never grants.
 */
export const CSRF_HEADER = 'X-Latchkey-CSRF';
export const CSRF_VALUE = '1';

/** `GET {base}/session`, and the `data` of every `session` event on `{base}/events`. */
export interface BffSessionBody {
  readonly status: 'authenticated' | 'anonymous';
  /** The ID token's claims while authenticated, else `null`. */
  readonly user: UserClaims | null;
  /**
   * When the server session ends unless the user is active again (idle timeout), or for good (absolute
   * timeout, or the tokens' end when they cannot be refreshed): epoch ms on the **server's** clock.
   */
  readonly expiresAt: number | null;
  /** The server's clock when it answered (epoch ms): the browser's may be minutes off. */
  readonly now: number;
}

/** `POST {base}/logout`: where to send the browser to end the provider's session too (one-time), if anywhere. */
export interface BffLogoutBody {
  readonly endSessionUrl: string | null;
}

/**
 * The `event:` names on `{base}/events`. `session`: the session changed on the server (refreshed, ended
 * by a logout elsewhere, back-channel logout or timeout); its data is a {@link BffSessionBody}.
 * Heartbeats are SSE comments (`:`), at most every 25 s.
 */
export const BFF_SESSION_EVENT = 'session';
/** The heartbeat period of `{base}/events`, in ms: below common proxy idle timeouts (30 s+). */
export const BFF_HEARTBEAT_MS = 20_000;
