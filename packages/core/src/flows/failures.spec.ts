import { describe, expect, it } from 'vitest';
import { LatchkeyError } from '../errors.ts';
import { asLatchkeyError, coded } from './failures.ts';

describe('an unexpected failure is named after what failed', () => {
  it.each([
    ['sign-in', 'LATCHKEY_AUTHORIZATION_FAILED', /Sign-in failed/],
    ['refresh', 'LATCHKEY_TOKEN_REQUEST_FAILED', /could not be refreshed/],
    ['logout', 'LATCHKEY_PROVIDER_UNREACHABLE', /signed out here/i],
    ['userinfo', 'LATCHKEY_USERINFO_INVALID', /Userinfo/],
  ] as const)('%s → %s', (operation, code, message) => {
    const error = asLatchkeyError(new RangeError('boom'), operation);
    expect(error).toBeInstanceOf(LatchkeyError);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    if (operation !== 'sign-in') expect(error.message).not.toMatch(/Sign-in failed/);
    expect(error.cause).toEqual({ name: 'RangeError' });
  });

  it('a LatchkeyError stays as it is; coded() wraps a whole function', async () => {
    const known = new LatchkeyError('LATCHKEY_REFRESH_REJECTED', 'over');
    expect(asLatchkeyError(known, 'refresh')).toBe(known);
    const failing = coded('userinfo', async () => {
      throw new TypeError('x');
    });
    await expect(failing()).rejects.toMatchObject({ code: 'LATCHKEY_USERINFO_INVALID' });
  });
});
