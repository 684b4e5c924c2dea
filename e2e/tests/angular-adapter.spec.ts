import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, fillProviderLogin, logOut, patchConfig, signedInTabs, signIn, test } from './fixtures.ts';
import { apiOrigin, demoOrigin, idpIssuer } from './stack.ts';

test.describe('the Angular adapter in the demo', () => {
  test('the guard sends a signed-out user to sign in and lands back on the page asked for', async ({ page }) => {
    await page.goto('/profile');
    await fillProviderLogin(page, 'alice', 'alice');
    await expect(page.getByRole('heading', { name: 'Profile' })).toBeVisible();
    await expect(page).toHaveURL(`${demoOrigin}/profile`);
    await expect(page.getByRole('row', { name: /email alice@example\.com/ })).toBeVisible();
  });

  test('a guarded page is left for Home when the session ends in another tab', async ({ context }) => {
    const a = await context.newPage();
    await a.goto('/profile');
    await fillProviderLogin(a, 'alice', 'alice');
    await expect(a.getByRole('heading', { name: 'Profile' })).toBeVisible();
    const b = await context.newPage();
    await b.goto('/');
    await logOut(b);
    await expect(a).toHaveURL(`${demoOrigin}/`);
    await expect(a.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
    await expect(a.getByRole('heading', { name: 'Profile' })).toHaveCount(0);
  });

  test('the private API answers with the token and 401 without; no other origin gets the token', async ({ page }) => {
    const authorized: string[] = [];
    page.on('request', (request) => {
      if (request.headers()['authorization']) authorized.push(new URL(request.url()).origin);
    });
    await page.goto('/');
    await signIn(page);
    await page.getByRole('link', { name: 'API' }).click();
    await page.getByRole('button', { name: 'Call private API', exact: true }).click();
    await expect(page.getByRole('heading', { name: /^Private endpoint — 200$/ })).toBeVisible();
    await page.getByRole('button', { name: 'Call private API without a token' }).click();
    await expect(page.getByRole('heading', { name: /^Private endpoint, no token — 401$/ })).toBeVisible();
    await expect(page.getByText('WWW-Authenticate: Bearer')).toBeVisible();
    await page.getByRole('button', { name: 'Call another origin' }).click();
    await expect(page.getByRole('heading', { name: /Another origin .* — 200$/ })).toBeVisible();
    expect([...new Set(authorized)]).toEqual([apiOrigin]);
  });

  test('signed out, the private API answers 401', async ({ page }) => {
    await page.goto('/api');
    await page.getByRole('button', { name: 'Call private API', exact: true }).click();
    await expect(page.getByRole('heading', { name: /^Private endpoint — 401$/ })).toBeVisible();
  });

  test('idle in every tab: the warning shows in both, Stay signed in keeps both, then both sign out', async ({ context }) => {
    test.setTimeout(90_000);
    await patchConfig(context, { idle: { minutes: 0.2, warnSeconds: 6 } });
    const [a, b] = (await signedInTabs(context, 2)) as [Page, Page];
    // 12 s without activity: a warning 6 s before, in both tabs.
    for (const page of [a, b]) await expect(page.getByTestId('idle-warning')).toBeVisible({ timeout: 12_000 });
    await b.getByRole('button', { name: 'Stay signed in' }).click();
    for (const page of [a, b]) await expect(page.getByTestId('idle-warning')).toBeHidden({ timeout: 2_000 });
    // Activity in one tab keeps the other alive.
    for (let i = 0; i < 4; i++) {
      await a.mouse.move(100 + i * 10, 100);
      await a.waitForTimeout(2_500);
    }
    await expect(b.getByTestId('idle-warning')).toBeHidden();
    // Then nobody moves: both tabs are signed out.
    for (const page of [a, b]) await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible({ timeout: 20_000 });
    expect(await a.evaluate(() => localStorage.getItem('latchkey:latchkey-demo'))).toBeNull();
  });

  test('the session panel counts down', async ({ page }) => {
    await page.goto('/');
    await signIn(page);
    const countdown = page.getByTestId('countdown');
    const first = await countdown.textContent();
    await expect(countdown).not.toHaveText(first ?? '', { timeout: 3_000 });
    await expect(page.getByTestId('session-status')).toHaveText('authenticated');
    await expect(page.getByTestId('events')).toContainText('signed in: Alice Liddell');
  });

  test('the page is served with a strict Content-Security-Policy', async ({ page }) => {
    const response = await page.goto('/');
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(new RegExp(`connect-src 'self' ${idpIssuer} ${apiOrigin}`));
  });

  test('every HTML response carries the policy: a built .html file is never served as is', async ({ request }) => {
    for (const path of ['/', '/profile', '/index.csr.html', '/index.html', '/no-such-page']) {
      const response = await request.get(path);
      const type = response.headers()['content-type'] ?? '';
      const csp = response.headers()['content-security-policy'] ?? '';
      if (type.startsWith('text/html')) expect(csp, path).toContain("frame-ancestors 'none'");
      else expect(response.status(), path).toBe(404);
    }
    // The built client shell exists, and is only ever reached through the render path.
    expect(existsSync(fileURLToPath(new URL('../../dist/demo/browser/index.csr.html', import.meta.url)))).toBe(true);
    expect((await request.get('/index.csr.html')).status()).toBe(404);
  });
});

test.describe('server-side rendering', () => {
  test('the server renders a neutral placeholder where the button goes, never a guess', async ({ request }) => {
    const response = await request.get('/');
    expect(response.status()).toBe(200);
    const html = await response.text();
    expect(html).toContain('ng-server-context="ssr"');
    expect(html).toContain('data-testid="auth-placeholder"');
    expect(html).not.toMatch(/>\s*Log (In|Out)\s*</);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>/);
  });

  test('guarded routes and /callback render on the client', async ({ request }) => {
    for (const path of ['/profile', '/callback?code=x&state=y']) {
      const html = await (await request.get(path)).text();
      expect(html, path).not.toContain('ng-server-context="ssr"');
      expect(html, path).toContain('<app-root');
    }
  });

  for (const signedIn of [true, false]) {
    test(`hydration shows the right button and never the wrong one (${signedIn ? 'signed in' : 'signed out'})`, async ({ page }) => {
      await page.goto('/');
      if (signedIn) await signIn(page);
      // Every button text the page ever shows, from the first byte to settled.
      await page.addInitScript(() => {
        const seen: string[] = ((window as unknown as { __buttons: string[] }).__buttons = []);
        new MutationObserver(() => {
          for (const button of document.querySelectorAll('header button')) seen.push(button.textContent?.trim() ?? '');
        }).observe(document, { subtree: true, childList: true, characterData: true });
      });
      await page.reload();
      const right = signedIn ? 'Log Out' : 'Log In';
      await expect(page.getByRole('button', { name: right, exact: true })).toBeVisible();
      await page.waitForTimeout(500);
      const seen = await page.evaluate(() => (window as unknown as { __buttons: string[] }).__buttons);
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen)).toEqual(new Set([right]));
    });
  }
});
