import { afterEach, describe, expect, it, vi } from 'vitest';
import { JwtHelper, tokenNotExpired } from './compat.ts';

const b64u = (value: string) => Buffer.from(value).toString('base64url');
const jwt = (payload: object) => `${b64u('{"alg":"HS256","typ":"JWT"}')}.${b64u(JSON.stringify(payload))}.sig`;
const now = () => Math.floor(Date.now() / 1000);

afterEach(() => vi.unstubAllGlobals());

describe('JwtHelper (angular2-jwt semantics)', () => {
  const helper = new JwtHelper();

  it('decodes a UTF-8 payload', () => {
    expect(helper.decodeToken(jwt({ name: 'Zoë 🔑', exp: 1 }))).toEqual({ name: 'Zoë 🔑', exp: 1 });
  });

  it('reads exp as a Date, and null without exp', () => {
    expect(helper.getTokenExpirationDate(jwt({ exp: 1_700_000_000 }))?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(helper.getTokenExpirationDate(jwt({ sub: 'x' }))).toBeNull();
  });

  it.each([
    ['exp in the future', { exp: now() + 60 }, undefined, false],
    ['exp in the past', { exp: now() - 1 }, undefined, true],
    ['exp inside the offset', { exp: now() + 30 }, 60, true],
    ['exp beyond the offset', { exp: now() + 90 }, 60, false],
    ['no exp (never expires)', { sub: 'x' }, undefined, false],
  ])('isTokenExpired: %s', (_name, payload, offset, expected) => {
    expect(helper.isTokenExpired(jwt(payload), offset)).toBe(expected);
  });

  it.each([
    ['two parts', 'a.b', 'JWT must have 3 parts'],
    ['a length no base64url has', 'a.abcde.c', 'Illegal base64url string!'],
    ['an empty payload', 'a..c', 'Cannot decode the token'],
  ])('throws on %s, as angular2-jwt did', (_name, token, message) => {
    expect(() => helper.decodeToken(token)).toThrow(message);
  });

  it('throws on a payload that is not JSON', () => {
    expect(() => helper.decodeToken(`a.${b64u('hello')}.c`)).toThrow(SyntaxError);
  });
});

describe('tokenNotExpired', () => {
  function stubStorage(entries: Record<string, string>) {
    vi.stubGlobal('localStorage', { getItem: (key: string) => entries[key] ?? null });
  }

  it("reads localStorage['id_token'] by default", () => {
    stubStorage({ id_token: jwt({ exp: now() + 60 }) });
    expect(tokenNotExpired()).toBe(true);
  });

  it('reads another key, or the token given', () => {
    stubStorage({ token: jwt({ exp: now() - 60 }) });
    expect(tokenNotExpired('token')).toBe(false);
    expect(tokenNotExpired(undefined, jwt({ exp: now() + 60 }))).toBe(true);
  });

  it('is false without a token', () => {
    stubStorage({});
    expect(tokenNotExpired()).toBe(false);
  });
});
