import { LatchkeyConfigError } from '@latchkey/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBff } from './bff.ts';
import { resolveBffOptions, type BffOptions } from './options.ts';
import { memoryStore } from './stores/index.ts';

const VALID: BffOptions = {
  issuer: 'https://idp.example.com',
  clientId: 'latchkey-bff',
  clientSecret: 'secret',
  appOrigin: 'https://app.example.com',
};

let privateKey: CryptoKey;

beforeAll(async () => {
  ({ privateKey } = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair);
});

const withoutSecret = (): BffOptions => {
  const { clientSecret: _omitted, ...rest } = VALID;
  return rest;
};

describe('resolveBffOptions: refused at start-up with LatchkeyConfigError', () => {
  const rows: [string, () => unknown][] = [
    ['no options', () => undefined],
    ['a missing issuer', () => ({ ...VALID, issuer: undefined })],
    ['an empty issuer', () => ({ ...VALID, issuer: '' })],
    ['an issuer that is no URL', () => ({ ...VALID, issuer: 'idp.example.com' })],
    ['an issuer that is not http(s)', () => ({ ...VALID, issuer: 'ftp://idp.example.com' })],
    ['a plain-http issuer off loopback', () => ({ ...VALID, issuer: 'http://idp.example.com' })],
    ['a missing clientId', () => ({ ...VALID, clientId: undefined })],
    ['an empty clientId', () => ({ ...VALID, clientId: '' })],
    ['neither clientSecret nor privateKey', withoutSecret],
    ['both clientSecret and privateKey', () => ({ ...VALID, privateKey: { key: privateKey } })],
    ['an empty clientSecret', () => ({ ...VALID, clientSecret: '' })],
    ['a clientSecret that is not a string', () => ({ ...VALID, clientSecret: 42 })],
    ['a missing appOrigin', () => ({ ...VALID, appOrigin: undefined })],
    ['an appOrigin with a path', () => ({ ...VALID, appOrigin: 'https://app.example.com/app' })],
    ['an appOrigin with a query', () => ({ ...VALID, appOrigin: 'https://app.example.com?x=1' })],
    ['an appOrigin with a fragment', () => ({ ...VALID, appOrigin: 'https://app.example.com#x' })],
    ['an appOrigin with user info', () => ({ ...VALID, appOrigin: 'https://user@app.example.com' })],
    ['a plain-http appOrigin off localhost', () => ({ ...VALID, appOrigin: 'http://app.example.com' })],
    ['a plain-http appOrigin on 127.0.0.1', () => ({ ...VALID, appOrigin: 'http://127.0.0.1:4200' })],
    ['an appOrigin without a scheme', () => ({ ...VALID, appOrigin: 'app.example.com' })],
    ['a basePath without a leading slash', () => ({ ...VALID, basePath: 'bff' })],
    ['a basePath of only a slash', () => ({ ...VALID, basePath: '/' })],
    ['a basePath with a space', () => ({ ...VALID, basePath: '/b ff' })],
    ['a basePath with //', () => ({ ...VALID, basePath: '/a//b' })],
    ['a basePath with ..', () => ({ ...VALID, basePath: '/a/../b' })],
    ['a basePath with a dot segment', () => ({ ...VALID, basePath: '/a/.b' })],
    ['a basePath with a query', () => ({ ...VALID, basePath: '/bff?x' })],
    ['a basePath with an encoded character', () => ({ ...VALID, basePath: '/b%2fff' })],
    ['a postLogoutRedirectUri that is no URL', () => ({ ...VALID, postLogoutRedirectUri: '/signed-out' })],
    ['an upstream name in capitals', () => ({ ...VALID, upstreams: { API: { url: 'https://api.example.com' } } })],
    ['an upstream name with an underscore', () => ({ ...VALID, upstreams: { my_api: { url: 'https://api.example.com' } } })],
    ['an upstream name starting with a dash', () => ({ ...VALID, upstreams: { '-api': { url: 'https://api.example.com' } } })],
    ['an upstream name with a slash', () => ({ ...VALID, upstreams: { 'a/b': { url: 'https://api.example.com' } } })],
    ['an upstream name of ..', () => ({ ...VALID, upstreams: { '..': { url: 'https://api.example.com' } } })],
    ['an empty upstream name', () => ({ ...VALID, upstreams: { '': { url: 'https://api.example.com' } } })],
    ['an upstream without a url', () => ({ ...VALID, upstreams: { api: {} } })],
    ['an upstream url that is no URL', () => ({ ...VALID, upstreams: { api: { url: 'api.example.com' } } })],
    ['an upstream url that is not http(s)', () => ({ ...VALID, upstreams: { api: { url: 'file:///etc/passwd' } } })],
    ['an upstream url with a query', () => ({ ...VALID, upstreams: { api: { url: 'https://api.example.com/?key=1' } } })],
    ['an upstream url with a fragment', () => ({ ...VALID, upstreams: { api: { url: 'https://api.example.com/#x' } } })],
    ['an upstream timeout of 0', () => ({ ...VALID, upstreams: { api: { url: 'https://api.example.com', timeoutMs: 0 } } })],
    ['an idleTimeoutMs of 0', () => ({ ...VALID, idleTimeoutMs: 0 })],
    ['a negative idleTimeoutMs', () => ({ ...VALID, idleTimeoutMs: -1 })],
    ['an idleTimeoutMs of NaN', () => ({ ...VALID, idleTimeoutMs: Number.NaN })],
    ['an infinite absoluteTimeoutMs', () => ({ ...VALID, absoluteTimeoutMs: Number.POSITIVE_INFINITY })],
  ];

  it.each(rows)('refuses %s', (_label, make) => {
    let thrown: unknown;
    try {
      resolveBffOptions(make() as BffOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LatchkeyConfigError);
    expect((thrown as LatchkeyConfigError).code).toBe('LATCHKEY_CONFIG_INVALID');
    expect((thrown as Error).message).toMatch(/^bff: /);
  });

  it('refuses the same at createBff, before any store or provider is touched', () => {
    const store = memoryStore();
    expect(() => createBff({ ...VALID, appOrigin: 'http://app.example.com', store })).toThrow(LatchkeyConfigError);
  });

  it('names the secret nowhere in its messages', () => {
    try {
      resolveBffOptions({ ...VALID, clientSecret: 'super-secret-value', appOrigin: 'http://app.example.com' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('super-secret-value');
    }
  });
});

describe('resolveBffOptions: what it accepts', () => {
  it('fills the defaults and derives redirect_uri from appOrigin and basePath', () => {
    const resolved = resolveBffOptions(VALID);
    expect(resolved.basePath).toBe('/bff');
    expect(resolved.redirectUri).toBe('https://app.example.com/bff/callback');
    expect(resolved.postLogoutRedirectUri).toBe('https://app.example.com/');
    expect(resolved.scope).toBe('openid profile email offline_access');
    expect(resolved.audienceParameter).toBe('resource');
    expect(resolved.upstreams.size).toBe(0);
  });

  it.each([
    [
      'a trailing slash on appOrigin',
      { appOrigin: 'https://app.example.com/' },
      (r: ReturnType<typeof resolveBffOptions>) => r.appOrigin === 'https://app.example.com',
    ],
    [
      'plain http on localhost',
      { appOrigin: 'http://localhost:4200' },
      (r: ReturnType<typeof resolveBffOptions>) => r.appOrigin === 'http://localhost:4200',
    ],
    [
      'a basePath with a trailing slash',
      { basePath: '/auth/bff/' },
      (r: ReturnType<typeof resolveBffOptions>) => r.redirectUri === 'https://app.example.com/auth/bff/callback',
    ],
    ['privateKey instead of clientSecret', { clientSecret: undefined, privateKey: 'KEY' }, () => true],
    [
      'an upstream with a base path',
      { upstreams: { 'orders-v2': { url: 'https://api.example.com/v2/' } } },
      (r: ReturnType<typeof resolveBffOptions>) =>
        r.upstreams.get('orders-v2')?.url.href === 'https://api.example.com/v2/' && r.upstreams.get('orders-v2')?.timeoutMs === 30_000,
    ],
  ])('accepts %s', (_label, overrides, check) => {
    const options = { ...VALID, ...overrides } as Record<string, unknown>;
    if (options['privateKey'] === 'KEY') options['privateKey'] = { key: privateKey };
    if (options['clientSecret'] === undefined) delete options['clientSecret'];
    expect(check(resolveBffOptions(options as unknown as BffOptions))).toBe(true);
  });
});
