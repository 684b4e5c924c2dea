import { LatchkeyError, type LatchkeyErrorCode } from '../errors.ts';

/** What the session was doing when something failed, for an unexpected failure's code and message. */
export type Operation = 'sign-in' | 'refresh' | 'logout' | 'userinfo';

const UNEXPECTED: Record<Operation, [LatchkeyErrorCode, string]> = {
  'sign-in': ['LATCHKEY_AUTHORIZATION_FAILED', 'Sign-in failed unexpectedly. You are still signed out; try again.'],
  refresh: ['LATCHKEY_TOKEN_REQUEST_FAILED', 'The session could not be refreshed (an unexpected failure); it lasts until it ends.'],
  logout: ['LATCHKEY_PROVIDER_UNREACHABLE', "You are signed out here; the provider's session could not be ended (an unexpected failure)."],
  userinfo: ['LATCHKEY_USERINFO_INVALID', 'Userinfo could not be fetched (an unexpected failure).'],
};

/** Any failure as a `LatchkeyError`: coded ones as they are, anything else named after `operation`. */
export function asLatchkeyError(error: unknown, operation: Operation): LatchkeyError {
  if (error instanceof LatchkeyError) return error;
  const [code, message] = UNEXPECTED[operation];
  return new LatchkeyError(code, message, { name: error instanceof Error ? error.name : 'Error' });
}

/** `work`, whose failures are all `LatchkeyError`s: what the session gets from this chunk is always coded. */
export function coded<A extends unknown[], R>(operation: Operation, work: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await work(...args);
    } catch (error) {
      throw asLatchkeyError(error, operation);
    }
  };
}
