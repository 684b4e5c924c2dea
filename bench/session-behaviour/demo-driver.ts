import type { BrowserContext, Page } from '@playwright/test';
import { demoOrigin, shortIdpIssuer } from '../stack.ts';

const STORE_KEY = 'latchkey:latchkey-demo';

/** The demo's own buttons, named exactly as the app names them. */
export const logInButton = (page: Page) => page.getByRole('button', { name: 'Log In', exact: true });
export const logOutButton = (page: Page) => page.getByRole('button', { name: 'Log Out', exact: true });

/** Signs in from the demo's Log In button through the dev provider's sign-in form. */
export async function signIn(page: Page, username = 'alice'): Promise<void> {
  await logInButton(page).click();
  await page.waitForURL((url) => url.origin !== demoOrigin);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(username);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await logOutButton(page).waitFor();
}

/** Points the demo (its run-time /config.json) at the provider whose tokens live a few seconds. */
export async function useShortLivedProvider(context: BrowserContext, options: { refreshToken: boolean }): Promise<void> {
  const scope = options.refreshToken ? 'openid profile email offline_access' : 'openid profile email';
  await context.route(`${demoOrigin}/config.json`, (route) =>
    route.fulfill({ json: { issuer: shortIdpIssuer, clientId: 'latchkey-demo', scope, endSessionMethod: 'GET', dpop: true } }),
  );
}

/** The page's clock when a button named `name` is next on screen (resolves at once if it already is). */
export function whenButtonShown(page: Page, name: string): Promise<number> {
  return page.evaluate(
    (label) =>
      new Promise<number>((resolve) => {
        const shown = () => [...document.querySelectorAll('button')].some((b) => b.textContent?.trim() === label);
        if (shown()) return resolve(Date.now());
        const observer = new MutationObserver(() => {
          if (!shown()) return;
          observer.disconnect();
          resolve(Date.now());
        });
        observer.observe(document, { subtree: true, childList: true, characterData: true });
      }),
    name,
  );
}

/** When the stored session ends, on the page's clock (what the session's own timer aims at). */
export async function storedExpiry(page: Page): Promise<number> {
  const stored = await page.evaluate((key) => localStorage.getItem(key), STORE_KEY);
  return (JSON.parse(stored ?? '{}') as { expires_at_ms?: number }).expires_at_ms ?? Number.NaN;
}

/** Every request of every page of `context` from now on, and when each refresh-token grant was sent. */
export function recordRequests(context: BrowserContext): { readonly urls: string[]; readonly refreshes: number[] } {
  const urls: string[] = [];
  const refreshes: number[] = [];
  context.on('request', (request) => {
    urls.push(request.url());
    if (request.method() === 'POST' && request.postData()?.includes('grant_type=refresh_token')) refreshes.push(Date.now());
  });
  return { urls, refreshes };
}
