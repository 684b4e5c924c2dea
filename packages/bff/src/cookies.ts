// The BFF's cookies: `HttpOnly`, `Secure`, `Path=/`, no `Domain`, with the `__Host-Http-` prefix — which
// a browser accepts only from a `Set-Cookie` header (never from `document.cookie`), Secure, for this
// exact host. Chromium keeps Secure cookies on http://localhost too (a browser test proves it).

/** The session cookie: a random 256-bit id, nothing else. */
export const SESSION_COOKIE = '__Host-Http-latchkey';
/** One transaction cookie per sign-in in flight, named by its `state`, so two tabs can sign in at once. */
export const TRANSACTION_COOKIE_PREFIX = '__Host-Http-latchkey-tx-';

export interface CookieOptions {
  readonly maxAgeSeconds?: number;
  readonly sameSite: 'Lax' | 'Strict';
}

/** A `Set-Cookie` value with the attributes every BFF cookie has. */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${value}`, 'Path=/', 'Secure', 'HttpOnly', `SameSite=${options.sameSite}`];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  return parts.join('; ');
}

/** A `Set-Cookie` that deletes the cookie (the same attributes, or a browser keeps the old one). */
export function clearCookie(name: string, sameSite: 'Lax' | 'Strict' = 'Lax'): string {
  return setCookie(name, '', { sameSite, maxAgeSeconds: 0 });
}

// A cookie value is base64url here; anything else is not ours.
const VALUE = /^[A-Za-z0-9_-]{16,128}$/;
const MAX_COOKIE_HEADER = 16 * 1024;

/**
 * Reads one of our cookies from a `Cookie` header: `undefined` when absent, malformed, or given twice
 * (a cookie tossed in by a sibling subdomain would come as a second one of the same name).
 */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header || header.length > MAX_COOKIE_HEADER) return undefined;
  let found: string | undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return undefined;
    found = pair.slice(eq + 1).trim();
  }
  return found !== undefined && VALUE.test(found) ? found : undefined;
}
