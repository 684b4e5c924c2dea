import { describe, expect, it } from 'vitest';
import { CLIENT_ID, KEY, provider, signIn, tab, world, useFakeWorld } from './testing/harness.ts';

useFakeWorld();

describe('logout', () => {
  it('revokes the refresh token and ends the provider session by POST, with id_token_hint, client_id and post_logout_redirect_uri', async () => {
    const t = tab();
    await signIn(t);
    const idToken = JSON.parse(world.store.get(KEY) as string).id_token;
    await t.session.logout({ endSession: true });
    expect(provider.requests).toContain('POST /revoke');
    expect(t.browser.submitted).toEqual([
      {
        url: `${provider.issuer}/logout`,
        fields: { client_id: CLIENT_ID, post_logout_redirect_uri: 'https://app.example.com/', id_token_hint: idToken },
      },
    ]);
    expect(t.browser.assigned).not.toContain('logout');
    expect(world.store.get(KEY)).toBeNull();
  });

  it('ends the provider session by GET when configured so, without the ID token in the URL', async () => {
    const t = tab({ logout: { endSession: true, endSessionMethod: 'GET' } });
    await signIn(t);
    await t.session.logout();
    const url = new URL(t.browser.assigned as string);
    expect(url.pathname).toBe('/logout');
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe('https://app.example.com/');
    expect(url.searchParams.has('id_token_hint')).toBe(false);
    expect(t.browser.submitted).toEqual([]);
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
