import { createHash, randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startApi, type Api } from '../../apps/api/src/api.ts';
import { demoConfigFromEnv } from '../../apps/demo/server/demo-config.ts';
import { startIdp, type Idp } from '../../apps/idp/src/idp.ts';
import { securityRow } from '../hostile/security-rows.ts';
import { expect, fillProviderLogin, logOut, patchConfig, signIn, test } from './fixtures.ts';
import { apiOrigin, demoOrigin, idpIssuer, nonceApiOrigin, nonceIdpIssuer, ports } from './stack.ts';

// DPoP in browser mode (RFC 9449): Chromium, the real dev provider (oidc-provider, whose demo client
// requires DPoP-bound tokens), the real demo and the demo API, which verifies DPoP proofs.

const KEY = 'latchkey:latchkey-demo';

interface Loot {
  access_token: string;
  refresh_token: string;
  dpop_jkt: string;
}

/** What an XSS payload can read: the stored session (tokens and the key's thumbprint). */
async function stealTokens(page: Page): Promise<Loot> {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '{}') as Loot, KEY);
}

/** The stored key pair as a script in the page finds it in IndexedDB, and what exporting it gives. */
async function inspectStoredKey(page: Page): Promise<{ keys: number; extractable?: boolean; exports?: string[] }> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('latchkey');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      if (!db.objectStoreNames.contains('dpop-keys')) return { keys: 0 };
      const all = await new Promise<CryptoKeyPair[]>((resolve, reject) => {
        const request = db.transaction('dpop-keys').objectStore('dpop-keys').getAll();
        request.onsuccess = () => resolve(request.result as CryptoKeyPair[]);
        request.onerror = () => reject(request.error);
      });
      const pair = all[0];
      if (!pair) return { keys: 0 };
      const exports = await Promise.all(
        (['jwk', 'pkcs8'] as const).map((format) =>
          crypto.subtle.exportKey(format, pair.privateKey).then(
            () => 'exported',
            (error: Error) => error.name,
          ),
        ),
      );
      return { keys: all.length, extractable: pair.privateKey.extractable, exports };
    } finally {
      db.close();
    }
  });
}

/** A DPoP proof made with the attacker's own key, on the attacker's machine. */
async function attackerProof(htm: string, htu: string, accessToken?: string): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const ath = accessToken && createHash('sha256').update(accessToken).digest('base64url');
  return new SignJWT({ htm, htu, jti: randomUUID(), ...(ath && { ath }) })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
    .setIssuedAt()
    .sign(privateKey);
}

async function callPrivateApi(page: Page, status: number): Promise<void> {
  await page.getByRole('button', { name: 'Call private API', exact: true }).click();
  await expect(page.getByRole('heading', { name: new RegExp(`^Private endpoint — ${status}$`) }).first()).toBeVisible();
}

test.describe('DPoP: tokens that are useless once carried off the page', () => {
  test(
    'a script in the page takes every token; from another machine the access token (as Bearer, or with its own proof) and the refresh token are refused',
    { annotation: [securityRow('dpop-stolen-bearer'), securityRow('dpop-stolen-own-proof'), securityRow('dpop-stolen-refresh')] },
    async ({ page }) => {
      const proofs: string[] = [];
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (request.headers()['dpop'] && request.method() !== 'OPTIONS') proofs.push(`${request.method()} ${url.origin}${url.pathname}`);
      });
      await page.goto('/');
      await signIn(page);
      await expect(page.getByTestId('token-binding')).toHaveText('DPoP-bound to a key that cannot leave this browser');
      await page.getByRole('link', { name: 'API' }).click();
      await callPrivateApi(page, 200);
      await expect(page.getByText('"dpop": true')).toBeVisible();
      expect(proofs).toEqual([`POST ${idpIssuer}/token`, `GET ${apiOrigin}/api/private`]);

      const loot = await stealTokens(page);
      expect(loot.access_token).toBeTruthy();
      expect(loot.refresh_token).toBeTruthy();
      const privateApi = `${apiOrigin}/api/private`;
      const asBearer = await fetch(privateApi, { headers: { Authorization: `Bearer ${loot.access_token}` } });
      expect(asBearer.status).toBe(401);
      const withOwnKey = await fetch(privateApi, {
        headers: { Authorization: `DPoP ${loot.access_token}`, DPoP: await attackerProof('GET', privateApi, loot.access_token) },
      });
      expect(withOwnKey.status).toBe(401);
      expect(withOwnKey.headers.get('www-authenticate')).toMatch(/cnf\.jkt/);

      const redeem = (headers: Record<string, string> = {}) =>
        fetch(`${idpIssuer}/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: loot.refresh_token, client_id: 'latchkey-demo' }),
        });
      const bare = await redeem();
      expect(bare.status).toBe(400);
      const withProof = await redeem({ DPoP: await attackerProof('POST', `${idpIssuer}/token`) });
      expect(withProof.status).toBe(400);
      expect(((await withProof.json()) as { error: string }).error).toMatch(/invalid_grant|invalid_dpop_proof/);
      // The page itself still has its session: nothing the attacker did reached it.
      await callPrivateApi(page, 200);
    },
  );

  test(
    'the private key in IndexedDB cannot be exported by a script in the page',
    { annotation: [securityRow('dpop-key')] },
    async ({ page }) => {
      await page.goto('/');
      await signIn(page);
      expect(await inspectStoredKey(page)).toEqual({ keys: 1, extractable: false, exports: ['InvalidAccessError', 'InvalidAccessError'] });
    },
  );

  test(
    'logout deletes the key (IndexedDB has none, in every tab) and the next sign-in makes a new one, used by every tab',
    { annotation: [securityRow('dpop-logout')] },
    async ({ context }) => {
      const a = await context.newPage();
      await a.goto('/');
      await signIn(a);
      const b = await context.newPage();
      await b.goto('/api');
      await callPrivateApi(b, 200);
      const before = (await stealTokens(a)).dpop_jkt;
      expect(before).toMatch(/^[\w-]{43}$/);
      await logOut(a);
      await expect(b.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
      expect(await inspectStoredKey(b)).toEqual({ keys: 0 });
      await signIn(a);
      const after = (await stealTokens(a)).dpop_jkt;
      expect(after).toMatch(/^[\w-]{43}$/);
      expect(after).not.toBe(before);
      expect((await inspectStoredKey(a)).keys).toBe(1);
      await expect(b.getByRole('button', { name: 'Log Out', exact: true })).toBeVisible();
      await callPrivateApi(b, 200);
    },
  );

  test('the demo server turns DPoP on with the bundled provider, off with another, as LATCHKEY_DPOP says, and picks the matching client', () => {
    const served = (env: NodeJS.ProcessEnv) => {
      const { clientId, dpop } = demoConfigFromEnv(env);
      return { clientId, dpop: dpop === true };
    };
    expect(served({})).toEqual({ clientId: 'latchkey-demo', dpop: true });
    expect(served({ LATCHKEY_DPOP: '0' })).toEqual({ clientId: 'latchkey-demo-bearer', dpop: false });
    expect(served({ LATCHKEY_ISSUER: 'https://login.example.com/' })).toEqual({ clientId: 'latchkey-demo-bearer', dpop: false });
    expect(served({ LATCHKEY_ISSUER: idpIssuer, LATCHKEY_DPOP: '1' })).toEqual({ clientId: 'latchkey-demo', dpop: true });
    expect(served({ LATCHKEY_DPOP: '0', LATCHKEY_CLIENT_ID: 'mine' })).toEqual({ clientId: 'mine', dpop: false });
    expect(served({ LATCHKEY_MODE: 'bff' })).toEqual({ clientId: 'latchkey-bff', dpop: false });
    expect(() => demoConfigFromEnv({ LATCHKEY_DPOP: 'yes' })).toThrow('LATCHKEY_DPOP must be "1" or "0", got "yes"');
  });

  test('LATCHKEY_DPOP=0: the unbound client signs in with Bearer tokens; the DPoP client refuses a sign-in without a proof', async ({
    page,
  }) => {
    // What the demo server answers with LATCHKEY_DPOP=0 (the rest of its configuration as the running one's).
    const bearer = demoConfigFromEnv({ LATCHKEY_ISSUER: idpIssuer, LATCHKEY_DPOP: '0' });
    await patchConfig(page, { clientId: bearer.clientId, dpop: bearer.dpop === true });
    await page.goto('/');
    await signIn(page);
    await expect(page.getByTestId('token-binding')).toHaveText('Bearer');
    await page.getByRole('link', { name: 'API' }).click();
    await callPrivateApi(page, 200);
    await expect(page.getByText('"dpop": false')).toBeVisible();
    expect(await inspectStoredKey(page)).toEqual({ keys: 0 });
    await logOut(page);

    await page.unrouteAll();
    await patchConfig(page, { dpop: false });
    await page.goto('/');
    await page.getByRole('button', { name: 'Log In', exact: true }).click();
    // The provider refuses the code exchange without a proof (the client requires DPoP): a coded error, signed out.
    await fillProviderLogin(page, 'alice', 'alice');
    await expect(page.getByRole('alert')).toContainText('LATCHKEY_TOKEN_REQUEST_FAILED');
    await expect(page.getByRole('button', { name: 'Log In', exact: true })).toBeVisible();
  });

  test.describe('nonces', () => {
    let idp: Idp | undefined;
    let api: Api | undefined;
    test.beforeAll(async () => {
      idp = await startIdp({
        port: ports.nonceIdp,
        tokenTtlSeconds: 600,
        refreshTtlSeconds: 3600,
        demoOrigin,
        resources: [nonceApiOrigin],
        bffClientSecret: 'dpop-nonce-test',
        dpopNonce: true,
      });
      api = await startApi({
        port: ports.nonceApi,
        issuer: nonceIdpIssuer,
        audience: nonceApiOrigin,
        allowedOrigins: [demoOrigin],
        dpopNonce: true,
      });
    });
    test.afterAll(async () => {
      await api?.close();
      await idp?.close();
    });

    test(
      "a provider's nonce costs one retry of the code exchange, and the API's one retry of the call: never a loop",
      { annotation: [securityRow('dpop-nonce')] },
      async ({ page }) => {
        await patchConfig(page, {
          issuer: nonceIdpIssuer,
          audience: nonceApiOrigin,
          api: nonceApiOrigin,
          tokenFor: [nonceApiOrigin],
          dpop: true,
        });
        const tokenAnswers: number[] = [];
        const apiAnswers: number[] = [];
        page.on('response', (response) => {
          const request = response.request();
          if (request.method() === 'POST' && request.url() === `${nonceIdpIssuer}/token`) tokenAnswers.push(response.status());
          if (request.method() === 'GET' && request.url() === `${nonceApiOrigin}/api/private`) apiAnswers.push(response.status());
        });
        await page.goto('/');
        await signIn(page);
        await expect(page.getByTestId('token-binding')).toHaveText('DPoP-bound to a key that cannot leave this browser');
        expect(tokenAnswers).toEqual([400, 200]);
        await page.getByRole('link', { name: 'API' }).click();
        await callPrivateApi(page, 200);
        expect(apiAnswers).toEqual([401, 200]);
        // The nonce is kept: the next call needs no retry.
        await page.getByRole('button', { name: 'Call private API', exact: true }).click();
        await expect.poll(() => apiAnswers).toEqual([401, 200, 200]);
      },
    );
  });
});
