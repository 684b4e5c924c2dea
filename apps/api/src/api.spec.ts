import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Api } from './api.ts';

// A provider that only publishes its metadata and keys (127.0.0.1, a free port), and the API in front of it.
const AUDIENCE = 'http://localhost:4300';
let provider: Server;
let api: Api;
let issuer: string;
let signingKey: CryptoKey;
let publicPem: string;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  publicPem = await exportSPKI(pair.publicKey);
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
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
