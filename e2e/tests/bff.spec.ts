// BFF mode in a real Chromium: the demo's own server is the OAuth client (@latchkey/bff), the browser holds
// one HttpOnly cookie. The provider is served as 127.0.0.1, another *site* than the demo on localhost, so a
// SameSite mistake would fail here. The tests run in order on one BFF demo server they start (and restart).
import { DatabaseSync } from 'node:sqlite';
import type { BrowserContext, Page, Request } from '@playwright/test';
import { startBffDemo, type BffDemo } from './bff-demo.ts';
import { expect, JWT_PATTERN, test, logInButton, logOutButton, shownExpiry } from './fixtures.ts';
import { securityRow } from '../hostile/security-rows.ts';
import { bffDemoOrigin, bffIdpIssuer } from './stack.ts';

test.describe.configure({ mode: 'serial' });
test.use({ baseURL: bffDemoOrigin });

let demo: BffDemo;
test.beforeAll(async () => {
  demo = await startBffDemo();
});
test.afterAll(async () => {
  await demo?.stop();
});

const logIn = logInButton;
const logOut = logOutButton;

/** Signs in through the BFF: Log In → the provider (127.0.0.1) → the BFF's callback → back on the page. */
async function signIn(page: Page, username = 'alice'): Promise<void> {
  await logIn(page).click();
  await page.waitForURL((url) => url.origin === bffIdpIssuer);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(username);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(logOut(page)).toBeVisible();
}

/** The tokens the BFF holds for its sessions, read from its SQLite file (the test's view, never the page's). */
function serverTokens(): string[] {
  const db = new DatabaseSync(demo.sqlitePath, { readOnly: true });
  try {
    const rows = db.prepare('SELECT * FROM sessions').all() as Record<string, unknown>[];
    return rows.flatMap((row) => {
      const json = Object.values(row).find((value) => typeof value === 'string' && value.includes('access_token')) as string | undefined;
      if (!json) return [];
      const { stored } = (JSON.parse(json) as { tokens: { stored: Record<string, string> } }).tokens;
      return [stored['access_token'], stored['id_token'], stored['refresh_token']].filter((t): t is string => typeof t === 'string');
    });
  } finally {
    db.close();
  }
}

async function sessionCookie(context: BrowserContext) {
  return (await context.cookies(bffDemoOrigin)).find((cookie) => cookie.name.startsWith('__Host-'));
}

test.describe('BFF mode', () => {
  test(
    'the README flow: Log In, signed in as Alice Liddell, reload, Log Out, Log In — with an HttpOnly __Host- cookie',
    { annotation: [securityRow('bff-cookie')] },
    async ({ page, context }) => {
      await page.goto('/');
      await expect(page.getByTestId('session-mode')).toHaveText(/BFF/);
      await signIn(page);
      await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
      const cookie = await sessionCookie(context);
      expect(cookie, 'Chromium stored the session cookie on http://localhost').toBeDefined();
      expect(cookie).toMatchObject({
        name: '__Host-Http-latchkey',
        httpOnly: true,
        secure: true,
        sameSite: 'Lax',
        path: '/',
        domain: 'localhost',
      });
      expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      await page.reload();
      await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
      await logOut(page).click();
      await expect(logIn(page)).toBeVisible();
      await page.waitForURL((url) => url.origin === bffDemoOrigin);
      // Cleared by the logout's answer (the event stream may tell the page of the end a moment before).
      await expect.poll(() => sessionCookie(context)).toBeUndefined();
      await signIn(page);
      await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
    },
  );

  test(
    'a script in the page finds no token: storage, IndexedDB, document.cookie and every answer it can fetch',
    { annotation: [securityRow('bff-token-exposure')] },
    async ({ page }) => {
      await page.goto('/api');
      await signIn(page);
      const tokens = serverTokens();
      expect(tokens.length, 'the server holds the tokens').toBeGreaterThan(0);
      await page.getByRole('button', { name: 'Call private API', exact: true }).click();
      await expect(page.getByTestId('status').first()).toHaveText('200');
      const found = await page.evaluate(async () => {
        const parts: string[] = [
          JSON.stringify({ ...localStorage }),
          JSON.stringify({ ...sessionStorage }),
          document.cookie,
          document.documentElement.outerHTML,
        ];
        for (const { name } of await indexedDB.databases()) {
          if (!name) continue;
          const db = await new Promise<IDBDatabase>((resolve, reject) => {
            const open = indexedDB.open(name);
            open.onsuccess = () => resolve(open.result);
            open.onerror = () => reject(open.error);
          });
          for (const store of Array.from(db.objectStoreNames)) {
            const all = await new Promise<unknown[]>((resolve) => {
              const request = db.transaction(store).objectStore(store).getAll();
              request.onsuccess = () => resolve(request.result);
            });
            parts.push(JSON.stringify(all));
          }
          db.close();
        }
        const csrf = { 'X-Latchkey-CSRF': '1' };
        const answers = [
          fetch('/bff/session', { headers: csrf }),
          fetch('/bff/session', { method: 'POST', headers: csrf }),
          fetch('/config.json'),
          fetch('/'),
          fetch('/api'),
          fetch('/bff/api/demo/api/private', { headers: csrf }),
          fetch('/bff/api/demo/api/public', { headers: csrf }),
        ];
        for (const answer of await Promise.all(answers)) {
          parts.push([...answer.headers].map(([k, v]) => `${k}: ${v}`).join('\n'), await answer.text());
        }
        // The event stream's first bytes.
        const controller = new AbortController();
        const events = await fetch('/bff/events', { signal: controller.signal });
        const reader = events.body!.getReader();
        parts.push(new TextDecoder().decode((await reader.read()).value));
        controller.abort();
        return parts.join('\n');
      });
      expect(found).not.toMatch(JWT_PATTERN);
      for (const token of tokens) expect(found.includes(token), 'a token the server holds is in the page').toBe(false);
      expect(found).toContain('Alice Liddell');
    },
  );

  test('the private API through the proxy answers 200 signed in, 401 after logout', async ({ page }) => {
    await page.goto('/api');
    await signIn(page);
    await page.getByRole('button', { name: 'Call private API', exact: true }).click();
    await expect(page.getByTestId('status').first()).toHaveText('200');
    await expect(page.locator('pre').first()).toContainText('Hello alice');
    await logOut(page).click();
    await page.waitForURL((url) => url.origin === bffDemoOrigin);
    await expect(logIn(page)).toBeVisible();
    await page.goto('/api');
    await page.getByRole('button', { name: 'Call private API', exact: true }).click();
    await expect(page.getByTestId('status').first()).toHaveText('401');
  });

  test('a cross-site form POST to logout changes nothing', { annotation: [securityRow('bff-csrf')] }, async ({ page, context }) => {
    await page.goto('/');
    await signIn(page);
    const before = await sessionCookie(context);
    // A page of another site, whose form posts to the BFF's logout.
    await context.route('http://attacker.example/**', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<form id="f" method="POST" action="${bffDemoOrigin}/bff/logout"></form><script>document.getElementById('f').submit()</script>`,
      }),
    );
    const attacker = await context.newPage();
    const answer = attacker.waitForResponse(`${bffDemoOrigin}/bff/logout`);
    await attacker.goto('http://attacker.example/csrf');
    expect((await answer).status()).toBe(403);
    await attacker.close();
    expect((await sessionCookie(context))?.value).toBe(before?.value);
    await page.reload();
    await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
    const status = await page.evaluate(
      async () => (await (await fetch('/bff/session', { headers: { 'X-Latchkey-CSRF': '1' } })).json()).status,
    );
    expect(status).toBe('authenticated');
  });

  test('eight tabs stay live on one event stream, and logout in one shows Log In in the others within a second', async ({ context }) => {
    // Event streams open at any moment: a stream ends when its request finishes or fails.
    const open = new Set<Request>();
    let mostOpen = 0;
    const isStream = (request: Request) => request.url() === `${bffDemoOrigin}/bff/events`;
    context.on('request', (request) => {
      if (!isStream(request)) return;
      open.add(request);
      mostOpen = Math.max(mostOpen, open.size);
    });
    context.on('requestfinished', (request) => open.delete(request));
    context.on('requestfailed', (request) => open.delete(request));
    const first = await context.newPage();
    await first.goto('/');
    await signIn(first);
    const tabs = [first];
    for (let i = 1; i < 8; i++) {
      const tab = await context.newPage();
      await tab.goto('/');
      await expect(logOut(tab)).toBeVisible();
      tabs.push(tab);
    }
    // Every tab still gets answers (a seventh stream would have taken the last HTTP/1.1 connection).
    for (const tab of tabs) {
      const status = await tab.evaluate(async () => (await fetch('/bff/session', { headers: { 'X-Latchkey-CSRF': '1' } })).status);
      expect(status).toBe(200);
    }
    expect(open.size, 'one event stream open for the eight tabs').toBe(1);
    expect(mostOpen, 'never more than one at a time').toBe(1);
    const last = tabs[7] as Page;
    await logOut(last).click();
    const started = Date.now();
    await Promise.all(tabs.slice(0, 7).map((tab) => expect(logIn(tab)).toBeVisible({ timeout: 1000 })));
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test(
    "signing out at the provider (another app, another tab) ends the demo's session: every open tab shows Log In within a second",
    { annotation: [securityRow('bff-backchannel-logout')] },
    async ({ context }) => {
      const first = await context.newPage();
      await first.goto('/');
      await signIn(first);
      const second = await context.newPage();
      await second.goto('/api');
      await expect(logOut(second)).toBeVisible();
      // Another app's logout at the provider: its end-session page, which ends the provider's session.
      const elsewhere = await context.newPage();
      await elsewhere.goto(`${bffIdpIssuer}/session/end`);
      await expect(elsewhere.getByRole('heading', { name: 'Signed out' })).toBeVisible();
      const started = Date.now();
      await Promise.all([first, second].map((tab) => expect(logIn(tab)).toBeVisible({ timeout: 1500 })));
      expect(Date.now() - started).toBeLessThan(1500);
      const status = await first.evaluate(
        async () => (await (await fetch('/bff/session', { headers: { 'X-Latchkey-CSRF': '1' } })).json()).status,
      );
      expect(status).toBe('anonymous');
    },
  );

  test('the first server-rendered page after sign-in, and any later one, already shows Log Out and the name', async ({ page }) => {
    await page.goto('/');
    const landing = page.waitForResponse(
      (r) => r.url() === `${bffDemoOrigin}/` && r.request().resourceType() === 'document' && r.status() === 200,
    );
    await signIn(page);
    const first = await landing;
    const html = await first.text();
    expect(html).toContain('Log Out');
    expect(html).toContain('Alice Liddell');
    expect(first.headers()['cache-control']).toBe('private, no-store');
    const later = await page.goto('/api');
    const laterHtml = (await later?.text()) ?? '';
    expect(laterHtml).toContain('Log Out');
    expect(laterHtml).not.toContain('data-testid="auth-placeholder"');
    // Hydration keeps it: no flash of Log In.
    await expect(logOut(page)).toBeVisible();
  });

  test("the demo's Express server answers bad input with 400 and never serves a page as a file", async ({ request }) => {
    expect((await request.get('/%E0%A4%A.js')).status()).toBe(400);
    expect((await request.get('/%E0%A4%A')).status()).toBe(400);
    // index.csr.html would go out without its per-response CSP nonce (and without the session).
    expect((await request.get('/index.csr.html')).status()).toBe(404);
    const page = await request.get('/');
    expect(page.headers()['content-security-policy']).toMatch(/script-src 'self'; style-src 'self' 'nonce-/);
    expect(page.headers()['x-powered-by']).toBeUndefined();
  });

  test('"Stay signed in" at the warning slides the server\'s idle end (a short idle timeout, SQLite\'s throttled touch): the warning goes, the end moves', async ({
    page,
  }) => {
    await demo.stop();
    // 30 s idle: the warning at half-way, 15 s after sign-in (the throttle is then 3 s, not SQLite's minute).
    demo = await startBffDemo(demo.sqlitePath, { LATCHKEY_BFF_IDLE_SECONDS: '30' });
    try {
      await page.goto('/');
      await signIn(page);
      const end = () => shownExpiry(page);
      const before = await end();
      const stay = page.getByRole('button', { name: 'Stay signed in' }).first();
      await expect(stay).toBeVisible({ timeout: 25_000 });
      const posted = page.waitForResponse((r) => r.url().endsWith('/bff/session') && r.request().method() === 'POST');
      await stay.click();
      expect((await posted).status()).toBe(200);
      await expect.poll(end).toBeGreaterThan(before + 10_000);
      await expect(page.getByRole('button', { name: 'Stay signed in' })).toHaveCount(0);
      // The server agrees: a reload reads the moved end from it.
      await page.reload();
      await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
      expect(await end()).toBeGreaterThan(before + 10_000);
    } finally {
      await demo.stop();
      demo = await startBffDemo(demo.sqlitePath);
    }
  });

  test('a restart of the demo server keeps the user signed in (SQLite)', async ({ page }) => {
    await page.goto('/');
    await signIn(page);
    await demo.stop();
    demo = await startBffDemo(demo.sqlitePath);
    await page.reload();
    await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
    await page.goto('/api');
    await page.getByRole('button', { name: 'Call private API', exact: true }).click();
    await expect(page.getByTestId('status').first()).toHaveText('200');
  });
});
