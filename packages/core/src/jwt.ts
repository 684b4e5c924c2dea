/** A JSON object, as decoded from a JWT payload. */
export type JsonObject = { readonly [key: string]: unknown };

const base64url = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes a JWT's payload without verifying it, or returns `undefined` for anything that is not a
 * compact JWS whose payload is a JSON object. Never throws. UTF-8 payloads decode.
 *
 * Only for tokens that Latchkey itself verified before storing them, or for the compat helpers.
 */
export function decodeJwtPayload(token: unknown): JsonObject | undefined {
  if (typeof token !== 'string') return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const payload = parts[1] as string;
  if (payload.length === 0 || payload.length % 4 === 1 || !base64url.test(payload)) return undefined;
  try {
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}
