import type { ServerSession } from './types.ts';

// A session is a few KB; anything much larger is garbage (or an attack on memory).
const MAX_JSON_LENGTH = 256 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Reads back a session a store kept as JSON. Anything that is not the shape of a {@link ServerSession}
 * (not JSON, another `v`, a field of the wrong type, tokens without the fields the BFF uses) is
 * `undefined`, never a throw: a store's garbage must read as "no session", not crash a request.
 */
export function parseServerSession(json: unknown): ServerSession | undefined {
  if (typeof json !== 'string' || json.length > MAX_JSON_LENGTH) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const tokens = value['tokens'];
  if (
    value['v'] !== 1 ||
    typeof value['sub'] !== 'string' ||
    value['sub'] === '' ||
    (value['sid'] !== undefined && typeof value['sid'] !== 'string') ||
    !isFiniteNumber(value['version']) ||
    !isFiniteNumber(value['createdAtMs']) ||
    !isFiniteNumber(value['lastSeenAtMs']) ||
    !isFiniteNumber(value['absoluteEndsAtMs']) ||
    !isRecord(tokens)
  ) {
    return undefined;
  }
  const stored = tokens['stored'];
  const user = tokens['user'];
  if (
    !isRecord(stored) ||
    !isRecord(user) ||
    typeof stored['id_token'] !== 'string' ||
    typeof stored['access_token'] !== 'string' ||
    !isFiniteNumber(stored['expires_at_ms']) ||
    (stored['refresh_token'] !== undefined && typeof stored['refresh_token'] !== 'string') ||
    typeof user['sub'] !== 'string'
  ) {
    return undefined;
  }
  return value as unknown as ServerSession;
}
