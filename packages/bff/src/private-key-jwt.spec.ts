import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BFF_JWT_CLIENT_ID } from '../../../apps/idp/src/idp.ts';
import { makeTestBff, startTestIdp, type TestIdp } from './testing/harness.ts';

let idp: TestIdp;
let privateKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  idp = await startTestIdp({ bffPublicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'bff-1', alg: 'ES256', use: 'sig' } });
});

afterAll(async () => {
  await idp?.close();
});

describe('private_key_jwt: a confidential client without a secret', () => {
  it('signs in, reads the session and logs out with a signed client assertion, never a secret', async () => {
    const t = makeTestBff(idp, { clientId: BFF_JWT_CLIENT_ID, clientSecret: undefined, privateKey: { key: privateKey, kid: 'bff-1' } });
    const browser = t.browser();
    await browser.signIn();
    expect((await browser.session()).body['status']).toBe('authenticated');
    const tokenRequests = t.calls.filter((call) => call.url.endsWith('/token'));
    expect(tokenRequests.length).toBeGreaterThan(0);
    for (const call of tokenRequests) {
      expect(call.body).toContain('client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer');
      expect(call.body).not.toContain('client_secret');
    }
    const logout = await browser.fetchFromPage('/bff/logout', { method: 'POST' });
    expect(logout.status).toBe(200);
    await t.bff.close();
  });

  it('is refused by the provider when signed with another key: the sign-in ends with a coded error, no session', async () => {
    const other = (await generateKeyPair('ES256')).privateKey;
    const t = makeTestBff(idp, { clientId: BFF_JWT_CLIENT_ID, clientSecret: undefined, privateKey: { key: other, kid: 'bff-1' } });
    const browser = t.browser();
    const callback = await browser.signIn();
    expect(new URL(callback.headers.get('location') ?? '').searchParams.get('latchkey_error')).toBe('LATCHKEY_TOKEN_REQUEST_FAILED');
    expect(browser.sessionId).toBeUndefined();
    await t.bff.close();
  });
});
