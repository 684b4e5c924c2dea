import {
  captureCallback,
  countRequests,
  expect,
  expectNoTokens,
  fillProviderLogin,
  logOut,
  signIn,
  storageDump,
  test,
} from './fixtures.ts';
import { demoOrigin, idpIssuer, ports, shortIdpIssuer } from './stack.ts';

test.describe("the tutorial's session flow", () => {
  test('logging in as alice shows Log Out and "Signed in as Alice Liddell"', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('link', { name: 'Latchkey' })).toBeVisible();
    await signIn(page);
    await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
    await expect(page.getByText(/Your session expires at/)).toBeVisible();
    await expect(page).toHaveURL('/');
    // The session is stored once, as Latchkey's record, never as raw token keys.
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual(['latchkey:latchkey-demo']);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  test('a reload stays signed in and makes no request to the provider', async ({ page }) => {
    await page.goto('/');
    await signIn(page);
    const requests = countRequests(page);
    await page.reload();
    await expect(page.getByRole('button', { name: 'Log Out', exact: true })).toBeVisible();
    await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
    expect(requests.urls).toEqual([]);
  });

  test('Log Out shows Log In and leaves no token in localStorage or sessionStorage', async ({ page }) => {
    await page.goto('/');
    await signIn(page);
    await logOut(page);
    await expect(page.getByText('Signed in as')).toHaveCount(0);
    await expectNoTokens(page);
    await page.reload();
    await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
  });

  test('Log Out ends the provider session by GET with id_token_hint, and comes back to Log In with no confirmation screen', async ({
    page,
  }) => {
    await page.goto('/');
    await signIn(page);
    const idToken = JSON.parse((await page.evaluate(() => localStorage.getItem('latchkey:latchkey-demo'))) ?? '{}').id_token;
    const endSession = page.waitForRequest((request) => request.url().startsWith(`${idpIssuer}/session/end?`));
    const confirmations: string[] = [];
    page.on('framenavigated', async (frame) => {
      if (frame === page.mainFrame() && frame.url().startsWith(idpIssuer)) confirmations.push(await page.content().catch(() => ''));
    });
    await page.getByRole('button', { name: 'Log Out', exact: true }).click();
    const request = await endSession;
    expect(request.method()).toBe('GET');
    expect(Object.fromEntries(new URL(request.url()).searchParams)).toEqual({
      id_token_hint: idToken,
      client_id: 'latchkey-demo',
      post_logout_redirect_uri: `${demoOrigin}/`,
    });
    // Nothing to click at the provider: the browser comes straight back.
    await page.waitForURL((url) => url.origin === demoOrigin);
    await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
    expect(confirmations.join('')).not.toMatch(/Do you want|confirm/i);
    await expectNoTokens(page);
  });

  test('Log Out with an ID token the provider can no longer verify (its keys changed) signs out and ends on a clear provider page', async ({
    page,
  }) => {
    await page.goto('/');
    await signIn(page);
    // As after a restart of the dev provider (new signing keys): the stored ID token's signature no longer verifies.
    await page.evaluate(() => {
      const key = 'latchkey:latchkey-demo';
      const stored = JSON.parse(localStorage.getItem(key) ?? '{}') as { id_token: string };
      const [header, payload] = stored.id_token.split('.');
      localStorage.setItem(key, JSON.stringify({ ...stored, id_token: `${header}.${payload}.c2lnbmVkLWVsc2V3aGVyZQ` }));
    });
    await page.reload();
    await page.getByRole('button', { name: 'Log Out', exact: true }).click();
    await page.waitForURL((url) => url.origin === idpIssuer);
    await expect(page.getByRole('heading', { name: 'Signed out of the app' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('id_token_hint');
    expect(await page.content()).not.toMatch(/\n\s+at [\w.<>]+ \(/);
    await page.getByRole('link', { name: 'Back to the app' }).click();
    await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
    await expectNoTokens(page);
  });

  test("a wrong password gets the provider's message, and the demo stays signed out", async ({ page }) => {
    await page.goto('/');
    await page.getByRole('button', { name: 'Log In', exact: true }).click();
    await fillProviderLogin(page, 'alice', 'not-her-password');
    await expect(page.getByRole('alert')).toHaveText('Wrong username or password. Try again.');
    await expect(page.getByText('development-only accounts', { exact: false })).toBeVisible();
    await page.goto('/');
    await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
    await expectNoTokens(page);
  });

  test('a callback with a tampered state is refused with a clear error, nothing stored', async ({ page }) => {
    await page.goto('/');
    const callback = new URL(await captureCallback(page));
    callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    await page.goto(callback.href);
    await expect(page.getByRole('alert')).toContainText('LATCHKEY_STATE_MISMATCH');
    await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
    await expect(page).toHaveURL('/');
    await expectNoTokens(page);
  });

  test('the same callback URL opened twice: the second is refused with a clear error, nothing stored', async ({ page, browser }) => {
    await page.goto('/');
    const callback = await captureCallback(page);
    await page.goto(callback);
    await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
    await logOut(page);

    await page.goto(callback);
    await expect(page.getByRole('alert')).toContainText('LATCHKEY_STATE_MISMATCH');
    await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
    await expectNoTokens(page);

    // Replayed in another browser, where no sign-in was started: the same refusal.
    const other = await browser.newPage();
    await other.goto(callback);
    await expect(other.getByRole('alert')).toContainText('LATCHKEY_STATE_MISMATCH');
    await expectNoTokens(other);
    await other.close();
  });

  test('cancelling at the provider (error=access_denied) shows a clear message, signed out, no loop', async ({ page }) => {
    await page.goto('/');
    const requests = countRequests(page);
    await page.getByRole('button', { name: 'Log In', exact: true }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('alert')).toContainText('LATCHKEY_ACCESS_DENIED');
    await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
    await expect(page).toHaveURL('/');
    const afterError = requests.count;
    await page.waitForTimeout(1_500);
    expect(requests.count, 'no redirect back to the provider').toBe(afterError);
    await expectNoTokens(page);
  });

  test('the callback removes code and state from the address bar and the history', async ({ page }) => {
    await page.goto('/');
    await signIn(page);
    expect(page.url()).not.toMatch(/code=|state=/);
    // Every entry of this tab's history, as the browser keeps it (the Back menu, session restore).
    const cdp = await page.context().newCDPSession(page);
    const { entries } = (await cdp.send('Page.getNavigationHistory')) as { entries: { url: string }[] };
    const app = new URL(page.url()).origin;
    const appEntries = entries.map((e) => new URL(e.url)).filter((url) => url.origin === app);
    // The page the sign-in started on, and the redirect back (now the page the user returned to).
    expect(appEntries.length, entries.map((e) => e.url).join(' ')).toBeGreaterThanOrEqual(2);
    for (const url of appEntries) expect(url.search, `history entry ${url.pathname}`).not.toMatch(/code=|state=|iss=/);
    await page.goBack();
    expect(page.url()).not.toMatch(/code=|state=/);
  });
});

test.describe('expiry', () => {
  test('a token that expires while the page is open flips the page to Log In by itself', async ({ page }) => {
    // The demo without offline_access, against the provider whose tokens live a few seconds.
    await page.route('**/config.json', (route) =>
      route.fulfill({ json: { issuer: shortIdpIssuer, clientId: 'latchkey-demo', scope: 'openid profile email', dpop: true } }),
    );
    await page.goto('/');
    await signIn(page);
    const expiresText = await page.locator('time[datetime]').getAttribute('datetime');
    expect(expiresText).toBeTruthy();
    const signedInAt = Date.now();
    await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible({ timeout: (ports.shortTtlSeconds + 5) * 1000 });
    const elapsedMs = Date.now() - signedInAt;
    expect(elapsedMs).toBeLessThan((ports.shortTtlSeconds + 2) * 1000);
    expect(elapsedMs, 'the session lasted until its end').toBeGreaterThan((ports.shortTtlSeconds - 2) * 1000);
    await expect(page.getByText('Signed in as')).toHaveCount(0);
    expect(await storageDump(page)).not.toContain('latchkey:latchkey-demo"');
  });
});
