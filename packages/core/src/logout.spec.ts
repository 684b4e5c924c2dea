import { describe, expect, it, vi } from 'vitest';
import { advance, CLIENT_ID, KEY, provider, signIn, tab, world, useFakeWorld } from './testing/harness.ts';

useFakeWorld();

const idTokenOf = () => JSON.parse(world.store.get(KEY) as string).id_token as string;

describe('logout', () => {
  it('revokes the refresh token and ends the provider session by GET with id_token_hint, client_id and post_logout_redirect_uri', async () => {
    const t = tab();
    await signIn(t);
    const idToken = idTokenOf();
    await t.session.logout({ endSession: true });
    expect(provider.requests).toContain('POST /revoke');
    const url = new URL(t.browser.assigned as string);
    expect(url.origin + url.pathname).toBe(`${provider.issuer}/logout`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: CLIENT_ID,
      post_logout_redirect_uri: 'https://app.example.com/',
      id_token_hint: idToken,
    });
    expect(t.browser.submitted).toEqual([]);
    expect(world.store.get(KEY)).toBeNull();
  });

  it('ends the provider session by POST when configured so, with id_token_hint, client_id and post_logout_redirect_uri', async () => {
    const t = tab({ logout: { endSession: true, endSessionMethod: 'POST' } });
    await signIn(t);
    const idToken = idTokenOf();
    await t.session.logout();
    expect(t.browser.submitted).toEqual([
      {
        url: `${provider.issuer}/logout`,
        fields: { client_id: CLIENT_ID, post_logout_redirect_uri: 'https://app.example.com/', id_token_hint: idToken },
      },
    ]);
    expect(t.browser.assigned).not.toContain('logout');
  });

  it.each(['GET', 'POST'] as const)('leaves the ID token out with idTokenHint: false (%s)', async (endSessionMethod) => {
    const t = tab({ logout: { endSession: true, endSessionMethod, idTokenHint: false } });
    await signIn(t);
    await t.session.logout();
    const fields =
      endSessionMethod === 'GET' ? Object.fromEntries(new URL(t.browser.assigned as string).searchParams) : t.browser.submitted[0]?.fields;
    expect(fields).toEqual({ client_id: CLIENT_ID, post_logout_redirect_uri: 'https://app.example.com/' });
  });

  it('POST asked for but no page to post from: GET, still without the ID token in the URL', async () => {
    const t = tab({ logout: { endSession: true, endSessionMethod: 'POST' } });
    const { submitForm: _none, ...ports } = t.browser.ports;
    const bare = tab({ logout: { endSession: true, endSessionMethod: 'POST' } }, t.browser, ports);
    await signIn(bare);
    await bare.session.logout();
    const url = new URL(bare.browser.assigned as string);
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.has('id_token_hint')).toBe(false);
  });

  it('sends a fresh state when asked (logout.state), none by default', async () => {
    const t = tab({ logout: { endSession: true, state: true } });
    await signIn(t);
    await t.session.logout();
    const first = new URL(t.browser.assigned as string).searchParams.get('state');
    expect(first).toMatch(/^[\w-]{43}$/);
    await signIn(t);
    await t.session.logout();
    expect(new URL(t.browser.assigned as string).searchParams.get('state')).not.toBe(first);
    await signIn(t);
    await t.session.logout({ state: false });
    expect(new URL(t.browser.assigned as string).searchParams.has('state')).toBe(false);
  });

  it('after a refresh that returned no ID token, and past that ID token’s exp, the hint is the ID token the session has', async () => {
    provider.hooks.refreshResponse = ({ id_token: _dropped, ...rest }) => rest;
    const t = tab();
    await signIn(t);
    const idToken = idTokenOf();
    const exp = (JSON.parse(Buffer.from(idToken.split('.')[1] as string, 'base64url').toString()) as { exp: number }).exp;
    // Refreshed (without an ID token) until past the ID token's exp: the session goes on.
    await advance(80_000, 1_000);
    expect(provider.refreshRequests).toBeGreaterThan(0);
    vi.setSystemTime(exp * 1000 + 5_000);
    expect(await t.session.getAccessToken()).toBeTruthy();
    await t.session.logout({ endSession: true });
    expect(new URL(t.browser.assigned as string).searchParams.get('id_token_hint')).toBe(idToken);
  });

  it('signs out locally even when the provider is down', async () => {
    const t = tab();
    await signIn(t);
    provider.down = true;
    await t.session.logout({ endSession: true });
    expect(t.session.isAuthenticated()).toBe(false);
    expect(world.store.get(KEY)).toBeNull();
  });
});
