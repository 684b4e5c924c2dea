import { describe, expect, it } from 'vitest';
import { LatchkeyError } from '../errors.ts';
import { callbackError } from './callback-error.ts';

describe('callbackError', () => {
  it.each(['LATCHKEY_ACCESS_DENIED', 'LATCHKEY_STATE_MISMATCH', 'LATCHKEY_TOKEN_REQUEST_FAILED', 'LATCHKEY_BFF_UNAVAILABLE'])(
    'keeps a sign-in failure the BFF names: %s',
    (code) => {
      const error = callbackError(code);
      expect(error).toBeInstanceOf(LatchkeyError);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(/^Sign-in failed: .+\. Sign in again/);
    },
  );

  it.each([
    'LATCHKEY_SOMETHING_NEW',
    'latchkey_access_denied',
    'LATCHKEY_CONFIG_INVALID',
    'LATCHKEY_BFF_NO_TOKEN',
    '__proto__',
    'toString',
    'constructor',
    '<script>alert(1)</script>',
    '',
  ])('believes no other value: %j is LATCHKEY_AUTHORIZATION_FAILED, with our text only', (value) => {
    const error = callbackError(value);
    expect(error.code).toBe('LATCHKEY_AUTHORIZATION_FAILED');
    if (value !== '') expect(error.message).not.toContain(value);
  });
});
