import type { SessionEvents } from '../session/types.ts';
import type { UserClaims } from '../stored-session.ts';
import type { BffRecord } from './bff-cell.ts';
import type { Received } from './bff-client.ts';

/** One event to emit, typed by its name. */
export type Emitted = { [K in keyof SessionEvents]: { readonly name: K; readonly payload: SessionEvents[K] } }[keyof SessionEvents];

export interface Transition {
  readonly record: BffRecord | undefined;
  /** What the change means, in the order the app hears it. */
  readonly events: readonly Emitted[];
}

// The server ends a session on its timer and says so at once; one that ends this close to its known
// end timed out (the two clocks differ by a round trip), anything earlier ended by a logout.
export const END_SLACK_MS = 2_000;

/**
 * The `authenticated` event of BFF mode. There is no token in the browser in this mode: `idToken`
 * and `accessToken` are `''` (call APIs through `{base}/api/<name>/`), `state` is `''`.
 */
export function authenticatedEvent(record: BffRecord): Emitted {
  return {
    name: 'authenticated',
    payload: { idToken: '', accessToken: '', idTokenPayload: record.user, expiresAt: record.expiresAt, state: '' },
  };
}

const sameClaims = (a: UserClaims, b: UserClaims) => JSON.stringify(a) === JSON.stringify(b);

/** The session is over here: timed out if it ended about when it was due to, else signed out elsewhere. */
export function ended(current: BffRecord | undefined, now: number): Transition {
  if (!current) return { record: undefined, events: [] };
  const timedOut = now >= current.expiresAt - END_SLACK_MS;
  return {
    record: undefined,
    events: [
      timedOut ? { name: 'expired', payload: { expiresAt: current.expiresAt } } : { name: 'loggedOut', payload: { elsewhere: true } },
    ],
  };
}

/**
 * What a session body from the server means for this tab. Its `expiresAt` moves to this browser's
 * clock (`expiresAt - now + receivedAt`); the same end said again keeps the time already known, so
 * the round trip's jitter changes nothing. `restoring`: the first answer at start-up (no sign-in event).
 */
export function transition(current: BffRecord | undefined, received: Received, now: number, restoring: boolean): Transition {
  const { body, receivedAt } = received;
  if (body.status === 'anonymous') return ended(current, now);
  const sameUser = current?.user.sub === body.user.sub;
  const user = current && sameUser && sameClaims(current.user, body.user) ? current.user : body.user;
  const sameEnd = sameUser && !current.provisional && current.serverExpiresAt === body.expiresAt;
  const record: BffRecord =
    sameEnd && user === current.user
      ? current
      : sameEnd
        ? { ...current, user }
        : { user, expiresAt: body.expiresAt - body.now + receivedAt, serverExpiresAt: body.expiresAt, learnedAt: receivedAt };
  // An end already passed (a body that waited, or a relay from a sleeping tab) is no session.
  if (record.expiresAt <= now) return ended(current, now);
  if (!current) return { record, events: restoring ? [] : [authenticatedEvent(record)] };
  if (!sameUser) return { record, events: [{ name: 'loggedOut', payload: { elsewhere: true } }, authenticatedEvent(record)] };
  if (body.expiresAt > current.serverExpiresAt)
    return { record, events: [{ name: 'refreshed', payload: { expiresAt: record.expiresAt } }] };
  return { record, events: [] };
}
