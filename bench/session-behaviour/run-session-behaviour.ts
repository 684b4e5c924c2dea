import type { Browser, BrowserContext, Page } from '@playwright/test';
import { benchPorts, demoOrigin, idpIssuer, shortIdpIssuer } from '../stack.ts';
import { logInButton, logOutButton, recordRequests, signIn, storedExpiry, useShortLivedProvider, whenButtonShown } from './demo-driver.ts';

export interface SessionBehaviour {
  /** Requests to the provider while a signed-in page reloads, and how long until Log Out is back on screen. */
  readonly reload: { readonly providerRequests: number; readonly signedInAfterMs: number };
  /** From the session's end (no refresh token) to Log In on screen, with no input. */
  readonly expiryToLogInMs: number;
  /** Refresh-token grants sent when five tabs of one session reach the refresh instant together. */
  readonly fiveTabs: { readonly refreshRequests: number; readonly allStillSignedIn: boolean };
  /** From the Log Out click in one tab to Log In in each of the four others. */
  readonly logoutToOtherTabsMs: readonly number[];
  /** From the Log In click to Log Out on screen, through the provider's form (filled by the bench). */
  readonly login: {
    readonly totalMs: number;
    readonly callbackToSignedInMs: number;
    readonly providerRequests: number;
    readonly requests: number;
  };
}

const isProvider = (url: string) => url.startsWith(idpIssuer) || url.startsWith(shortIdpIssuer);

/** Rejects when `promise` takes longer than `ms`: a bench must end even when a goal is missed badly. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`bench: ${what} took over ${ms} ms`)), ms)),
  ]);
}

/** Runs `scenario` in a fresh browser context (its own storage and cookies), closed afterwards. */
async function inContext<T>(browser: Browser, scenario: (context: BrowserContext) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  try {
    return await scenario(context);
  } finally {
    await context.close();
  }
}

async function reload(browser: Browser): Promise<SessionBehaviour['reload']> {
  return inContext(browser, async (context) => {
    const page = await context.newPage();
    await page.goto(demoOrigin);
    await signIn(page);
    const requests = recordRequests(context);
    const started = Date.now();
    await page.reload();
    await logOutButton(page).waitFor();
    const signedInAfterMs = Date.now() - started;
    // Anything the page would still send (discovery, JWKS, a refresh) has had the time to go out.
    await page.waitForTimeout(1_500);
    return { providerRequests: requests.urls.filter(isProvider).length, signedInAfterMs };
  });
}

async function expiryToLogIn(browser: Browser): Promise<number> {
  return inContext(browser, async (context) => {
    await useShortLivedProvider(context, { refreshToken: false });
    const page = await context.newPage();
    await page.goto(demoOrigin);
    await signIn(page);
    const endAt = await storedExpiry(page);
    const shownAt = await within(benchPorts.shortTtlSeconds * 1000 + 10_000, 'Log In after expiry', whenButtonShown(page, 'Log In'));
    return shownAt - endAt;
  });
}

async function fiveTabsThenLogout(browser: Browser): Promise<Pick<SessionBehaviour, 'fiveTabs' | 'logoutToOtherTabsMs'>> {
  return inContext(browser, async (context) => {
    await useShortLivedProvider(context, { refreshToken: true });
    const first = await context.newPage();
    await first.goto(demoOrigin);
    await signIn(first);
    const tabs: Page[] = [first];
    for (let i = 1; i < 5; i++) {
      const tab = await context.newPage();
      await tab.goto(demoOrigin);
      await logOutButton(tab).waitFor();
      tabs.push(tab);
    }
    const requests = recordRequests(context);
    const ttlMs = benchPorts.shortTtlSeconds * 1000;
    // The refresh is due at 75 % of the lifetime; the next one only a lifetime later. Count in between.
    const deadline = Date.now() + ttlMs + 5_000;
    while (requests.refreshes.length === 0 && Date.now() < deadline) await first.waitForTimeout(100);
    await first.waitForTimeout(ttlMs / 4);
    const refreshRequests = requests.refreshes.length;
    const signedIn = await Promise.all(tabs.map((tab) => logOutButton(tab).isVisible()));

    // Logout: the click's instant on the first tab's clock, Log In's instant on each other tab's clock.
    const others = tabs.slice(1).map((tab) => whenButtonShown(tab, 'Log In'));
    const clicked = new Promise<number>((resolve) =>
      first.on('console', (message) => {
        const match = /^bench: clicked at (\d+)$/.exec(message.text());
        if (match) resolve(Number(match[1]));
      }),
    );
    await first.evaluate(() =>
      document.addEventListener('click', () => console.log(`bench: clicked at ${Date.now()}`), { capture: true, once: true }),
    );
    await logOutButton(first).click();
    const clickedAt = await within(5_000, 'the Log Out click', clicked);
    const shownAt = await within(10_000, 'Log In in the other tabs', Promise.all(others));
    return {
      fiveTabs: { refreshRequests, allStillSignedIn: signedIn.every(Boolean) },
      logoutToOtherTabsMs: shownAt.map((t) => t - clickedAt),
    };
  });
}

async function loginRoundTrip(browser: Browser): Promise<SessionBehaviour['login']> {
  return inContext(browser, async (context) => {
    const page = await context.newPage();
    await page.goto(demoOrigin);
    await logInButton(page).waitFor();
    const requests = recordRequests(context);
    let callbackAt = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame() && frame.url().startsWith(`${demoOrigin}/callback`)) callbackAt = Date.now();
    });
    const started = Date.now();
    await signIn(page);
    const done = Date.now();
    return {
      totalMs: done - started,
      callbackToSignedInMs: done - callbackAt,
      providerRequests: requests.urls.filter(isProvider).length,
      requests: requests.urls.length,
    };
  });
}

/**
 * Part 3: the session in Chromium against the real dev provider and the built demo: reload, expiry,
 * five tabs at the refresh instant, logout across tabs, a full sign-in.
 */
export async function runSessionBehaviour(browser: Browser): Promise<SessionBehaviour> {
  const reloadResult = await reload(browser);
  const expiryToLogInMs = await expiryToLogIn(browser);
  const tabs = await fiveTabsThenLogout(browser);
  const login = await loginRoundTrip(browser);
  return { reload: reloadResult, expiryToLogInMs, ...tabs, login };
}
