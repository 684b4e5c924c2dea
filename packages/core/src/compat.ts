/**
 * angular2-jwt's session helpers, for apps that still keep a raw token in storage while they move to
 * Latchkey. They behave exactly as angular2-jwt's did in the tutorial (whose `tokenNotExpired()` read
 * `localStorage['id_token']` by default; angular2-jwt 0.2 later changed that key to `token`): they decode the token on every call,
 * trust it unverified, and throw on a malformed one.
 *
 * **This is the slow path.** A template that calls `tokenNotExpired()` decodes a JWT on every
 * change-detection pass and never re-renders when the token expires. Latchkey's `isAuthenticated()`
 * (or the Angular `Auth.authenticated` signal) is a field read that flips by itself at expiry.
 * Latchkey never writes raw token keys itself.
 *
 * @packageDocumentation
 */

const BASE64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';

/** Decodes JWT parts the way angular2-jwt's `JwtHelper` did. */
export class JwtHelper {
  /** @throws Error `Illegal base64url string!` for a length no base64url string has. */
  urlBase64Decode(str: string): string {
    let output = str.replace(/-/g, '+').replace(/_/g, '/');
    switch (output.length % 4) {
      case 0:
        break;
      case 2:
        output += '==';
        break;
      case 3:
        output += '=';
        break;
      default:
        throw new Error('Illegal base64url string!');
    }
    return this.#b64DecodeUnicode(output);
  }

  /** angular2-jwt's own base64 decoder: characters outside the alphabet are skipped, not refused. */
  #b64decode(input: string): string {
    const str = String(input).replace(/=+$/, '');
    if (str.length % 4 === 1) throw new Error("'atob' failed: The string to be decoded is not correctly encoded.");
    let output = '';
    let bits = 0;
    let count = 0;
    for (const char of str) {
      const index = BASE64_CHARS.indexOf(char);
      if (index === -1) continue;
      bits = count % 4 ? bits * 64 + index : index;
      if (count++ % 4) output += String.fromCharCode(255 & (bits >> ((-2 * count) & 6)));
    }
    return output;
  }

  #b64DecodeUnicode(str: string): string {
    return decodeURIComponent(Array.from(this.#b64decode(str), (c) => '%' + ('00' + c.charCodeAt(0).toString(16)).slice(-2)).join(''));
  }

  /**
   * The token's payload, unverified.
   * @throws Error `JWT must have 3 parts`, `Cannot decode the token`, or a JSON/URI decoding error.
   */
  decodeToken(token: string): unknown {
    const parts = token.split('.');
    if (parts.length !== 3) throw new Error('JWT must have 3 parts');
    const decoded = this.urlBase64Decode(parts[1] as string);
    if (!decoded) throw new Error('Cannot decode the token');
    return JSON.parse(decoded);
  }

  /** The `exp` claim as a Date, or `null` when the token has none. */
  getTokenExpirationDate(token: string): Date | null {
    const decoded = this.decodeToken(token) as object;
    if (!Object.prototype.hasOwnProperty.call(decoded, 'exp')) return null;
    const date = new Date(0);
    date.setUTCSeconds((decoded as { exp: number }).exp);
    return date;
  }

  /** True when `exp` is not later than now + `offsetSeconds`; a token without `exp` never expires. */
  isTokenExpired(token: string, offsetSeconds?: number): boolean {
    const date = this.getTokenExpirationDate(token);
    const offset = offsetSeconds || 0;
    if (date == null) return false;
    return !(date.valueOf() > new Date().valueOf() + offset * 1000);
  }
}

/**
 * True when a token is present — `jwt`, or else `localStorage[tokenName]` — and not expired.
 * Exactly angular2-jwt's `tokenNotExpired()` as the tutorial used it (default key `id_token`); see the
 * module note on why it is the slow path.
 */
export function tokenNotExpired(tokenName = 'id_token', jwt?: string): boolean {
  const token = jwt || globalThis.localStorage.getItem(tokenName);
  return token != null && !new JwtHelper().isTokenExpired(token);
}
