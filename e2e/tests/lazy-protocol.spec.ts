import type { Page } from '@playwright/test';
import { expect, patchConfig, signIn, test } from './fixtures.ts';
import { apiOrigin } from './stack.ts';

// The part of Latchkey that talks to the provider (oauth4webapi and the sign-in, refresh and logout
// flows) is a chunk of its own in the demo's production build, loaded on first use. It is found by
// what is in it: oauth4webapi's user agent string, which no other chunk carries.
const PROTOCOL_MARKER = 'oauth4webapi/';

/** Watches every script the page loads from now on; `protocol` lists those that carry the protocol. */
function watchScripts(page: Page) {
  const loaded: { url: string; at: number; protocol: boolean }[] = [];
  page.on('response', async (response) => {
    if (response.request().resourceType() !== 'script' || !response.ok()) return;
    const body = await response.text().catch(() => '');
    loaded.push({ url: response.url(), at: Date.now(), protocol: body.includes(PROTOCOL_MARKER) });
  });
  return {
    get all() {
      return loaded;
    },
    get protocol() {
      return loaded.filter((s) => s.protocol);
    },
  };
}

/** Answers the protocol chunk with 404 from now on, as a server does for an old build's chunk after a deploy. */
async function protocolChunkGone(page: Page): Promise<string[]> {
  const refused: string[] = [];
  await page.route(/\.js(\?|$)/, async (route) => {
    const response = await route.fetch();
    const body = await response.text();
    if (!body.includes(PROTOCOL_MARKER)) return route.fulfill({ response, body });
    refused.push(route.request().url());
    return route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not found' });
  });
  return refused;
}

/**
 * Signed in (preloading off, `patch` on the demo's config), then the protocol chunk gone (404, as after a
 * deploy), on the API page, still signed in. Returns the chunk URLs refused, as {@link protocolChunkGone}.
 */
async function signedInWithoutTheChunk(page: Page, patch: Record<string, unknown>): Promise<string[]> {
  await patchConfig(page, { preloadProtocol: false, ...patch });
  await page.goto('/');
  await signIn(page);
  const refused = await protocolChunkGone(page);
  await page.goto('/api');
  await expect(page.getByRole('button', { name: 'Log Out', exact: true })).toBeVisible();
  return refused;
}

test.describe('the protocol, loaded on first use', () => {
  test('with preloading off, a signed-in reload loads no protocol: not before the first render, not within 2 s of load', async ({
    page,
  }) => {
    await patchConfig(page, { preloadProtocol: false });
    await page.goto('/');
    await signIn(page);
    const scripts = watchScripts(page);
    await page.reload({ waitUntil: 'load' });
    await expect(page.getByText('Signed in as Alice Liddell')).toBeVisible();
    expect(scripts.all.length).toBeGreaterThan(0);
    expect(scripts.protocol, 'the protocol chunk before the first render').toEqual([]);
    await page.waitForTimeout(2_000);
    expect(scripts.protocol, 'the protocol chunk within 2 s of load').toEqual([]);
    // The page's own scripts carry none of it: the split is real.
    expect(scripts.all.every((s) => !s.protocol)).toBe(true);
  });

  test('with preloading off, a signed-out page loads it only when Log In is clicked', async ({ page }) => {
    await patchConfig(page, { preloadProtocol: false });
    const scripts = watchScripts(page);
    await page.goto('/', { waitUntil: 'load' });
    await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
    await page.waitForTimeout(2_000);
    expect(scripts.protocol).toEqual([]);
    const clickedAt = Date.now();
    await signIn(page);
    // Loaded for the sign-in (and again on the page the provider sends the browser back to).
    expect(scripts.protocol.length).toBeGreaterThan(0);
    expect(scripts.protocol[0]?.at).toBeGreaterThanOrEqual(clickedAt);
  });

  test('with preloading on (the default), the page loads it once idle, before anything needs it', async ({ page }) => {
    const scripts = watchScripts(page);
    await page.goto('/', { waitUntil: 'load' });
    await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
    await expect.poll(() => scripts.protocol.length, { timeout: 8_000 }).toBe(1);
  });

  test('a protocol chunk that answers 404 (a deploy since the page opened) is LATCHKEY_CHUNK_LOAD_FAILED, and the user stays signed in', async ({
    page,
  }) => {
    // Bearer tokens: an API call needs the chunk only to refresh (a DPoP proof needs it for every call: below).
    const refused = await signedInWithoutTheChunk(page, { clientId: 'latchkey-demo-bearer', dpop: false });
    // The API refuses the token once: the interceptor asks the session for a fresh one, which needs the protocol.
    let refusals = 0;
    await page.route(`${apiOrigin}/api/private`, async (route) => {
      if (route.request().method() !== 'GET' || refusals++ > 0) return route.fallback();
      const response = await route.fetch();
      await route.fulfill({ response, status: 401, body: '{"error":"invalid_token"}' });
    });
    await page.getByRole('button', { name: 'Call private API', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'LATCHKEY_CHUNK_LOAD_FAILED' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText(/reload/i);
    expect(refused.length).toBeGreaterThan(0);
    // Still signed in, with the session kept; the retried call went out with the token it has.
    await expect(page.getByRole('button', { name: 'Log Out', exact: true })).toBeVisible();
    await expect(page.getByRole('heading', { name: /^Private endpoint — 200$/ })).toBeVisible();
    expect(await page.evaluate(() => localStorage.getItem('latchkey:latchkey-demo-bearer'))).toContain('"v":1');
    // A reload (what the message says) brings the session back, chunk and all.
    await page.unroute(/\.js(\?|$)/);
    await page.reload();
    await expect(page.getByText('Signed in as Alice Liddell').or(page.getByRole('button', { name: 'Log Out', exact: true }))).toBeVisible();
  });

  test('with DPoP, an API call after the chunk is gone goes without a token (no proof can be made): LATCHKEY_CHUNK_LOAD_FAILED, still signed in', async ({
    page,
  }) => {
    const refused = await signedInWithoutTheChunk(page, {});
    const sent: (string | undefined)[] = [];
    page.on('request', (request) => {
      if (request.url() === `${apiOrigin}/api/private` && request.method() === 'GET') sent.push(request.headers()['authorization']);
    });
    await page.getByRole('button', { name: 'Call private API', exact: true }).click();
    await expect(page.getByRole('heading', { name: /^Private endpoint — 401$/ })).toBeVisible();
    await expect(page.getByRole('alert').filter({ hasText: 'LATCHKEY_CHUNK_LOAD_FAILED' })).toBeVisible();
    expect(refused.length).toBeGreaterThan(0);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((header) => header === undefined)).toBe(true);
    await expect(page.getByRole('button', { name: 'Log Out', exact: true })).toBeVisible();
    // A reload brings the chunk back, and the call goes with its proof.
    await page.unroute(/\.js(\?|$)/);
    await page.reload();
    await page.getByRole('button', { name: 'Call private API', exact: true }).click();
    await expect(page.getByRole('heading', { name: /^Private endpoint — 200$/ })).toBeVisible();
  });
});
