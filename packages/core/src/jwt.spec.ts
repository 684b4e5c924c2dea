import { describe, expect, it } from 'vitest';
import { decodeJwtPayload } from './jwt.ts';

const b64u = (value: string) => Buffer.from(value).toString('base64url');

describe('decodeJwtPayload', () => {
  it('decodes a UTF-8 payload', () => {
    expect(decodeJwtPayload(`${b64u('{}')}.${b64u('{"name":"Zoë 🔑 Łukasz"}')}.sig`)).toEqual({ name: 'Zoë 🔑 Łukasz' });
  });

  it.each([
    ['not a string', 42],
    ['two parts', 'a.b'],
    ['four parts', 'a.b.c.d'],
    ['an empty payload', 'a..c'],
    ['non-base64url characters', 'a.e+y/J=.c'],
    ['a length no base64 has', 'a.abcde.c'],
    ['not JSON', `a.${b64u('hello')}.c`],
    ['a JSON array', `a.${b64u('[1]')}.c`],
    ['JSON null', `a.${b64u('null')}.c`],
    ['invalid UTF-8', `a.${Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]).toString('base64url')}.c`],
  ])('returns undefined, never throws, for %s', (_name, token) => {
    expect(decodeJwtPayload(token)).toBeUndefined();
  });
});
