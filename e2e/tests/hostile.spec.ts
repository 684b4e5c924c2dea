// Every case of the misbehaving provider (e2e/hostile/cases.ts) against the real demo in Chromium:
// Log In, and the outcome docs/security.md's table asks for. A refusal is the specific LatchkeyError code on screen,
// Log In, no token in any storage, the DOM or the console, and no request after the bad response.
import type { Page } from '@playwright/test';
import { cases, SHORT_TTL_SECONDS, USER, type HostileCase, type Outcome, type RefusalStage } from '../hostile/cases.ts';
import { controlCase, endpoints, recordedRequests, resetCase, type Endpoint, type RecordedRequest } from '../hostile/control.ts';
import { securityRow } from '../hostile/security-rows.ts';
import type { LatchkeyErrorCode } from '../../packages/core/src/errors.ts';
import { demoOrigin } from './stack.ts';
import { expect, expectNoTokens, logOutOfHostile, test, useHostileProvider } from './fixtures.ts';

const TTL_MS = SHORT_TTL_SECONDS * 1000;
// A loop or a retry would show within this; absence cannot be awaited, only watched for a while.
const QUIET_MS = 1_500;
// At most one try and MAX_REFRESH_RETRIES (5) retries, each before the session's end.
const MAX_REFRESH_ATTEMPTS = 6;

const logInButton = (page: Page) => page.getByRole('button', { name: 'Log In', exact: true });
const logOutButton = (page: Page) => page.getByRole('button', { name: 'Log Out', exact: true });
const greeting = (page: Page) => page.getByText(`Signed in as ${USER.name}`);

const refreshes = (requests: readonly RecordedRequest[]) =>
  requests.filter((r) => r.endpoint === 'token' && r.params['grant_type'] === 'refresh_token');

function describeOutcome(outcome: Outcome): string {
  if ('signedIn' in outcome) return 'a working session';
  if ('refused' in outcome) return `refused with ${outcome.refused}`;
  if ('refusedOrSignedIn' in outcome) return `refused with ${outcome.refusedOrSignedIn} or signed in, never a crash`;
  return `the session lasts until its end with ${outcome.keptUntilEnd} shown, ${outcome.retried ? 'bounded retries' : 'never retried'}`;
}

const titleOf = (c: HostileCase) => `${c.name}: the provider ${c.does} → ${describeOutcome(c.outcome)}`;
const detailsOf = (c: HostileCase) => ({ annotation: c.rows.map(securityRow) });

/** A fresh case, and the demo pointed at it. */
async function openDemoOn(page: Page, c: HostileCase): Promise<void> {
  await resetCase(c.name);
  await useHostileProvider(page, c.name);
  await page.goto('/');
}

/** A fresh case, the demo pointed at it, Log In clicked. */
async function logInTo(page: Page, c: HostileCase): Promise<void> {
  await openDemoOn(page, c);
  await logInButton(page).click();
}

/** Waits a while and asserts the case received nothing more: no loop, no retry, no late request. */
async function expectQuiet(page: Page, name: string): Promise<RecordedRequest[]> {
  const before = await recordedRequests(name);
  await page.waitForTimeout(QUIET_MS);
  const after = await recordedRequests(name);
  expect(endpoints(after.slice(before.length)), 'no request after the outcome').toEqual([]);
  return after;
}

/** Signed in as the hostile provider's user, the session stored, every request of the client valid. */
async function expectSignedIn(page: Page, name: string): Promise<void> {
  await expect(greeting(page)).toBeVisible();
  await expect(logOutButton(page)).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(await page.evaluate(() => localStorage.getItem('latchkey:latchkey-demo'))).not.toBeNull();
  const requests = await recordedRequests(name);
  expect(requests.filter((r) => r.refusedBecause)).toEqual([]);
  expect(requests.filter((r) => r.endpoint === 'token' && r.answer === 200).length).toBeGreaterThanOrEqual(1);
}

/**
 * The refusal: the code on screen, Log In, no token anywhere, and nothing requested after the bad
 * response but what validating it needs (the JWKS, re-fetched at most once).
 */
async function expectRefused(page: Page, name: string, code: LatchkeyErrorCode, stage: RefusalStage): Promise<void> {
  await expect(page.getByRole('alert')).toContainText(code);
  await expect(logInButton(page)).toBeVisible();
  await expect(page.getByText('Signed in as')).toHaveCount(0);
  expect(new URL(page.url()).origin, 'back on the demo, not bounced to the provider').toBe(demoOrigin);
  await expectNoTokens(page);
  const requests = await expectQuiet(page, name);
  // The client's own requests were all valid (PKCE, redirect_uri, single use): the provider broke, not we.
  expect(requests.filter((r) => r.refusedBecause)).toEqual([]);
  const seen = endpoints(requests);
  const nothingAfter = (last: (r: RecordedRequest) => boolean, but: Endpoint, message: string) =>
    expect(
      endpoints(requests.slice(requests.findLastIndex(last) + 1)).filter((e) => e !== but),
      message,
    ).toEqual([]);
  switch (stage) {
    case 'discovery':
      expect(seen.length).toBeGreaterThanOrEqual(1);
      expect(
        seen.filter((e) => e !== 'discovery'),
        'nothing but discovery',
      ).toEqual([]);
      break;
    case 'authorization-response':
      expect(seen).toContain('authorize');
      nothingAfter((r) => r.endpoint === 'authorize', 'discovery', 'no token request after the redirect back');
      break;
    case 'token-response':
      expect(
        seen.filter((e) => e === 'token'),
        'one code exchange, never retried',
      ).toHaveLength(1);
      nothingAfter((r) => r.endpoint === 'token', 'jwks', 'nothing after the token response but the JWKS');
      expect(seen.filter((e) => e === 'jwks').length, 'the JWKS fetched at most twice').toBeLessThanOrEqual(2);
      break;
    case 'refresh':
      expect(refreshes(requests), 'one refresh, no loop').toHaveLength(1);
      nothingAfter((r) => r.params['grant_type'] === 'refresh_token', 'jwks', 'nothing after the refresh response but the JWKS');
      break;
  }
}

// Whatever the provider does, the page never crashes: no uncaught error, only a LatchkeyError on screen.
test.afterEach(({ consoleMessages }) => {
  expect(consoleMessages.filter((m) => m.startsWith('pageerror'))).toEqual([]);
});

test.describe('a hostile provider, one issuer per case', () => {
  for (const c of cases.filter((c) => c.scenario === 'login')) {
    test(titleOf(c), detailsOf(c), async ({ page }) => {
      await logInTo(page, c);
      const outcome = c.outcome;
      if ('signedIn' in outcome) return expectSignedIn(page, c.name);
      if ('refused' in outcome) return expectRefused(page, c.name, outcome.refused, outcome.at);
      if ('refusedOrSignedIn' in outcome) {
        await expect(page.getByRole('alert').or(greeting(page))).toBeVisible();
        if (await greeting(page).isVisible()) return expectSignedIn(page, c.name);
        return expectRefused(page, c.name, outcome.refusedOrSignedIn, 'token-response');
      }
      throw new Error(`${c.name}: a login case cannot expect ${describeOutcome(outcome)}`);
    });
  }

  for (const c of cases.filter((c) => c.scenario === 'refresh')) {
    test(titleOf(c), detailsOf(c), async ({ page }) => {
      await logInTo(page, c);
      await expectSignedIn(page, c.name);
      const signedInAt = Date.now();
      // The first refresh, at 75 % of the lifetime, meets the broken behaviour.
      await expect
        .poll(async () => refreshes(await recordedRequests(c.name)).length, { timeout: TTL_MS + 5_000 })
        .toBeGreaterThanOrEqual(1);
      const outcome = c.outcome;
      if ('refused' in outcome) return expectRefused(page, c.name, outcome.refused, outcome.at);
      if (!('keptUntilEnd' in outcome)) throw new Error(`${c.name}: a refresh case cannot expect ${describeOutcome(outcome)}`);
      // The failed refresh does not end the session: it stays until its end, then ends by itself.
      await expect(greeting(page)).toBeVisible();
      await expect(logInButton(page)).toBeVisible({ timeout: TTL_MS + 5_000 });
      expect(Date.now() - signedInAt, 'the session ended on time').toBeLessThan(TTL_MS + 3_000);
      expect(Date.now() - signedInAt, 'the session lasted until its end').toBeGreaterThan(TTL_MS - 1_500);
      await expect(page.getByRole('alert')).toContainText(outcome.keptUntilEnd);
      await expectNoTokens(page);
      const attempts = refreshes(await expectQuiet(page, c.name));
      if (outcome.retried) {
        expect(attempts.length, 'retried').toBeGreaterThanOrEqual(2);
        expect(attempts.length, 'bounded').toBeLessThanOrEqual(MAX_REFRESH_ATTEMPTS);
      } else {
        expect(attempts, 'never retried').toHaveLength(1);
      }
    });
  }
});

test.describe('a hostile provider over more than one sign-in, or going down', () => {
  const named = (name: string) => cases.find((c) => c.name === name) as HostileCase;

  const replayed = named('state-replayed');
  test(titleOf(replayed), detailsOf(replayed), async ({ page }) => {
    await logInTo(page, replayed);
    await expectSignedIn(page, replayed.name);
    await logOutOfHostile(page, replayed.name);
    // The second sign-in comes back with the first one's state, whose transaction was used up.
    await logInButton(page).click();
    await expectRefused(page, replayed.name, 'LATCHKEY_STATE_MISMATCH', 'authorization-response');
    expect(
      endpoints(await recordedRequests(replayed.name)).filter((e) => e === 'token'),
      'only the first sign-in',
    ).toHaveLength(1);
  });

  const rotation = named('key-rotation');
  test(titleOf(rotation), detailsOf(rotation), async ({ page }) => {
    const jwksFetches = async () => endpoints(await recordedRequests(rotation.name)).filter((e) => e === 'jwks').length;
    await logInTo(page, rotation);
    await expectSignedIn(page, rotation.name);
    expect(await jwksFetches()).toBe(1);
    // Rotated while this page holds the old key set: the refreshed ID token has a kid it has never seen.
    await controlCase(rotation.name, { rotateKey: true });
    await expect
      .poll(async () => refreshes(await recordedRequests(rotation.name)).filter((r) => r.answer === 200).length, {
        timeout: TTL_MS + 5_000,
      })
      .toBe(1);
    await expect(greeting(page)).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
    expect(await jwksFetches(), 'one re-fetch for the unknown kid').toBe(2);
    // A second sign-in in the same page, against the rotated key.
    await logOutOfHostile(page, rotation.name);
    await logInButton(page).click();
    await expectSignedIn(page, rotation.name);
    expect(await jwksFetches()).toBe(3);
  });

  const down = named('provider-down-no-session');
  test(titleOf(down), detailsOf(down), async ({ page }) => {
    await openDemoOn(page, down);
    await controlCase(down.name, { down: true });
    await logInButton(page).click();
    await expect(page.getByRole('alert')).toContainText(/sign-in is unavailable/i);
    await expectRefused(page, down.name, 'LATCHKEY_PROVIDER_UNREACHABLE', 'discovery');
    // Back up: the same Log In button works, no reload needed.
    await controlCase(down.name, { down: false });
    await logInButton(page).click();
    await expectSignedIn(page, down.name);
  });

  const downStored = named('provider-down-stored-session');
  test(titleOf(downStored), detailsOf(downStored), async ({ page }) => {
    await logInTo(page, downStored);
    await expectSignedIn(page, downStored.name);
    const signedInAt = Date.now();
    await controlCase(downStored.name, { down: true });
    const before = (await recordedRequests(downStored.name)).length;
    await page.reload();
    await expect(greeting(page)).toBeVisible();
    expect((await recordedRequests(downStored.name)).slice(before), 'a reload asks the provider nothing').toEqual([]);
    // The refresh meets no provider (its discovery first, after the reload): retried, bounded; the
    // session usable until its end, then over.
    const attempts = async () => (await recordedRequests(downStored.name)).slice(before);
    await expect.poll(async () => (await attempts()).length, { timeout: TTL_MS + 5_000 }).toBeGreaterThanOrEqual(1);
    await expect(greeting(page)).toBeVisible();
    await expect(logInButton(page)).toBeVisible({ timeout: TTL_MS + 5_000 });
    expect(Date.now() - signedInAt, 'the session ended on time').toBeLessThan(TTL_MS + 3_000);
    expect(Date.now() - signedInAt, 'the session lasted until its end').toBeGreaterThan(TTL_MS - 1_500);
    await expect(page.getByRole('alert')).toContainText('LATCHKEY_PROVIDER_UNREACHABLE');
    await expectNoTokens(page);
    await expectQuiet(page, downStored.name);
    const tried = endpoints(await attempts());
    expect(tried.length, 'retried').toBeGreaterThanOrEqual(2);
    expect(tried.length, 'bounded').toBeLessThanOrEqual(MAX_REFRESH_ATTEMPTS);
    expect(
      tried.filter((e) => e !== 'discovery' && e !== 'token'),
      'only refresh attempts',
    ).toEqual([]);
  });
});
