import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LatchkeyError } from './errors.ts';
import { asksForDpopNonce } from './protocol/dpop.ts';
import { createFakeBrowser } from './testing/fake-browser.ts';
import { checkProof } from './testing/fake-dpop.ts';
import { advance, advanceUntil, flushIo, KEY, provider, signIn, tab, useFakeWorld, world } from './testing/harness.ts';

// DPoP in browser mode (RFC 9449), against the fake provider, which binds tokens to the key of the
// proof it checked. The browser tests prove the same with oidc-provider, the demo API and Chromium.

useFakeWorld();

const API = 'https://api.example.com';
const stored = () => JSON.parse(world.store.get(KEY) as string) as { token_type: string; dpop_jkt?: string; access_token: string };
const tokenRequests = () => provider.requests.filter((r) => r === 'POST /token').length;
const nowS = () => Math.floor(Date.now() / 1000);
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

/** A tab whose fetch sends API requests to `api` and the rest to the provider. */
function tabWithApi(api: (request: Request) => Response) {
  const browser = createFakeBrowser(provider, { world });
  const apiRequests: Request[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    if (!request.url.startsWith(API)) return provider.fetch(input, init);
    apiRequests.push(request);
    return api(request);
  };
  return { ...tab({ dpop: true }, browser, { ...browser.ports, fetch: fetchImpl }), apiRequests };
}

const nonceChallenge = (nonce: string) =>
  new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': nonce } });

describe('DPoP: the tokens bound to a key that cannot leave the browser', () => {
  it('signs in with a non-extractable ES256 key: the code exchange carries its proof, the tokens are stored as DPoP-bound to it', async () => {
    const t = tab({ dpop: true });
    await signIn(t);
    expect(provider.proofs).toHaveLength(1);
    expect(provider.proofs[0]).toMatchObject({ htm: 'POST', htu: `${provider.issuer}/token` });
    expect(stored()).toMatchObject({ token_type: 'dpop', dpop_jkt: provider.proofs[0]?.jkt });
    expect(t.session.getState().dpop).toBe(true);
    const pair = world.keys.map.get(KEY) as CryptoKeyPair;
    expect(pair.privateKey).toMatchObject({ extractable: false, algorithm: { name: 'ECDSA', namedCurve: 'P-256' } });
    await expect(crypto.subtle.exportKey('jwk', pair.privateKey)).rejects.toThrow();
    await expect(crypto.subtle.exportKey('pkcs8', pair.privateKey)).rejects.toThrow();
  });

  it("the tab that signed in makes its refresh proofs on the provider's clock, as every other tab does", async () => {
    // Within the proof window, so the code exchange (made before the provider's clock is known) goes through.
    provider.clockOffsetMs = 40_000;
    const t = tab({ dpop: true });
    await signIn(t);
    expect(Math.abs((provider.proofs[0]?.iat ?? 0) * 1000 - Date.now())).toBeLessThan(2_000);
    await advanceUntil(() => provider.refreshRequests >= 1, 120_000);
    const refreshProof = provider.proofs[1];
    expect(refreshProof).toBeDefined();
    // On the browser's own clock it would be 40 s off; a few seconds of slack for the steps the test clock took since.
    expect(Math.abs((refreshProof?.iat ?? 0) * 1000 - (Date.now() + 40_000))).toBeLessThan(5_000);
  });

  it('asks for a nonce only in a DPoP challenge: a Bearer one naming use_dpop_nonce is no such request', () => {
    const answer = (challenge: string) => ({ status: 401, headers: new Headers({ 'WWW-Authenticate': challenge, 'DPoP-Nonce': 'n' }) });
    expect(asksForDpopNonce(answer('DPoP error="use_dpop_nonce", error_description="nonce"'))).toBe(true);
    expect(asksForDpopNonce(answer('Bearer realm="x", DPoP realm="x", algs="ES256", error="use_dpop_nonce"'))).toBe(true);
    expect(asksForDpopNonce(answer('Bearer error="use_dpop_nonce"'))).toBe(false);
  });

  it('refreshes with a proof of the same key; without one (another machine) the refresh token is refused', async () => {
    const t = tab({ dpop: true });
    await signIn(t);
    const first = stored();
    await advanceUntil(() => provider.refreshRequests >= 1, 120_000);
    await advance(1_000);
    expect(provider.proofs.map((p) => p.jkt)).toEqual([first.dpop_jkt, first.dpop_jkt]);
    expect(stored().dpop_jkt).toBe(first.dpop_jkt);
    expect(t.session.isAuthenticated()).toBe(true);
    // The stolen (current) refresh token, redeemed without a proof of the key.
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: JSON.parse(world.store.get(KEY) as string).refresh_token,
      client_id: 'app',
    });
    const stolen = await provider.fetch(`${provider.issuer}/token`, { method: 'POST', body });
    expect(stolen.status).toBe(400);
    expect(await stolen.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('sends APIs Authorization: DPoP and a fresh proof: htm, htu without query or fragment, ath of the token, a new jti each time', async () => {
    const t = tab({ dpop: true });
    await signIn(t);
    const token = await t.session.getAccessToken();
    const one = await t.session.authorizeRequest('get', `${API}/orders/7?expand=items#top`, token);
    const two = await t.session.authorizeRequest('GET', `${API}/orders/7`, token);
    expect(one['Authorization']).toBe(`DPoP ${token}`);
    const proofs = await Promise.all(
      [one, two].map((h) => checkProof(h['DPoP'] ?? null, { htm: 'GET', htu: `${API}/orders/7`, nowS: nowS() })),
    );
    expect(proofs[0]).toMatchObject({ jkt: stored().dpop_jkt, ath: ath(token) });
    expect(proofs[0]?.jti).not.toBe(proofs[1]?.jti);
    expect(proofs[0]?.nonce).toBeUndefined();
  });

  it('keeps an API nonce per origin and puts it in the next proof; a 401 that asks for none is not a nonce challenge', async () => {
    const t = tab({ dpop: true });
    await signIn(t);
    const token = await t.session.getAccessToken();
    expect(
      t.session.dpopNonceChallenge(
        `${API}/x`,
        new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'DPoP error="invalid_token"', 'DPoP-Nonce': 'n0' } }),
      ),
    ).toBe(false);
    expect(t.session.dpopNonceChallenge(`${API}/x`, nonceChallenge('n1'))).toBe(true);
    const proof = await checkProof((await t.session.authorizeRequest('GET', `${API}/y`, token))['DPoP'] ?? null, {
      htm: 'GET',
      htu: `${API}/y`,
      nowS: nowS(),
    });
    expect(proof?.nonce).toBe('n1');
    const elsewhere = await t.session.authorizeRequest('GET', 'https://other.example.com/y', token);
    expect(
      (await checkProof(elsewhere['DPoP'] ?? null, { htm: 'GET', htu: 'https://other.example.com/y', nowS: nowS() }))?.nonce,
    ).toBeUndefined();
  });

  it("session.fetch() retries once with the API's nonce, and never loops on an API that keeps asking", async () => {
    let nonce = 'first';
    let always = false;
    const t = tabWithApi((request) => {
      const proofNonce = JSON.parse(
        Buffer.from((request.headers.get('DPoP') ?? '').split('.')[1] ?? '', 'base64url').toString() || '{}',
      ).nonce;
      if (always || proofNonce !== nonce) return nonceChallenge((nonce = `${nonce}+`));
      return Response.json({ ok: true });
    });
    await signIn(t);
    const ok = await t.session.fetch(`${API}/orders`, { headers: { Accept: 'application/json' } });
    expect(ok.status).toBe(200);
    expect(t.apiRequests).toHaveLength(2);
    expect(t.apiRequests[1]?.headers.get('Accept')).toBe('application/json');
    expect(t.apiRequests[1]?.headers.get('Authorization')).toMatch(/^DPoP /);
    always = true;
    const refused = await t.session.fetch(`${API}/orders`);
    expect(refused.status).toBe(401);
    // One nonce retry, then one refresh-and-retry after the 401 — never more.
    expect(t.apiRequests).toHaveLength(5);
  });

  it('a provider nonce costs one retry of the code exchange, none later; a provider that keeps asking fails the sign-in after two requests', async () => {
    provider.dpopNonce = true;
    const t = tab({ dpop: true });
    await signIn(t);
    expect(tokenRequests()).toBe(2);
    expect(t.session.isAuthenticated()).toBe(true);
    await advanceUntil(() => provider.refreshRequests >= 1, 120_000);
    await advance(1_000);
    expect(tokenRequests()).toBe(3);
    await t.session.logout({ revokeRefreshToken: false });
    provider.dpopNonce = 'always';
    const error = (await signIn(t).catch((e: unknown) => e)) as LatchkeyError;
    expect(error.code).toBe('LATCHKEY_TOKEN_REQUEST_FAILED');
    expect(tokenRequests()).toBe(5);
  });

  it('logout deletes the key from the store; another tab forgets its copy; the next sign-in makes a new key', async () => {
    const a = tab({ dpop: true });
    const b = tab({ dpop: true });
    await signIn(a);
    await advance(500);
    expect(b.session.isAuthenticated()).toBe(true);
    const before = stored().dpop_jkt;
    await b.session.authorizeRequest('GET', `${API}/x`, await b.session.getAccessToken());
    await a.session.logout({ revokeRefreshToken: false });
    await flushIo();
    expect(world.keys.map.has(KEY)).toBe(false);
    await advance(500);
    expect(b.session.isAuthenticated()).toBe(false);
    await signIn(a);
    await advance(500);
    const after = stored().dpop_jkt;
    expect(after).not.toBe(before);
    const headers = await b.session.authorizeRequest('GET', `${API}/x`, await b.session.getAccessToken());
    expect((await checkProof(headers['DPoP'] ?? null, { htm: 'GET', htu: `${API}/x`, nowS: nowS() }))?.jkt).toBe(after);
  });

  it('a DPoP-bound session whose key is gone (site data cleared) ends with LATCHKEY_DPOP_KEY_MISSING at the next API call', async () => {
    const t = tab({ dpop: true });
    await signIn(t);
    const token = await t.session.getAccessToken();
    world.keys.map.clear();
    // This tab never used the key yet: a reloaded tab.
    const reloaded = tab({ dpop: true });
    await reloaded.session.ready();
    await expect(reloaded.session.authorizeRequest('GET', `${API}/x`, token)).rejects.toMatchObject({ code: 'LATCHKEY_DPOP_KEY_MISSING' });
    expect(reloaded.session.getState()).toMatchObject({ status: 'anonymous', error: { code: 'LATCHKEY_DPOP_KEY_MISSING' } });
  });

  it('… and at the next refresh, which sends nothing to the provider', async () => {
    const first = tab({ dpop: true });
    await signIn(first);
    first.session.dispose();
    world.keys.map.clear();
    const reloaded = tab({ dpop: true });
    await reloaded.session.ready();
    await advanceUntil(() => reloaded.session.getState().status === 'anonymous', 120_000);
    expect(reloaded.session.getState().error?.code).toBe('LATCHKEY_DPOP_KEY_MISSING');
    expect(provider.refreshRequests).toBe(0);
  });

  it('a key store that fails a read is read again; failing twice is LATCHKEY_DPOP_KEY_UNAVAILABLE, nothing sent, the session goes on', async () => {
    const t = tab({ dpop: true });
    await signIn(t);
    const token = await t.session.getAccessToken();
    // Tabs that never used the key yet: reloaded ones.
    const once = tab({ dpop: true });
    await once.session.ready();
    world.keys.failingReads = 1;
    const headers = await once.session.authorizeRequest('GET', `${API}/x`, token);
    expect((await checkProof(headers['DPoP'] ?? null, { htm: 'GET', htu: `${API}/x`, nowS: nowS() }))?.jkt).toBe(stored().dpop_jkt);
    const twice = tab({ dpop: true });
    await twice.session.ready();
    world.keys.failingReads = 2;
    const failure = (await twice.session.authorizeRequest('GET', `${API}/x`, token).catch((error: unknown) => error)) as LatchkeyError;
    expect(failure).toMatchObject({ code: 'LATCHKEY_DPOP_KEY_UNAVAILABLE', cause: { name: 'UnknownError' } });
    expect(failure.message).not.toContain(token);
    expect(twice.session.getState()).toMatchObject({ status: 'authenticated', dpop: true });
    expect(world.store.get(KEY)).not.toBeNull();
    expect(world.keys.map.size).toBe(1);
    // The store reads again: the next call has its proof.
    expect((await twice.session.authorizeRequest('GET', `${API}/x`, token))['Authorization']).toBe(`DPoP ${token}`);
  });

  it('… and a refresh whose key cannot be read sends nothing, is tried again, and refreshes once the store reads', async () => {
    const first = tab({ dpop: true });
    await signIn(first);
    first.session.dispose();
    const reloaded = tab({ dpop: true });
    await reloaded.session.ready();
    // Both reads of the first attempt and of the next one fail; the third attempt reads the key.
    world.keys.failingReads = 4;
    await advanceUntil(() => provider.refreshRequests >= 1, 120_000);
    await advance(1_000);
    expect(world.keys.failingReads).toBe(0);
    expect(provider.refreshRequests).toBe(1);
    expect(reloaded.session.getState()).toMatchObject({ status: 'authenticated', dpop: true });
    expect(reloaded.session.getState().error).toBeNull();
  });

  it("without IndexedDB the key and the tokens stay in this tab's memory, and storeDegraded says so", async () => {
    world.keys.broken = true;
    const t = tab({ dpop: true });
    const degraded: string[] = [];
    t.session.on('storeDegraded', ({ name }) => degraded.push(name));
    await signIn(t);
    await flushIo();
    expect(t.session.getState()).toMatchObject({ status: 'authenticated', dpop: true });
    expect(degraded).toEqual(['DpopKeyStore']);
    expect(world.store.get(KEY)).toBeNull();
    const headers = await t.session.authorizeRequest('GET', `${API}/x`, await t.session.getAccessToken());
    expect(headers['Authorization']).toMatch(/^DPoP /);
  });

  it('a provider that answers Bearer (no DPoP support) gives a Bearer session: no key kept, no proofs to APIs', async () => {
    provider.hooks.tokenResponse = (body) => ({ ...body, token_type: 'Bearer' });
    const t = tab({ dpop: true });
    await signIn(t);
    const token = await t.session.getAccessToken();
    expect(await t.session.authorizeRequest('GET', `${API}/x`, token)).toEqual({ Authorization: `Bearer ${token}` });
    expect(t.session.getState().dpop).toBeUndefined();
    expect(world.keys.map.size).toBe(0);
  });

  it('without the dpop option nothing carries a proof', async () => {
    const t = tab();
    await signIn(t);
    const token = await t.session.getAccessToken();
    expect(await t.session.authorizeRequest('GET', `${API}/x`, token)).toEqual({ Authorization: `Bearer ${token}` });
    expect(provider.proofs).toEqual([]);
    expect(stored().token_type).toBe('bearer');
  });
});
