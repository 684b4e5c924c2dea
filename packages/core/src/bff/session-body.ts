import type { UserClaims } from '../stored-session.ts';
import type { BffLogoutBody } from './wire.ts';

// A session body is claims and two numbers: a few KB. Anything much larger is garbage (or an attack on memory).
export const MAX_BODY_LENGTH = 64 * 1024;

/** A `BffSessionBody` (wire.ts) as checked: the claims and the end come with `authenticated`, never without. */
export type CheckedSessionBody =
  | { readonly status: 'authenticated'; readonly user: UserClaims; readonly expiresAt: number; readonly now: number }
  | { readonly status: 'anonymous'; readonly user: null; readonly expiresAt: null; readonly now: number };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isText = (value: unknown) => typeof value === 'string' && value !== '';
const isOptionalString = (value: unknown) => value === undefined || typeof value === 'string';

function isClaims(value: unknown): value is UserClaims {
  return (
    isObject(value) &&
    isText(value['sub']) &&
    isText(value['iss']) &&
    isTime(value['exp']) &&
    isOptionalString(value['name']) &&
    isOptionalString(value['email'])
  );
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
  if (!isObject(value) || !isTime(value['now'])) return undefined;
  const { status, user, expiresAt, now } = value;
  if (status === 'authenticated' && isClaims(user) && isTime(expiresAt)) return { status, user, expiresAt, now };
  if (status === 'anonymous' && user === null && expiresAt === null) return { status, user, expiresAt, now };
  return undefined;
}

/** Reads JSON text (at most {@link MAX_BODY_LENGTH} characters), or `undefined` when it is not JSON. Never throws. */
export function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text.length > MAX_BODY_LENGTH) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Reads a {@link BffLogoutBody}. The logout already happened when the BFF answered 2xx, so anything
 * else reads as "no end-session URL", never as a failed logout.
 */
export function parseLogoutBody(value: unknown): BffLogoutBody {
  const url = isObject(value) ? value['endSessionUrl'] : undefined;
  return { endSessionUrl: isText(url) ? (url as string) : null };
}
