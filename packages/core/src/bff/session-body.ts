import type { UserClaims } from '../stored-session.ts';
import type { BffLogoutBody } from './wire.ts';

// A session body is claims and two numbers: a few KB. Anything much larger is garbage (or an attack on memory).
export const MAX_BODY_LENGTH = 64 * 1024;

/** A `BffSessionBody` (wire.ts) as checked: the claims and the end come with `authenticated`, never without. */
export type CheckedSessionBody =
  | { readonly status: 'authenticated'; readonly user: UserClaims; readonly expiresAt: number; readonly now: number }
  | { readonly status: 'anonymous'; readonly user: null; readonly expiresAt: null; readonly now: number };

type Fields = Partial<Record<string, unknown>>;

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isTime = (value: unknown): value is number => Number.isFinite(value) && (value as number) >= 0;

function isClaims(value: unknown): value is UserClaims {
  // Object(): a primitive or an array has none of the fields, and null is no claims either.
  const { sub, iss, exp, name, email } = Object(value) as Fields;
  return isText(sub) && isText(iss) && isTime(exp) && [name, email].every((field) => field === undefined || typeof field === 'string');
}

/**
 * Reads a `BffSessionBody` (wire.ts) from `{base}/session`, an event of `{base}/events`, another tab or the
 * server-rendered page, or returns `undefined` for anything else. Never throws.
 *
 * Strict on every field the contract names: `authenticated` carries the claims (`sub`, `iss`, `exp`)
 * and a numeric `expiresAt` (a server session always ends: idle or absolute timeout); `anonymous`
 * carries `user: null` and `expiresAt: null`; `now` is a number. Fields it does not name are dropped,
 * so a newer server can add some without signing its browsers out.
 */
export function parseBffSessionBody(value: unknown): CheckedSessionBody | undefined {
  const { status, user, expiresAt, now } = Object(value) as Fields;
  const valid =
    isTime(now) &&
    (status === 'authenticated' ? isClaims(user) && isTime(expiresAt) : status === 'anonymous' && user === null && expiresAt === null);
  return valid ? ({ status, user, expiresAt, now } as CheckedSessionBody) : undefined;
}

/** Reads JSON text (at most {@link MAX_BODY_LENGTH} characters), or `undefined` when it is not JSON. Never throws. */
export function parseJson(text: unknown): unknown {
  try {
    return typeof text === 'string' && text.length <= MAX_BODY_LENGTH ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a {@link BffLogoutBody}. The logout already happened when the BFF answered 2xx, so anything
 * else reads as "no end-session URL", never as a failed logout.
 */
export function parseLogoutBody(value: unknown): BffLogoutBody {
  const url = (Object(value) as Fields)['endSessionUrl'];
  return { endSessionUrl: isText(url) ? url : null };
}
