import { describe, expect, it } from 'vitest';
import { MAX_BODY_LENGTH, parseBffSessionBody, parseJson, parseLogoutBody } from './session-body.ts';

const user = { sub: 'alice', iss: 'https://idp.example.com', exp: 1_800_000_600, name: 'Alice' };
const signedIn = { status: 'authenticated', user, expiresAt: 1_800_000_900_000, now: 1_800_000_000_000 };
const signedOut = { status: 'anonymous', user: null, expiresAt: null, now: 1_800_000_000_000 };

describe('parseBffSessionBody', () => {
  it('reads both kinds of session, and drops fields the contract does not name', () => {
    expect(parseBffSessionBody(signedIn)).toEqual(signedIn);
    expect(parseBffSessionBody(signedOut)).toEqual(signedOut);
    expect(parseBffSessionBody({ ...signedIn, sid: 'x', access_token: 'never' })).toEqual(signedIn);
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'authenticated'],
    ['a number', 42],
    ['an array', [signedIn]],
    ['no status', { ...signedIn, status: undefined }],
    ['an unknown status', { ...signedIn, status: 'loading' }],
    ['status in capitals', { ...signedIn, status: 'AUTHENTICATED' }],
    ['no now', { ...signedIn, now: undefined }],
    ['now as a string', { ...signedIn, now: '1800000000000' }],
    ['now NaN', { ...signedIn, now: Number.NaN }],
    ['now infinite', { ...signedIn, now: Number.POSITIVE_INFINITY }],
    ['now negative', { ...signedIn, now: -1 }],
    ['authenticated without user', { ...signedIn, user: null }],
    ['authenticated with user as an array', { ...signedIn, user: [user] }],
    ['authenticated with user as a string', { ...signedIn, user: 'alice' }],
    ['user without sub', { ...signedIn, user: { ...user, sub: undefined } }],
    ['user with an empty sub', { ...signedIn, user: { ...user, sub: '' } }],
    ['user with a numeric sub', { ...signedIn, user: { ...user, sub: 7 } }],
    ['user without iss', { ...signedIn, user: { ...user, iss: undefined } }],
    ['user without exp', { ...signedIn, user: { ...user, exp: undefined } }],
    ['user with exp as a string', { ...signedIn, user: { ...user, exp: '1800000600' } }],
    ['user with a numeric name', { ...signedIn, user: { ...user, name: 1 } }],
    ['user with an object email', { ...signedIn, user: { ...user, email: {} } }],
    ['authenticated without expiresAt', { ...signedIn, expiresAt: null }],
    ['expiresAt as a string', { ...signedIn, expiresAt: '1800000900000' }],
    ['expiresAt NaN', { ...signedIn, expiresAt: Number.NaN }],
    ['anonymous with a user', { ...signedOut, user }],
    ['anonymous with an end', { ...signedOut, expiresAt: 1_800_000_900_000 }],
    ['anonymous without user field', { status: 'anonymous', expiresAt: null, now: 1 }],
  ])('refuses %s', (_name, value) => {
    expect(parseBffSessionBody(value)).toBeUndefined();
  });
});

describe('parseJson', () => {
  it.each<[string, unknown]>([
    ['not JSON', '<html>502 Bad Gateway</html>'],
    ['cut off', '{"status":"authent'],
    ['empty', ''],
    ['not a string', 42],
    ['too long', `"${'x'.repeat(MAX_BODY_LENGTH)}"`],
  ])('reads %s as nothing, never a throw', (_name, text) => {
    expect(parseJson(text)).toBeUndefined();
  });
});

describe('parseLogoutBody', () => {
  it.each<[string, unknown, string | null]>([
    ['a URL', { endSessionUrl: '/bff/logout/end?id=1' }, '/bff/logout/end?id=1'],
    ['null', { endSessionUrl: null }, null],
    ['an empty string', { endSessionUrl: '' }, null],
    ['a number', { endSessionUrl: 1 }, null],
    ['no body (the logout happened all the same)', undefined, null],
  ])('reads %s', (_name, value, expected) => {
    expect(parseLogoutBody(value)).toEqual({ endSessionUrl: expected });
  });
});
