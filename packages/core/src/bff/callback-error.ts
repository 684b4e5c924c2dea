import { LatchkeyError, type LatchkeyErrorCode } from '../errors.ts';

/** The query parameter the BFF lands on the app with after a failed sign-in: `?latchkey_error=LATCHKEY_…`. */
export const CALLBACK_ERROR_PARAM = 'latchkey_error';

// The codes a failed sign-in on the BFF can end with. The parameter comes from the address bar (anyone
// can craft a link): only these codes are believed, and the text is ours.
const SIGN_IN_FAILURES: readonly string[] = [
  'LATCHKEY_ACCESS_DENIED',
  'LATCHKEY_AUTHORIZATION_FAILED',
  'LATCHKEY_LOGIN_REQUIRED',
  'LATCHKEY_STATE_MISSING',
  'LATCHKEY_STATE_MISMATCH',
  'LATCHKEY_ISS_MISMATCH',
  'LATCHKEY_TOKEN_REQUEST_FAILED',
  'LATCHKEY_ID_TOKEN_INVALID',
  'LATCHKEY_ID_TOKEN_EXPIRED',
  'LATCHKEY_NONCE_MISMATCH',
  'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID',
  'LATCHKEY_PROVIDER_UNREACHABLE',
  'LATCHKEY_DISCOVERY_INVALID',
  'LATCHKEY_ISSUER_MISMATCH',
  'LATCHKEY_INSECURE_ENDPOINT',
  'LATCHKEY_BFF_UNAVAILABLE',
] satisfies readonly LatchkeyErrorCode[];

/** The error a `latchkey_error` value stands for: a known sign-in failure's code, else `LATCHKEY_AUTHORIZATION_FAILED`. */
export function callbackError(value: string): LatchkeyError {
  const code = (SIGN_IN_FAILURES.includes(value) ? value : 'LATCHKEY_AUTHORIZATION_FAILED') as LatchkeyErrorCode;
  return new LatchkeyError(code, `Sign-in failed: ${code}. Sign in again; the BFF's log says why.`);
}
