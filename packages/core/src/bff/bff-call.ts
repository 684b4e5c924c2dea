import { LatchkeyError, type LatchkeyErrorCause } from '../errors.ts';
import { parseJson } from './session-body.ts';
import { CSRF_HEADER, CSRF_VALUE } from './wire.ts';

/** A BFF that neither answers nor fails must not keep the page `loading` for ever. */
const REQUEST_TIMEOUT_MS = 10_000;

/** The BFF did not answer, or not with what it should have. */
export const unavailable = (cause?: LatchkeyErrorCause) =>
  new LatchkeyError('LATCHKEY_BFF_UNAVAILABLE', 'The BFF did not answer (see the cause); nothing changed: retry.', cause);

/**
 * Calls a BFF endpoint under `base`: same origin, the session cookie, the CSRF header, a deadline, and
 * `signal` (the session's life). Every failure is a `LatchkeyError`: `LATCHKEY_CSRF_REJECTED` for a 403,
 * else `LATCHKEY_BFF_UNAVAILABLE`.
 */
export function bffCaller(
  fetchBff: (input: string, init: RequestInit) => Promise<Response>,
  base: string,
  signal: AbortSignal,
): (method: string, path: string) => Promise<unknown> {
  return async (method, path) => {
    let cause: LatchkeyErrorCause | undefined;
    try {
      const response = await fetchBff(base + path, {
        method,
        headers: { [CSRF_HEADER]: CSRF_VALUE },
        credentials: 'same-origin',
        cache: 'no-store',
        signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      cause = { status: response.status };
      if (response.ok) return parseJson(await response.text());
    } catch (error) {
      cause ??= { name: (error as Error | undefined)?.name };
    }
    throw cause.status === 403
      ? new LatchkeyError('LATCHKEY_CSRF_REJECTED', 'The BFF refused this as cross-site: serve the app and the BFF from one origin.', cause)
      : unavailable(cause);
  };
}
