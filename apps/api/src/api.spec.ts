import { createHash, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApi, type Api, type ApiOptions } from './api.ts';
import { DpopNonces, ProofReplayCache } from './dpop.ts';

// A provider that only publishes its metadata and keys (127.0.0.1, a free port), and the API in front of it.
const AUDIENCE = 'http://localhost:4300';
let provider: Server;
let api: Api;
let issuer: string;
let signingKey: CryptoKey;
let publicPem: string;
let publicJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  publicPem = await exportSPKI(pair.publicKey);
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  publicJwk = jwk;
  provider = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    else res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
  api = await startApi({ port: 0, issuer, audience: AUDIENCE, allowedOrigins: [] });
});

afterAll(async () => {
  await api.close();
  await new Promise((resolve) => provider.close(resolve));
});

const call = async (token: string) => {
  const { port } = api.server.address() as AddressInfo;
  return (await fetch(`http://127.0.0.1:${port}/api/private`, { headers: { Authorization: `Bearer ${token}` } })).status;
};

/** An RFC 9068 access token as oidc-provider issues one; `claims` override or (undefined) remove its claims. */
async function accessToken(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    iss: issuer,
    aud: AUDIENCE,
    sub: 'alice',
    client_id: 'spa',
    jti: 'j1',
    iat: now,
    exp: now + 300,
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt', ...header }).sign(signingKey);
}

const b64u = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the demo API', () => {
  it('accepts an RFC 9068 access token for its audience', async () => {
    expect(await call(await accessToken())).toBe(200);
  });

  const refused: [string, Record<string, unknown>][] = [
    ['another audience', { aud: 'https://other.example' }],
    ['another issuer', { iss: 'https://evil.example' }],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 60 }],
    ...['exp', 'iat', 'sub', 'client_id', 'jti'].map((claim): [string, Record<string, unknown>] => [
      `no ${claim} (RFC 9068 §2.2)`,
      { [claim]: undefined },
    ]),
  ];
  it.each(refused)('refuses %s with 401', async (_name, claims) => {
    expect(await call(await accessToken(claims))).toBe(401);
  });

  it('refuses typ JWT (an ID token is not an access token)', async () => {
    expect(await call(await accessToken({}, { typ: 'JWT' }))).toBe(401);
  });

  it('refuses alg none and HS256 keyed with the public key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer, aud: AUDIENCE, sub: 'alice', client_id: 'spa', jti: 'j', iat: now, exp: now + 300 };
    expect(await call(`${b64u({ alg: 'none', typ: 'at+jwt' })}.${b64u(claims)}.`)).toBe(401);
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
      .sign(new TextEncoder().encode(publicPem));
    expect(await call(hs)).toBe(401);
  });
});

describe('the demo API names the failed check', () => {
  const detail = async (token: string) => {
    const { port } = api.server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/api/private`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: (await response.json()) as unknown };
  };
  const cases: [string, () => Promise<string>, string][] = [
    ['another audience', () => accessToken({ aud: 'https://other.example' }), "The access token's aud claim is not accepted here."],
    ['another issuer', () => accessToken({ iss: 'https://evil.example' }), "The access token's iss claim is not accepted here."],
    ['an expired token', () => accessToken({ exp: Math.floor(Date.now() / 1000) - 60 }), 'The access token has expired.'],
    ['no client_id', () => accessToken({ client_id: undefined }), 'The access token has no client_id claim.'],
    ['typ JWT', () => accessToken({}, { typ: 'JWT' }), "The access token's typ is not at+jwt."],
    ['an unknown kid', () => accessToken({}, { kid: 'k2' }), "The access token is not signed with one of the provider's keys."],
    [
      'a signature of another key',
      async () => {
        const [header, payload] = (await accessToken()).split('.');
        const other = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).sign((await generateKeyPair('RS256')).privateKey);
        return `${header}.${payload}.${other.split('.')[2]}`;
      },
      "The access token's signature does not verify.",
    ],
  ];
  it.each(cases)('%s', async (_name, token, description) => {
    const response = await detail(await token());
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'invalid_token', error_description: description });
    expect(response.challenge).toBe(
      `Bearer realm="latchkey-demo-api", error="invalid_token", error_description="${description.replace(/"/g, "'")}"`,
    );
  });
});

describe("the demo API's discovery", () => {
  it('is tried again after a failure (503), not cached', async () => {
    let up = false;
    const flaky = createServer((req, res) => {
      if (!up) return void res.writeHead(500).end();
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration')
        res.end(JSON.stringify({ issuer: flakyIssuer, jwks_uri: `${flakyIssuer}/jwks` }));
      else res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const flakyIssuer = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
    const target = await startApi({ port: 0, issuer: flakyIssuer, audience: AUDIENCE, allowedOrigins: [] });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const { port } = target.server.address() as AddressInfo;
      const headers = { Authorization: `Bearer ${await accessToken({ iss: flakyIssuer })}` };
      const status = async () => (await fetch(`http://127.0.0.1:${port}/api/private`, { headers })).status;
      expect(await status()).toBe(503);
      expect(errors.mock.calls.map((call) => call[2])).toEqual(['OAUTH_RESPONSE_IS_NOT_CONFORM']);
      up = true;
      expect(await status()).toBe(200);
    } finally {
      errors.mockRestore();
      await target.close();
      await new Promise((resolve) => flaky.close(resolve));
    }
  });

  it('allows http for a loopback issuer only: never fetches http://api-test.invalid', async () => {
    const target = await startApi({ port: 0, issuer: 'http://api-test.invalid', audience: AUDIENCE, allowedOrigins: [] });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const { port } = target.server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/api/private`, { headers: { Authorization: `Bearer ${await accessToken()}` } });
      expect(response.status).toBe(503);
      expect(errors.mock.calls[0]?.[2]).toBe('OAUTH_HTTP_REQUEST_FORBIDDEN');
    } finally {
      errors.mockRestore();
      await target.close();
    }
  });
});

// ---- DPoP (RFC 9449) ----

const PRIVATE_HTU = `${AUDIENCE}/api/private`;
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

interface DpopKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly jkt: string;
}
async function dpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/** A DPoP proof for GET /api/private with `token`; `claims` override or (undefined) remove its claims. */
async function proof(key: DpopKey, token: string, claims: Record<string, unknown> = {}, signer = key.privateKey): Promise<string> {
  const payload: JWTPayload = {
    jti: randomUUID(),
    htm: 'GET',
    htu: PRIVATE_HTU,
    iat: Math.floor(Date.now() / 1000),
    ath: sha256(token),
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk }).sign(signer);
}

/** GET `path` on `target` with `headers`: the response, its body read. */
async function get(target: Api, headers: Record<string, string>, path = '/api/private') {
  const { port } = target.server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Record<string, unknown> };
}
const challengeOf = (response: { headers: Headers }) => response.headers.get('www-authenticate') ?? '';

/** An API of its own for a `describe` block (`overrides` on the test provider's), started before its tests, closed after. */
function apiOfItsOwn(overrides: Partial<ApiOptions>): () => Api {
  let started: Api | undefined;
  beforeAll(async () => {
    started = await startApi({ port: 0, issuer, audience: AUDIENCE, allowedOrigins: [], ...overrides });
  });
  afterAll(() => started?.close());
  return () => started as Api;
}

describe('the demo API with DPoP', () => {
  let key: DpopKey;
  let token: string;
  beforeAll(async () => {
    key = await dpopKey();
    token = await accessToken({ cnf: { jkt: key.jkt }, scope: 'api:read' });
  });
  const dpop = async (claims: Record<string, unknown> = {}, target = api, path?: string) =>
    get(target, { Authorization: `DPoP ${token}`, DPoP: await proof(key, token, claims) }, path);

  it('accepts a DPoP-bound token with a valid proof, and says so', async () => {
    const response = await dpop();
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ sub: 'alice', scope: 'api:read', dpop: true, jkt: key.jkt });
    expect(response.body['message']).toContain('alice');
    expect(typeof response.body['expiresAt']).toBe('string');
  });

  it('says a plain bearer token is not DPoP-bound', async () => {
    const response = await get(api, { Authorization: `Bearer ${await accessToken()}` });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ sub: 'alice', dpop: false, jkt: null });
  });

  it('refuses the DPoP-bound token as a bearer token, with or without the proof', async () => {
    const bare = await get(api, { Authorization: `Bearer ${token}` });
    expect(bare.status).toBe(401);
    expect(challengeOf(bare)).toBe(
      'Bearer realm="latchkey-demo-api", error="invalid_token", error_description="The access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof, not as a bearer token."',
    );
    const withProof = await get(api, { Authorization: `Bearer ${token}`, DPoP: await proof(key, token) });
    expect(withProof.status).toBe(401);
    expect(challengeOf(withProof)).toMatch(
      /^DPoP realm="latchkey-demo-api", algs="ES256", error="invalid_token", error_description=".*not Bearer\."$/,
    );
  });

  it('refuses a token that is not DPoP-bound with the DPoP scheme', async () => {
    const plain = await accessToken();
    const response = await get(api, { Authorization: `DPoP ${plain}`, DPoP: await proof(key, plain) });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'invalid_token' });
    expect(response.body['error_description']).toContain('not DPoP-bound');
  });

  it('refuses the DPoP scheme without a proof, and more than one proof', async () => {
    const [proof1, proof2] = [await proof(key, token), await proof(key, token)];
    const none = await get(api, { Authorization: `DPoP ${token}` });
    expect(none.status).toBe(401);
    expect(challengeOf(none)).toContain('DPoP realm="latchkey-demo-api", algs="ES256", error="invalid_dpop_proof"');
    // fetch would join two DPoP headers into one; node:http sends them apart.
    const { port } = api.server.address() as AddressInfo;
    const twice = await new Promise<IncomingMessage>((resolve, reject) => {
      const headers = { Authorization: `DPoP ${token}`, DPoP: [proof1, proof2] };
      httpRequest({ host: '127.0.0.1', port, path: '/api/private', headers }, resolve).on('error', reject).end();
    });
    twice.resume();
    expect(twice.statusCode).toBe(401);
    expect(twice.headers['www-authenticate']).toContain('error_description="The request has more than one DPoP header."');
  });

  it('refuses a proof made with another key: its own jwk, or the bound jwk with a signature of another key', async () => {
    const other = await dpopKey();
    const ownJwk = await get(api, { Authorization: `DPoP ${token}`, DPoP: await proof(other, token) });
    expect(ownJwk.status).toBe(401);
    expect(challengeOf(ownJwk)).toBe(
      `DPoP realm="latchkey-demo-api", algs="ES256", error="invalid_token", error_description="Invalid DPoP key binding: the DPoP proof's key is not the one the access token is bound to (cnf.jkt)."`,
    );
    const forged = await get(api, { Authorization: `DPoP ${token}`, DPoP: await proof(key, token, {}, other.privateKey) });
    expect(forged.status).toBe(401);
    expect(forged.body).toEqual({ error: 'invalid_dpop_proof', error_description: "The DPoP proof's signature does not verify." });
  });

  const now = () => Math.floor(Date.now() / 1000);
  const refusedProofs: [string, () => Record<string, unknown>, string][] = [
    ['another method (htm)', () => ({ htm: 'POST' }), "The DPoP proof's htm does not match this request."],
    ['another path (htu)', () => ({ htu: `${AUDIENCE}/api/public` }), "The DPoP proof's htu does not match this request."],
    ['another origin (htu)', () => ({ htu: 'https://api.example/api/private' }), "The DPoP proof's htu does not match this request."],
    ['another token (ath)', () => ({ ath: sha256('another token') }), "The DPoP proof's ath does not match the access token."],
    ['an iat 400 seconds ago', () => ({ iat: now() - 400 }), 'The DPoP proof is too old: its iat is more than 300 seconds ago.'],
    ['an iat 400 seconds ahead', () => ({ iat: now() + 400 }), "The DPoP proof's iat is more than 300 seconds in the future."],
    ['no jti', () => ({ jti: undefined }), 'The DPoP proof has no jti claim.'],
    ['no ath', () => ({ ath: undefined }), 'The DPoP proof has no ath claim.'],
  ];
  it.each(refusedProofs)('refuses a proof with %s: 401 invalid_dpop_proof', async (_name, claims, description) => {
    const response = await dpop(claims());
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'invalid_dpop_proof', error_description: description });
    expect(challengeOf(response)).toBe(
      `DPoP realm="latchkey-demo-api", algs="ES256", error="invalid_dpop_proof", error_description="${description.replace(/"/g, "'")}"`,
    );
  });

  it('accepts an iat within the window (200 seconds either way)', async () => {
    expect((await dpop({ iat: now() - 200 })).status).toBe(200);
    expect((await dpop({ iat: now() + 200 })).status).toBe(200);
  });

  it("compares htu without query and fragment, and with the configured origin, not the request's Host", async () => {
    expect((await dpop({ htu: `${PRIVATE_HTU}?page=2#top` })).status).toBe(200);
    expect((await dpop({}, api, '/api/private?page=2')).status).toBe(200);
    const { port } = api.server.address() as AddressInfo;
    const asSent = `http://127.0.0.1:${port}/api/private`;
    const headers = { Authorization: `DPoP ${token}`, 'X-Forwarded-Host': `127.0.0.1:${port}`, 'X-Forwarded-Proto': 'http' };
    expect((await get(api, { ...headers, DPoP: await proof(key, token, { htu: asSent }) })).status).toBe(401);
  });

  it('accepts a proof once: the same proof again (same jti) is a replay', async () => {
    const headers = { Authorization: `DPoP ${token}`, DPoP: await proof(key, token) };
    expect((await get(api, headers)).status).toBe(200);
    const replayed = await get(api, headers);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof has been used before: send a new one (a new jti) with each request.',
    });
    // A new proof (another jti) for the same request is fine.
    expect((await dpop()).status).toBe(200);
  });

  it('refuses a proof with alg none or HS256', async () => {
    const claims = { jti: randomUUID(), htm: 'GET', htu: PRIVATE_HTU, iat: now(), ath: sha256(token) };
    const none = `${b64u({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk })}.${b64u(claims)}.`;
    expect((await get(api, { Authorization: `DPoP ${token}`, DPoP: none })).status).toBe(401);
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk })
      .sign(new TextEncoder().encode('a shared secret of 32 bytes or more'));
    const response = await get(api, { Authorization: `DPoP ${token}`, DPoP: hs });
    expect(response.status).toBe(401);
    expect(response.body['error']).toBe('invalid_dpop_proof');
  });

  it('refuses a proof signed with another algorithm than its challenge names (RS256, not ES256)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const rsaKey = { privateKey, jwk: await exportJWK(publicKey), jkt: '' };
    rsaKey.jkt = await calculateJwkThumbprint(rsaKey.jwk);
    const bound = await accessToken({ cnf: { jkt: rsaKey.jkt } });
    const claims = { jti: randomUUID(), htm: 'GET', htu: PRIVATE_HTU, iat: now(), ath: sha256(bound) };
    const rs = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'dpop+jwt', jwk: rsaKey.jwk }).sign(privateKey);
    const response = await get(api, { Authorization: `DPoP ${bound}`, DPoP: rs });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'invalid_dpop_proof', error_description: 'The DPoP proof is not signed with ES256.' });
  });

  describe('with a replay cache of one proof', () => {
    const smallApi = apiOfItsOwn({ dpopReplayCacheSize: 1 });

    it('answers 503 with Retry-After when it is full of proofs still in their window, rather than forget one', async () => {
      expect((await dpop({}, smallApi())).status).toBe(200);
      const full = await dpop({}, smallApi());
      expect(full.status).toBe(503);
      expect(full.headers.get('retry-after')).toBe('10');
    });
  });

  it('challenges a request without credentials with both schemes', async () => {
    const response = await get(api, {});
    expect(response.status).toBe(401);
    expect(challengeOf(response)).toBe('Bearer realm="latchkey-demo-api", DPoP realm="latchkey-demo-api", algs="ES256"');
  });

  describe('with its own nonces (dpopNonce)', () => {
    const nonceApi = apiOfItsOwn({ dpopNonce: true });

    it('asks for its nonce (use_dpop_nonce, DPoP-Nonce), and accepts the retry that carries it', async () => {
      const first = await dpop({}, nonceApi());
      expect(first.status).toBe(401);
      const nonce = first.headers.get('dpop-nonce');
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      expect(challengeOf(first)).toBe(
        'DPoP realm="latchkey-demo-api", algs="ES256", error="use_dpop_nonce", error_description="This API requires a nonce in DPoP proofs: use the one in the DPoP-Nonce header."',
      );
      expect(first.body['error']).toBe('use_dpop_nonce');
      const retry = await dpop({ nonce }, nonceApi());
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ dpop: true, jkt: key.jkt });
      expect(retry.headers.get('dpop-nonce')).toBeNull();
      // The nonce is not single-use, the proof is: another proof with the same nonce is fine.
      expect((await dpop({ nonce }, nonceApi())).status).toBe(200);
    });

    it('refuses a nonce it did not issue', async () => {
      const response = await dpop({ nonce: 'an-invented-nonce-of-forty-three-characters' }, nonceApi());
      expect(response.status).toBe(401);
      expect(challengeOf(response)).toContain('error="use_dpop_nonce"');
      expect(response.body['error_description']).toBe("The DPoP proof's nonce is not current: use the one in the DPoP-Nonce header.");
      expect(response.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    });

    it('refuses a nonce of another API instance', async () => {
      const nonce = (await dpop({}, nonceApi())).headers.get('dpop-nonce');
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      const other = await startApi({ port: 0, issuer, audience: AUDIENCE, allowedOrigins: [], dpopNonce: true });
      try {
        const refused = await dpop({ nonce }, other);
        expect(refused.status).toBe(401);
        expect(refused.body['error']).toBe('use_dpop_nonce');
      } finally {
        await other.close();
      }
    });

    it('still accepts a plain bearer token (nonces are for DPoP proofs)', async () => {
      expect((await get(nonceApi(), { Authorization: `Bearer ${await accessToken()}` })).status).toBe(200);
    });
  });

  describe('with requireDpop', () => {
    const strictApi = apiOfItsOwn({ requireDpop: true });

    it('refuses a bearer token, and challenges for DPoP only', async () => {
      const bearer = await get(strictApi(), { Authorization: `Bearer ${await accessToken()}` });
      expect(bearer.status).toBe(401);
      expect(challengeOf(bearer)).toBe(
        'DPoP realm="latchkey-demo-api", algs="ES256", error="invalid_token", error_description="This API accepts DPoP-bound access tokens only: Authorization: DPoP <token> with a DPoP proof."',
      );
      expect(challengeOf(await get(strictApi(), {}))).toBe('DPoP realm="latchkey-demo-api", algs="ES256"');
    });

    it('accepts a DPoP-bound token with its proof', async () => {
      expect((await dpop({}, strictApi())).status).toBe(200);
    });
  });

  it('takes htu from publicOrigin when configured', async () => {
    const behindProxy = await startApi({ port: 0, issuer, audience: AUDIENCE, allowedOrigins: [], publicOrigin: 'https://api.example' });
    try {
      expect((await dpop({ htu: 'https://api.example/api/private' }, behindProxy)).status).toBe(200);
      expect((await dpop({}, behindProxy)).status).toBe(401);
    } finally {
      await behindProxy.close();
    }
    await expect(
      startApi({ port: 0, issuer, audience: AUDIENCE, allowedOrigins: [], publicOrigin: 'https://api.example/base' }),
    ).rejects.toThrow(/publicOrigin/);
  });

  it('takes htu from its own address on localhost when the audience is no URL', async () => {
    const audience = 'urn:latchkey:demo-api';
    const urn = await startApi({ port: 0, issuer, audience, allowedOrigins: [] });
    try {
      const bound = await accessToken({ aud: audience, cnf: { jkt: key.jkt } });
      const htu = `${urn.url}/api/private`;
      expect(urn.url).toMatch(/^http:\/\/localhost:\d+$/);
      expect((await get(urn, { Authorization: `DPoP ${bound}`, DPoP: await proof(key, bound, { htu }) })).status).toBe(200);
      expect((await get(urn, { Authorization: `Bearer ${await accessToken({ aud: audience })}` })).status).toBe(200);
    } finally {
      await urn.close();
    }
  });

  it('lets browsers send DPoP proofs and read DPoP-Nonce (CORS)', async () => {
    const origin = 'http://localhost:4200';
    const corsApi = await startApi({ port: 0, issuer, audience: AUDIENCE, allowedOrigins: [origin], dpopNonce: true });
    try {
      const { port } = corsApi.server.address() as AddressInfo;
      const preflight = await fetch(`http://127.0.0.1:${port}/api/private`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization, dpop' },
      });
      expect(preflight.status).toBe(204);
      const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'dpop']));
      const response = await get(corsApi, { Origin: origin, Authorization: `DPoP ${token}`, DPoP: await proof(key, token) });
      expect(response.status).toBe(401);
      expect(response.headers.get('dpop-nonce')).toBeTruthy();
      const exposed = (response.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
      expect(exposed).toEqual(expect.arrayContaining(['www-authenticate', 'dpop-nonce']));
    } finally {
      await corsApi.close();
    }
  });

  it('never puts the token or the proof in an error body or header', async () => {
    const other = await dpopKey();
    const cases: Record<string, string>[] = [];
    for (const claims of [{ htm: 'POST' }, { htu: `${AUDIENCE}/x` }, { ath: sha256('x') }, { iat: now() - 999 }, { jti: 42 }]) {
      cases.push({ Authorization: `DPoP ${token}`, DPoP: await proof(key, token, claims) });
    }
    cases.push({ Authorization: `DPoP ${token}`, DPoP: await proof(other, token) });
    cases.push({ Authorization: `DPoP ${token}`, DPoP: await proof(key, token, {}, other.privateKey) });
    cases.push({ Authorization: `Bearer ${token}` });
    cases.push({ Authorization: `DPoP ${token}`, DPoP: 'not.a.proof' });
    const expired = await accessToken({ cnf: { jkt: key.jkt }, exp: now() - 60 });
    cases.push({ Authorization: `DPoP ${expired}`, DPoP: await proof(key, expired) });
    const replayed = { Authorization: `DPoP ${token}`, DPoP: await proof(key, token) };
    expect((await get(api, replayed)).status).toBe(200);
    cases.push(replayed);
    for (const headers of cases) {
      const response = await get(api, headers);
      expect(response.status).toBe(401);
      const everything = `${response.text}\n${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}`;
      for (const secret of [headers['Authorization']!.split(' ')[1]!, headers['DPoP']].filter(Boolean) as string[]) {
        for (const part of secret.split('.').filter((segment) => segment.length > 8)) expect(everything).not.toContain(part);
      }
    }
  });
});

describe('the DPoP replay cache', () => {
  it('remembers a proof for its iat window, then forgets it', () => {
    let clock = 1_000_000_000_000;
    const cache = new ProofReplayCache(10, () => clock);
    const iat = clock / 1000;
    expect(cache.use('jkt', 'a', iat)).toBe('fresh');
    expect(cache.use('jkt', 'a', iat)).toBe('replay');
    expect(cache.use('other-jkt', 'a', iat)).toBe('fresh');
    clock += 300_000;
    expect(cache.use('jkt', 'a', iat)).toBe('replay');
    clock += 3_000;
    expect(cache.use('jkt', 'b', clock / 1000)).toBe('fresh');
    expect(cache.size).toBe(1); // a (both) pruned: their window has closed
  });

  it('is bounded: full rather than forgetting a proof still in its window, free again as proofs age out', () => {
    let clock = 1_000_000_000_000;
    const cache = new ProofReplayCache(2, () => clock);
    expect(cache.use('k', 'a', clock / 1000)).toBe('fresh');
    expect(cache.use('k', 'b', clock / 1000)).toBe('fresh');
    expect(cache.use('k', 'c', clock / 1000)).toBe('full');
    expect(cache.use('k', 'a', clock / 1000)).toBe('replay');
    expect(cache.size).toBe(2);
    clock += 303_000;
    expect(cache.use('k', 'c', clock / 1000)).toBe('fresh');
    expect(cache.size).toBe(1);
  });
});

describe('the DPoP nonces', () => {
  it('rotate, accepting the current and the previous nonce for less than two periods', () => {
    let clock = 0;
    const nonces = new DpopNonces(60_000, () => clock);
    const first = nonces.current();
    expect(nonces.accepts(first)).toBe(true);
    expect(nonces.accepts('invented')).toBe(false);
    expect(nonces.accepts(undefined)).toBe(false);
    clock = 60_000;
    const second = nonces.current();
    expect(second).not.toBe(first);
    expect(nonces.accepts(first)).toBe(true);
    expect(nonces.accepts(second)).toBe(true);
    clock = 119_999;
    expect(nonces.accepts(first)).toBe(true);
    clock = 120_000;
    expect(nonces.accepts(first)).toBe(false);
    expect(nonces.accepts(second)).toBe(true);
    clock = 1_000_000;
    expect(nonces.accepts(second)).toBe(false);
  });
});
