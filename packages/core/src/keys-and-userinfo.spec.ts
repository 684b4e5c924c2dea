import { describe, expect, it } from 'vitest';
import { failureOf } from './testing/failure-of.ts';
import { provider, signIn, tab, useFakeWorld } from './testing/harness.ts';

useFakeWorld();

describe('keys and userinfo', () => {
  it('accepts a provider that rotated its signing key between two sign-ins, with one JWKS re-fetch', async () => {
    const t = tab();
    await signIn(t);
    await t.session.logout({ revokeRefreshToken: false });
    await provider.rotateKey();
    await signIn(t);
    expect(t.session.isAuthenticated()).toBe(true);
    expect(provider.requests.filter((r) => r === 'GET /jwks')).toHaveLength(2);
  });

  it('returns userinfo about the same subject', async () => {
    const t = tab();
    await signIn(t);
    expect(await t.session.getUserInfo()).toMatchObject({ sub: 'alice', name: 'Alice Liddell' });
  });

  it('discards userinfo whose sub differs from the ID token', async () => {
    const t = tab();
    await signIn(t);
    provider.hooks.userinfo = (c) => ({ ...c, sub: 'mallory' });
    const error = await failureOf(t.session.getUserInfo());
    expect(error.code).toBe('LATCHKEY_USERINFO_INVALID');
    expect(error.cause?.claim).toBe('sub');
    expect(t.session.isAuthenticated()).toBe(true);
  });
});
