// docs/security.md's client-side rules, checked in Chromium against an honest provider of the hostile
// server (one per test, so the recorded requests are this test's alone).
import { createHash } from 'node:crypto';
import type { Page } from '@playwright/test';
import { USER } from '../hostile/cases.ts';
import { hostileIssuer, recordedRequests, resetCase } from '../hostile/control.ts';
import { securityRow } from '../hostile/security-rows.ts';
import { expect, JWT_PATTERN, logOutOfHostile, test, useHostileProvider } from './fixtures.ts';
import { demoOrigin } from './stack.ts';

const logInButton = (page: Page) => page.getByRole('button', { name: 'Log In', exact: true });
const greeting = (page: Page) => page.getByText(`Signed in as ${USER.name}`);

async function openDemoOn(page: Page, name: string, path = '/'): Promise<void> {
  await resetCase(name);
  await useHostileProvider(page, name);
  await page.goto(path);
}

/** The sign-in transactions in the demo's sessionStorage, by `state`. */
async function transactions(page: Page): Promise<Record<string, { code_verifier: string; nonce: string; redirect_uri: string }>> {
  const entries = await page.evaluate(() => Object.entries(sessionStorage).filter(([key]) => key.startsWith('latchkey.tx.')));
  return Object.fromEntries(entries.map(([key, value]) => [key.slice('latchkey.tx.'.length), JSON.parse(value)]));
}

test.describe('client-side rules', () => {
  test(
    'the redirect_uri is the one registered URI, whatever page the sign-in starts from',
    { annotation: [securityRow('exact-redirect-uri'), securityRow('code-state-removed')] },
    async ({ page }) => {
      const name = 'client-redirect-uri';
      await openDemoOn(page, name, '/?from=home#top');
      await logInButton(page).click();
      await expect(greeting(page)).toBeVisible();
      expect(page.url(), 'code and state left the address bar').not.toMatch(/[?&](code|state|iss)=/);
      await logOutOfHostile(page, name);
      await page.goto(`/login?returnTo=${encodeURIComponent('/?second=1#sign-in')}`);
      await expect(greeting(page)).toBeVisible();
      expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/?second=1');
      const requests = await recordedRequests(name);
      const sent = requests.filter((r) => r.endpoint === 'authorize' || r.endpoint === 'token').map((r) => r.params['redirect_uri']);
      // Two authorization requests and two code exchanges, each with exactly the registered URI.
      expect(sent).toEqual(Array(4).fill(`${demoOrigin}/callback`));
      expect(requests.filter((r) => r.refusedBecause)).toEqual([]);
    },
  );

  test(
    'every sign-in has a fresh PKCE verifier (43–128 unreserved characters, S256), state and nonce, kept in sessionStorage by state and deleted on first use (with any unfinished one)',
    { annotation: [securityRow('fresh-pkce-state-nonce'), securityRow('transaction-in-session-storage')] },
    async ({ page }) => {
      const name = 'client-pkce';
      const authorize = `${hostileIssuer(name)}/authorize?`;
      const isAuthorize = (url: URL) => url.href.startsWith(authorize);
      const held: URL[] = [];
      // The provider never answers the first two attempts: their transactions stay, to be read back.
      await page.route(isAuthorize, (route) => {
        held.push(new URL(route.request().url()));
        return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>held</title>' });
      });
      for (let attempt = 1; attempt <= 2; attempt++) {
        await openDemoOn(page, name);
        await logInButton(page).click();
        await expect.poll(() => held.length).toBe(attempt);
        await page.waitForURL(isAuthorize);
      }
      await page.goto('/');
      const stored = await transactions(page);
      const attempts = held.map((url) => {
        const q = url.searchParams;
        const tx = stored[q.get('state') ?? ''];
        expect(tx, 'the transaction is stored under its state').toBeDefined();
        return {
          state: q.get('state'),
          nonce: q.get('nonce'),
          challenge: q.get('code_challenge'),
          method: q.get('code_challenge_method'),
          tx,
        };
      });
      for (const { state, nonce, challenge, method, tx } of attempts) {
        expect(tx?.code_verifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
        expect(method).toBe('S256');
        expect(challenge).toBe(
          createHash('sha256')
            .update(tx?.code_verifier ?? '')
            .digest('base64url'),
        );
        expect(tx?.nonce).toBe(nonce);
        // 256 bits each, as oauth4webapi draws them.
        expect(state).toMatch(/^[\w-]{43,}$/);
        expect(nonce).toMatch(/^[\w-]{43,}$/);
      }
      const [first, second] = attempts;
      expect(second?.state).not.toBe(first?.state);
      expect(second?.nonce).not.toBe(first?.nonce);
      expect(second?.tx?.code_verifier).not.toBe(first?.tx?.code_verifier);
      expect(held.map((url) => url.href).filter((href) => attempts.some((a) => href.includes(a.tx?.code_verifier ?? '\0')))).toEqual([]);

      // The third attempt goes through: its transaction is used once and deleted, and so are the two
      // unfinished ones, which no redirect may complete after it.
      await page.unroute(isAuthorize);
      await logInButton(page).click();
      await expect(greeting(page)).toBeVisible();
      const third = (await recordedRequests(name)).filter((r) => r.endpoint === 'authorize').at(-1)?.params['state'] ?? '';
      expect(third).toMatch(/^[\w-]{43,}$/);
      expect(await transactions(page)).toEqual({});
    },
  );

  test(
    'no token in any URL, navigation or page: sign-in, refresh, every page, logout',
    { annotation: [securityRow('tokens-never-leak')] },
    async ({ page, context }) => {
      const name = 'client-secrets';
      const urls: string[] = [];
      context.on('request', (request) => urls.push(request.url()));
      page.on('framenavigated', (frame) => urls.push(frame.url()));
      await openDemoOn(page, name);
      await logInButton(page).click();
      await expect(greeting(page)).toBeVisible();
      // A refresh, so that rotated tokens are in play too.
      await expect
        .poll(
          async () => (await recordedRequests(name)).filter((r) => r.params['grant_type'] === 'refresh_token' && r.answer === 200).length,
          {
            timeout: 15_000,
          },
        )
        .toBe(1);
      for (const link of ['Profile', 'API', 'Home']) {
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
        await page.waitForLoadState();
        expect(await page.content(), `the ${link} page`).not.toMatch(JWT_PATTERN);
      }
      const idToken = JSON.parse((await page.evaluate(() => localStorage.getItem('latchkey:latchkey-demo'))) ?? '{}').id_token as string;
      await logOutOfHostile(page, name);
      expect(urls.length).toBeGreaterThan(10);
      // The one sanctioned exception: the ID token as id_token_hint on the end-session request (by GET,
      // RP-Initiated Logout 1.0's recommended form), and nothing else there.
      const endSession = (url: string) => URL.parse(url)?.pathname === `/${name}/end-session`;
      const hints = urls.filter(endSession).map((url) => new URL(url).searchParams.get('id_token_hint'));
      expect(hints.length).toBeGreaterThan(0);
      expect(new Set(hints)).toEqual(new Set([idToken]));
      const others = urls.filter((url) => !endSession(url));
      expect(others.filter((url) => JWT_PATTERN.test(url))).toEqual([]);
      expect(others.filter((url) => /[?&#](id_token_hint|access_token|refresh_token|id_token|code_verifier)=/.test(url))).toEqual([]);
      expect(urls.filter(endSession).filter((url) => /[?&#](access_token|refresh_token|id_token|code_verifier)=/.test(url))).toEqual([]);
    },
  );

  test(
    'a sign-in whose transaction cannot be kept (sessionStorage full) fails with a clear error before leaving the app',
    { annotation: [securityRow('throwing-store')] },
    async ({ page }) => {
      const name = 'client-storage';
      await page.addInitScript(() => {
        const setItem = Storage.prototype.setItem;
        Storage.prototype.setItem = function (this: Storage, key: string, value: string) {
          if (this === window.sessionStorage) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          setItem.call(this, key, value);
        };
      });
      await openDemoOn(page, name);
      await logInButton(page).click();
      await expect(page.getByRole('alert')).toContainText('LATCHKEY_STORAGE_UNAVAILABLE');
      await expect(logInButton(page)).toBeVisible();
      expect(new URL(page.url()).origin).toBe(demoOrigin);
      expect((await recordedRequests(name)).map((r) => r.endpoint)).not.toContain('authorize');
    },
  );
});
