import { test as base, expect, type BrowserContext, type Frame, type Page } from '@playwright/test';
import { hostileIssuer, recordedRequests } from '../hostile/control.ts';
import { demoOrigin, idpIssuer, shortIdpIssuer } from './stack.ts';

/** A JWT, or anything shaped like one. */
export const JWT_PATTERN = /eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]*/;

interface Fixtures {
  /** Every console message of the page, checked after each test: no token, no CSP violation. */
  consoleMessages: string[];
}

export const test = base.extend<Fixtures>({
  consoleMessages: [
    async ({ context }, use) => {
      const messages: string[] = [];
      context.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
      context.on('weberror', (error) => messages.push(`pageerror: ${error.error().message}`));
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) =>
          console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`),
        );
      });
      await use(messages);
      expect(
        messages.filter((m) => JWT_PATTERN.test(m)),
        'no token in the console',
      ).toEqual([]);
      expect(
        messages.filter((m) => /CSP violation|Content Security Policy/.test(m)),
        'no CSP violation',
      ).toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

/** The demo's Log In button (the navbar's, when signed out). */
export const logInButton = (page: Page) => page.getByRole('button', { name: 'Log In', exact: true });
/** The demo's Log Out button (the navbar's, when signed in). */
export const logOutButton = (page: Page) => page.getByRole('button', { name: 'Log Out', exact: true });

/**
 * Opens `count` tabs of the demo in one browser: signs in in the first, and waits until every other
 * tab shows the shared session (Log Out).
 */
export async function signedInTabs(context: BrowserContext, count: number): Promise<Page[]> {
  const first = await context.newPage();
  await first.goto('/');
  await signIn(first);
  const tabs = [first];
  for (let i = 1; i < count; i++) {
    const tab = await context.newPage();
    await tab.goto('/');
    await expect(tab.getByRole('button', { name: 'Log Out', exact: true })).toBeVisible();
    tabs.push(tab);
  }
  return tabs;
}

/** Signs in through the real dev provider's login page, from the demo's Log In button. */
export async function signIn(page: Page, username = 'alice', password = username): Promise<void> {
  await page.getByRole('button', { name: 'Log In', exact: true }).click();
  await fillProviderLogin(page, username, password);
  await expect(page.getByRole('button', { name: 'Log Out', exact: true })).toBeVisible();
}

export async function fillProviderLogin(page: Page, username: string, password: string): Promise<void> {
  await page.waitForURL((url) => url.origin !== demoOrigin);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Clicks Log Out and follows the round trip: signed out here at once, then the provider's session is
 * ended (RP-initiated logout by GET with id_token_hint) and the browser comes back to the demo.
 */
export async function logOut(page: Page): Promise<void> {
  const visitedProvider = new Promise<void>((resolve) => {
    const onNavigated = (frame: Frame) => {
      if (frame === page.mainFrame() && frame.url().startsWith(idpIssuer)) {
        page.off('framenavigated', onNavigated);
        resolve();
      }
    };
    page.on('framenavigated', onNavigated);
  });
  await page.getByRole('button', { name: 'Log Out', exact: true }).click();
  await visitedProvider;
  await page.waitForURL((url) => url.origin === demoOrigin);
  await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
}

/** localStorage and sessionStorage of the demo's origin, as one string. */
export async function storageDump(page: Page): Promise<string> {
  return page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
}

/** Asserts that no token is in either storage, in the DOM, or anywhere Latchkey keeps a session. */
export async function expectNoTokens(page: Page): Promise<void> {
  const storage = await storageDump(page);
  expect(storage).not.toMatch(JWT_PATTERN);
  // No session record and no refresh token; a logout marker (a time) or an unfinished sign-in's
  // transaction (PKCE verifier, state, nonce: no token) may remain.
  const { local, session } = JSON.parse(storage) as { local: Record<string, string>; session: Record<string, string> };
  expect(Object.keys({ ...local, ...session }).filter((key) => /^latchkey:[^:]+(:refresh)?$/.test(key))).toEqual([]);
  expect(await page.content()).not.toMatch(JWT_PATTERN);
}

/** Counts the page's requests to a provider from now on. */
export function countRequests(page: Page, origin = idpIssuer): { readonly count: number; readonly urls: string[] } {
  const urls: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(origin)) urls.push(request.url());
  });
  return {
    get count() {
      return urls.length;
    },
    urls,
  };
}

/**
 * Signs in at the provider but keeps the browser from loading the demo's /callback: the sign-in form
 * is submitted on the browser's behalf (its cookies), its redirects followed up to the callback URL,
 * which is returned unused (for replay and tampering tests).
 */
export async function captureCallback(page: Page): Promise<string> {
  let captured = '';
  const isLoginPost = (url: URL) => url.origin === idpIssuer && /^\/interaction\/[^/]+\/login$/.test(url.pathname);
  await page.route(isLoginPost, async (route) => {
    const response = await route.fetch();
    captured = response.url();
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback captured' });
  });
  await page.getByRole('button', { name: 'Log In', exact: true }).click();
  await fillProviderLogin(page, 'alice', 'alice');
  await expect.poll(() => captured).toMatch(/\/callback\?.*code=/);
  await page.unroute(isLoginPost);
  return captured;
}

/**
 * Points the demo (through its run-time /config.json) at the provider whose tokens live a few
 * seconds, with or without a refresh token.
 */
export async function useShortLivedProvider(target: Page | BrowserContext, options: { offline: boolean }): Promise<void> {
  const scope = options.offline ? 'openid profile email offline_access' : 'openid profile email';
  await target.route(`${demoOrigin}/config.json`, (route) =>
    route.fulfill({ json: { issuer: shortIdpIssuer, clientId: 'latchkey-demo', scope, endSessionMethod: 'GET', dpop: true } }),
  );
}

/** Counts refresh-token grant requests made by every page of a context (`withProof`: those that carried a DPoP proof). */
export function countRefreshes(context: BrowserContext): {
  readonly times: number[];
  readonly log: string[];
  readonly withProof: number[];
} {
  const times: number[] = [];
  const log: string[] = [];
  const withProof: number[] = [];
  const tokens = new Map<string, number>();
  context.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/token') && request.postData()?.includes('grant_type=refresh_token')) {
      times.push(Date.now());
      if (request.headers()['dpop']) withProof.push(Date.now());
      // Which refresh token (by order of first use), never the token itself.
      const token = new URLSearchParams(request.postData() ?? '').get('refresh_token') ?? '';
      if (!tokens.has(token)) tokens.set(token, tokens.size + 1);
      log.push(`refresh token #${tokens.get(token)} from ${context.pages().indexOf(request.frame().page())}`);
    }
  });
  return { times, log, withProof };
}

/** The session's end as the demo shows it (the greeting's <time>, to the millisecond), in epoch ms. */
export async function shownExpiry(page: Page): Promise<number> {
  return Number(await page.locator('time[data-expires-at]').getAttribute('data-expires-at'));
}

/**
 * Points the demo (through its run-time /config.json) at one case of the misbehaving provider
 * (e2e/hostile), with a refresh token (offline_access) and end-session by GET. The rest of the demo's
 * configuration (its API, idle timeout) is kept as the demo server answers it.
 */
export async function useHostileProvider(target: Page | BrowserContext, name: string): Promise<void> {
  await useOtherProvider(target, { issuer: hostileIssuer(name), scope: 'openid profile email offline_access', endSessionMethod: 'GET' });
}

/**
 * Points the demo (through its run-time /config.json) at a provider other than the bundled one, for the
 * `latchkey-demo` client; the rest of the demo's configuration (its API, idle timeout) is kept. The
 * audience and DPoP are the bundled provider's business: other providers know no resource indicators.
 */
export async function useOtherProvider(target: Page | BrowserContext, patch: Record<string, unknown> & { issuer: string }): Promise<void> {
  await target.route(`${demoOrigin}/config.json`, async (route) => {
    const response = await route.fetch();
    // The bundled provider's business too: DPoP (other providers answer proofs with Bearer tokens, or fail them).
    const {
      audience: _audience,
      audienceParameter: _parameter,
      dpop: _dpop,
      ...config
    } = (await response.json()) as Record<string, unknown>;
    await route.fulfill({ response, json: { ...config, clientId: 'latchkey-demo', ...patch } });
  });
}

/**
 * Clicks Log Out with the demo on a hostile-provider case and follows the round trip: signed out here
 * at once, then the provider's end-session endpoint (by GET, which redirects at once) and back.
 */
export async function logOutOfHostile(page: Page, name: string): Promise<void> {
  const endSessions = async () => (await recordedRequests(name)).filter((r) => r.endpoint === 'end-session').length;
  const before = await endSessions();
  await page.getByRole('button', { name: 'Log Out', exact: true }).click();
  await expect.poll(endSessions).toBe(before + 1);
  await page.waitForURL((url) => url.origin === demoOrigin);
  await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
}

/** Serves the real /config.json with `patch` applied (e.g. a short idle timeout), for every page of `target`. */
export async function patchConfig(target: Page | BrowserContext, patch: Record<string, unknown>): Promise<void> {
  await target.route(`${demoOrigin}/config.json`, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), ...patch } });
  });
}
