import type { RestoredSession } from '../stored-session.ts';
import type { SessionEvents } from './types.ts';

/** The `authenticated` event, shaped like Lock's `authResult`; `state` is the sign-in's `returnTo` ('' for another tab's). */
export function authenticatedEvent(session: RestoredSession, state: string): SessionEvents['authenticated'] {
  return {
    idToken: session.stored.id_token,
    idTokenPayload: session.user,
    accessToken: session.stored.access_token,
    expiresAt: session.stored.expires_at_ms,
    state,
  };
}
