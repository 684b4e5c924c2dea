import { describe, expect, it } from 'vitest';
import { LatchkeyConfigError } from '../errors.ts';
import { resolveBffOptions, type BffSessionOptions } from './bff-options.ts';

describe('resolveBffOptions', () => {
  it('defaults to /bff, a 60 s warning and no end-session', () => {
    expect(resolveBffOptions()).toEqual({ base: '/bff', warnBeforeMs: 60_000, endSession: false, initialState: undefined });
  });

  it.each([
    ['/bff', '/bff'],
    ['/bff/', '/bff'],
    ['/auth/bff', '/auth/bff'],
    ['/', ''],
  ])('normalises the base %j to %j', (baseUrl, base) => {
    expect(resolveBffOptions({ baseUrl }).base).toBe(base);
  });

  it.each<[string, BffSessionOptions]>([
    ['another origin', { baseUrl: 'https://bff.example.com' }],
    ['a protocol-relative URL', { baseUrl: '//bff.example.com' }],
    ['a backslash', { baseUrl: '/\\bff.example.com' }],
    ['a relative path', { baseUrl: 'bff' }],
    ['an empty base', { baseUrl: '' }],
    ['a query', { baseUrl: '/bff?x=1' }],
    ['a hash', { baseUrl: '/bff#x' }],
    ['a double slash inside', { baseUrl: '/a//b' }],
    ['a dot segment', { baseUrl: '/a/../b' }],
    ['spaces', { baseUrl: '/b ff' }],
    ['a non-string base', { baseUrl: 42 as never }],
    ['a negative warning', { warnBeforeSeconds: -1 }],
    ['a NaN warning', { warnBeforeSeconds: Number.NaN }],
    ['a string warning', { warnBeforeSeconds: '60' as never }],
    ['a non-boolean endSession', { logout: { endSession: 'yes' as never } }],
    ['a null logout', { logout: null as never }],
  ])('refuses %s with a coded configuration error', (_name, options) => {
    let error: unknown;
    try {
      resolveBffOptions(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LatchkeyConfigError);
    expect((error as LatchkeyConfigError).code).toBe('LATCHKEY_CONFIG_INVALID');
  });

  it('ignores an initial state that is not a session body (the session then starts loading)', () => {
    expect(resolveBffOptions({ initialState: { status: 'authenticated' } as never }).initialState).toBeUndefined();
  });
});
