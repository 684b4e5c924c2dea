import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh opaque id: 256 random bits, base64url (a session cookie, a transaction, a one-time logout). */
export function randomId(): string {
  return randomBytes(32).toString('base64url');
}

/** What the store is keyed by: the id's SHA-256, so a dump of the store yields no usable cookie. */
export function storeKey(kind: 'session' | 'tx' | 'logout' | 'jti', id: string): string {
  return `${kind}:${createHash('sha256').update(id).digest('base64url')}`;
}

/** A short, stable name part for a `state` (cookie names stay short and carry no secret). */
export function stateTag(state: string): string {
  return createHash('sha256').update(state).digest('base64url').slice(0, 22);
}

/** Compares two strings in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
