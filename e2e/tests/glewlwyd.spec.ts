import type { Page } from '@playwright/test';
import { countRefreshes, countRequests, expect, expectNoTokens, test, useOtherProvider } from './fixtures.ts';
import { demoOrigin, glewlwydIssuer, glewlwydOrigin, ports } from './stack.ts';

// The demo against Glewlwyd (Debian's package, e2e/glewlwyd): a second OpenID provider that we do not
// write, with its own login, consent and end-session pages. Its tokens live ports.glewlwydTtlSeconds.

/** The demo pointed at Glewlwyd: the scopes it knows, and `state` on logout (it redirects back only then). */
const useGlewlwyd = (page: Page) =>
  useOtherProvider(page, { issuer: glewlwydIssuer, scope: 'openid profile email', endSessionState: true });

/** Signs in at Glewlwyd's own pages: username and password, then its consent page (shown once per user and client). */
async function signInAtGlewlwyd(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Log In', exact: true }).click();
  await page.waitForURL((url) => url.origin === glewlwydOrigin);
  await page.getByPlaceholder('Your username').fill('alice');
  await page.getByPlaceholder('Your password').fill('alice');
  await page.getByRole('button', { name: 'OK' }).click();
  const grant = page.getByRole('button', { name: 'Grant access' });
  const proceed = page.getByRole('button', { name: 'Continue' });
  await expect(grant.or(proceed).first()).toBeVisible();
  if (await grant.isVisible()) {
    await page.getByLabel('profile').check();
    await page.getByLabel('email').check();
    await grant.click();
  }
  await proceed.click();
  await page.waitForURL((url) => url.origin === demoOrigin);
  await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
}

/**
 * Log Out: signed out here at once, then Glewlwyd's end-session page (its Logout button), and back. The page
 * shows its Logout button before it has fetched the session's clients and the redirect; a click before that
 * answer throws inside its handler and goes nowhere, so wait for the client's name, which comes with it.
 */
async function logOutAtGlewlwyd(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Log Out', exact: true }).click();
  await page.waitForURL((url) => url.origin === glewlwydOrigin);
  await expect(page.getByText('The client Latchkey demo wishes you to close the current session')).toBeVisible();
  await page
    .locator('button', { hasText: /^\s*Logout\s*$/ })
    .first()
    .click();
  await page.waitForURL((url) => url.origin === demoOrigin);
  await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
}

test.describe('the demo against Glewlwyd, a second independent provider', () => {
  test('signs in through its login and consent pages, reloads with no provider request, and logs out back to the demo', async ({
    page,
  }) => {
    await useGlewlwyd(page);
    await page.goto('/');
    await signInAtGlewlwyd(page);
    const stored = JSON.parse((await page.evaluate(() => localStorage.getItem('latchkey:latchkey-demo'))) ?? '{}') as Record<
      string,
      unknown
    >;
    expect(stored).toMatchObject({ issuer: glewlwydIssuer, client_id: 'latchkey-demo' });
    expect(typeof stored['refresh_token']).toBe('string');
    const requests = countRequests(page, glewlwydOrigin);
    await page.reload();
    await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
    expect(requests.urls).toEqual([]);
    await logOutAtGlewlwyd(page);
    await expectNoTokens(page);
    await page.reload();
    await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
  });

  test('refreshes its short-lived tokens and stays signed in', async ({ page, context }) => {
    test.setTimeout(90_000);
    await useGlewlwyd(page);
    const refreshes = countRefreshes(context);
    await page.goto('/');
    await signInAtGlewlwyd(page);
    const firstEnd = Number(await page.locator('time[data-expires-at]').getAttribute('data-expires-at'));
    // Two refreshes at 75 % of the lifetime: each keeps the session, and the end moves on.
    await expect.poll(() => refreshes.times.length, { timeout: ports.glewlwydTtlSeconds * 3_000 }).toBeGreaterThanOrEqual(2);
    await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
    await expect
      .poll(async () => Number(await page.locator('time[data-expires-at]').getAttribute('data-expires-at')))
      .toBeGreaterThan(firstEnd);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await logOutAtGlewlwyd(page);
    await expectNoTokens(page);
  });
});
