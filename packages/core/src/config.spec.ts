import { describe, expect, it } from 'vitest';
import { resolveConfig, type LatchkeyConfig } from './config.ts';
import { LatchkeyConfigError, LatchkeyError } from './errors.ts';

const origin = 'https://app.example.com';

describe('resolveConfig', () => {
  it('fills the defaults: /callback, /, openid profile email, localStore', () => {
    const config = resolveConfig({ issuer: 'https://login.example.com', clientId: 'app' }, origin);
    expect(config.redirectUri).toBe('https://app.example.com/callback');
    expect(config.postLogoutRedirectUri).toBe('https://app.example.com/');
    expect(config.scope).toBe('openid profile email');
    expect(config.store.shared).toBe(true);
  });

  it('always asks for openid, first', () => {
    expect(resolveConfig({ issuer: 'https://a.example', clientId: 'c', scope: 'email offline_access' }, origin).scope).toBe(
      'openid email offline_access',
    );
  });

  it('sends audience as "audience" for Auth0 and as "resource" elsewhere', () => {
    expect(resolveConfig({ issuer: 'https://t.eu.auth0.com/', clientId: 'c', audience: 'x' }, origin).audienceParameter).toBe('audience');
    expect(resolveConfig({ issuer: 'https://kc.example/realms/r', clientId: 'c', audience: 'x' }, origin).audienceParameter).toBe(
      'resource',
    );
  });

  it.each([
    ['no issuer', { clientId: 'c' }],
    ['an issuer without a scheme', { issuer: 'login.example.com', clientId: 'c' }],
    ['a plain-http issuer off loopback', { issuer: 'http://login.example.com', clientId: 'c' }],
    ['an issuer with a query', { issuer: 'https://login.example.com/?x=1', clientId: 'c' }],
    ['no clientId', { issuer: 'https://login.example.com' }],
    ['a blank clientId', { issuer: 'https://login.example.com', clientId: '  ' }],
    ['a relative redirectUri', { issuer: 'https://login.example.com', clientId: 'c', redirectUri: '/callback' }],
    ['an empty audience', { issuer: 'https://login.example.com', clientId: 'c', audience: '' }],
    ['a store without methods', { issuer: 'https://login.example.com', clientId: 'c', store: {} }],
  ])('refuses %s with LATCHKEY_CONFIG_INVALID at configuration time', (_name, config) => {
    expect(() => resolveConfig(config as LatchkeyConfig, origin)).toThrow(LatchkeyConfigError);
    try {
      resolveConfig(config as LatchkeyConfig, origin);
    } catch (error) {
      expect((error as LatchkeyConfigError).code).toBe('LATCHKEY_CONFIG_INVALID');
    }
  });

  it('shows the configuration as given in its errors (a host name is no token to redact)', () => {
    const error = (() => {
      try {
        resolveConfig({ issuer: 'http://identity.mycompany.com', clientId: 'spa' }, 'https://app.example.com');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(LatchkeyError);
    expect(error?.message).toContain('http://identity.mycompany.com');
  });

  it('accepts plain http on loopback (the dev provider)', () => {
    expect(resolveConfig({ issuer: 'http://localhost:4400', clientId: 'c' }, 'http://localhost:4200').issuer.href).toBe(
      'http://localhost:4400/',
    );
  });
});
