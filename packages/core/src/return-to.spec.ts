import { describe, expect, it } from 'vitest';
import { safeReturnTo } from './return-to.ts';

const origin = 'https://app.example.com';

describe('safeReturnTo', () => {
  it.each([
    '//evil.example',
    '/\\evil.example',
    'https://evil.example',
    'https://evil.example/path',
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '/\t/evil.example',
    '/\n/evil.example',
    '\t//evil.example',
    'https://app.example.com.evil.example/',
    'https://app.example.com@evil.example/',
    'http://app.example.com/',
    '',
    'x'.repeat(3000),
  ])('never leaves the origin: %j', (probe) => {
    const result = safeReturnTo(probe, origin);
    expect(new URL(result, origin).origin).toBe(origin);
    expect(result).toBe('/');
  });

  it.each([
    ['%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/%09/evil.example', '/%09/evil.example'],
    ['/profile?tab=2#top', '/profile?tab=2#top'],
    ['profile', '/profile'],
    ['https://app.example.com/a/b?c=d', '/a/b?c=d'],
    ['/../../etc', '/etc'],
  ])('keeps the same origin path, query and hash: %j → %j', (input, expected) => {
    expect(safeReturnTo(input, origin)).toBe(expected);
    expect(new URL(safeReturnTo(input, origin), origin).origin).toBe(origin);
  });

  it('returns the fallback for non-strings', () => {
    expect(safeReturnTo(undefined, origin, '/home')).toBe('/home');
    expect(safeReturnTo({ toString: () => '//evil' }, origin)).toBe('/');
  });
});
