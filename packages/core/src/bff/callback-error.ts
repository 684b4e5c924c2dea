import { LatchkeyError, type LatchkeyErrorCode } from '../errors.ts';

/** The query parameter the BFF lands on the app with after a failed sign-in: `?latchkey_error=LATCHKEY_…`. */
export const CALLBACK_ERROR_PARAM = 'latchkey_error';

const PROVIDER_CONFIG = "the BFF's provider configuration is wrong";

// The codes a failed sign-in on the BFF can end with, and what each means. The parameter comes from
// the address bar (anyone can craft a link): only these codes are believed, and the text is ours.
const SIGN_IN_FAILURES: Partial<Record<LatchkeyErrorCode, string>> = {
  LATCHKEY_ACCESS_DENIED: 'it was declined',
  LATCHKEY_AUTHORIZATION_FAILED: 'the provider refused it',
  LATCHKEY_LOGIN_REQUIRED: 'the provider asks for an interactive sign-in',
  LATCHKEY_STATE_MISSING: "the provider's answer carried no state",
  LATCHKEY_STATE_MISMATCH: 'it was not started in this browser, or was already used',
  LATCHKEY_ISS_MISMATCH: 'the answer came from another issuer',
  LATCHKEY_TOKEN_REQUEST_FAILED: 'the provider issued no tokens',
  LATCHKEY_ID_TOKEN_INVALID: "the ID token's claims are wrong",
  LATCHKEY_ID_TOKEN_EXPIRED: "the ID token is expired or not yet valid (check the server's clock)",
  LATCHKEY_NONCE_MISMATCH: 'the ID token was issued for another sign-in',
  LATCHKEY_ID_TOKEN_SIGNATURE_INVALID: "the ID token's signature does not verify",
  LATCHKEY_PROVIDER_UNREACHABLE: 'the provider could not be reached',
  LATCHKEY_DISCOVERY_INVALID: PROVIDER_CONFIG,
  LATCHKEY_ISSUER_MISMATCH: PROVIDER_CONFIG,
  LATCHKEY_INSECURE_ENDPOINT: PROVIDER_CONFIG,
  LATCHKEY_BFF_UNAVAILABLE: 'the BFF could not keep the session',
};

/** The error a `latchkey_error` value stands for: a known sign-in failure's code, else `LATCHKEY_AUTHORIZATION_FAILED`. */
export function callbackError(value: string): LatchkeyError {
  const code = (Object.hasOwn(SIGN_IN_FAILURES, value) ? value : 'LATCHKEY_AUTHORIZATION_FAILED') as LatchkeyErrorCode;
  return new LatchkeyError(
    code,
    `Sign-in failed: ${SIGN_IN_FAILURES[code] as string}. Sign in again; if it keeps failing, the BFF's log says why.`,
  );
}
