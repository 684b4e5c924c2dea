import { createServer, type Server } from 'node:http';
import express from 'express';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkeyBff } from './express.ts';
import { BFF_CLIENT_ID, freePort, makeTestBff, readStreamUntil, startTestIdp, type TestBff, type TestIdp } from './testing/harness.ts';
import type { TestBrowser } from './testing/browser.ts';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

let idp: TestIdp;
let t: TestBff;
let server: Server;
let signingKey: CryptoKey;
const kid = 'idp-test-key';

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  const appPort = await freePort();
  idp = await startTestIdp({ appPort, signingJwk: { ...(await exportJWK(pair.privateKey)), kid, alg: 'RS256', use: 'sig' } });
  t = makeTestBff(idp);
  // Served over HTTP too: the provider posts its logout tokens to the BFF's back-channel URI.
  const app = express();
  app.use(latchkeyBff(t.bff));
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(appPort, '127.0.0.1', resolve));
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await t?.bff.close();
  await idp?.close();
});

/** A logout token as the provider signs it, with `claims` over (or `undefined` to leave one out). */
async function logoutToken(
  claims: Record<string, unknown>,
  options: { key?: CryptoKey; typ?: string; alg?: string } = {},
): Promise<string> {
  const now = Math.floor(t.clock.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: idp.issuer,
    aud: BFF_CLIENT_ID,
    iat: now,
    exp: now + 120,
    jti: crypto.randomUUID(),
    events: { [LOGOUT_EVENT]: {} },
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid, typ: options.typ ?? 'logout+jwt' })
    .sign(options.key ?? signingKey);
}

function post(body: string, type = 'application/x-www-form-urlencoded'): Promise<Response> {
  return t.bff.handle(
    new Request(`${t.appOrigin}/bff/backchannel-logout`, { method: 'POST', headers: { 'content-type': type }, body }),
  ) as Promise<Response>;
}

const form = (token: string) => new URLSearchParams({ logout_token: token }).toString();

async function signedIn(): Promise<{ browser: TestBrowser; sid: string; sub: string }> {
  const browser = t.browser();
  await browser.signIn();
  const session = await t.sessionOf(browser);
  if (!session?.sid) throw new Error('the provider sent no sid');
  return { browser, sid: session.sid, sub: session.sub };
}

const status = async (browser: TestBrowser) => (await browser.session()).body['status'];

describe('back-channel logout: a valid logout token', () => {
  it("ends that sid's session and tells its open event stream", async () => {
    const { browser, sid } = await signedIn();
    const stream = await browser.fetchFromPage('/bff/events');
    const ended = readStreamUntil((stream.body as ReadableStream<Uint8Array>).getReader(), (text) => text.includes('"status":"anonymous"'));
    expect((await post(form(await logoutToken({ sid })))).status).toBe(200);
    await expect(ended).resolves.toMatch(/event: session/);
    expect(await status(browser)).toBe('anonymous');
  });

  it("ends every session of a sub when the token has no sid, and no one else's", async () => {
    const one = await signedIn();
    const two = await signedIn();
    expect((await post(form(await logoutToken({ sub: one.sub })))).status).toBe(200);
    expect(await status(one.browser)).toBe('anonymous');
    expect(await status(two.browser)).toBe('anonymous');
  });

  it('answers 200 for a session that is already gone', async () => {
    expect((await post(form(await logoutToken({ sid: 'no-such-session' })))).status).toBe(200);
  });

  it('is used once: the same jti again is refused with 400', async () => {
    const { browser, sid } = await signedIn();
    const token = await logoutToken({ sid });
    expect((await post(form(token))).status).toBe(200);
    const other = await signedIn();
    const replay = await logoutToken({
      sid: other.sid,
      jti: JSON.parse(atob((token.split('.')[1] as string).replace(/-/g, '+').replace(/_/g, '/')))['jti'],
    });
    expect((await post(form(replay))).status).toBe(400);
    expect(await status(other.browser)).toBe('authenticated');
    expect(await status(browser)).toBe('anonymous');
  });
});

describe('back-channel logout token: refused with 400, no session ended', () => {
  let victim: Awaited<ReturnType<typeof signedIn>>;
  beforeAll(async () => {
    victim = await signedIn();
  });

  const now = () => Math.floor(t.clock.now() / 1000);
  const cases: [string, () => Promise<string>][] = [
    [
      'a bad signature (another key, the same kid)',
      async () => logoutToken({ sid: victim.sid }, { key: (await generateKeyPair('RS256')).privateKey }),
    ],
    ['a wrong iss', () => logoutToken({ sid: victim.sid, iss: 'https://evil.example' })],
    ['a wrong aud', () => logoutToken({ sid: victim.sid, aud: 'someone-else' })],
    ['no events claim', () => logoutToken({ sid: victim.sid, events: undefined })],
    ['an events claim without the logout event', () => logoutToken({ sid: victim.sid, events: { 'http://example.com/other': {} } })],
    ['a logout event that is not an object', () => logoutToken({ sid: victim.sid, events: { [LOGOUT_EVENT]: 'yes' } })],
    ['a nonce', () => logoutToken({ sid: victim.sid, nonce: 'n-0S6_WzA2Mj' })],
    ['an old iat', () => logoutToken({ sid: victim.sid, iat: now() - 3600, exp: now() + 60 })],
    ['an iat in the future', () => logoutToken({ sid: victim.sid, iat: now() + 3600, exp: now() + 7200 })],
    ['an expired exp', () => logoutToken({ sid: victim.sid, iat: now() - 200, exp: now() - 100 })],
    ['no exp', () => logoutToken({ sid: victim.sid, exp: undefined })],
    ['no jti', () => logoutToken({ sid: victim.sid, jti: undefined })],
    ['neither sid nor sub', () => logoutToken({ sid: undefined, sub: undefined })],
    ['a typ other than logout+jwt', () => logoutToken({ sid: victim.sid }, { typ: 'JWT' })],
    [
      'an HMAC signature',
      async () => logoutToken({ sid: victim.sid }, { alg: 'HS256', key: new TextEncoder().encode('x'.repeat(32)) as unknown as CryptoKey }),
    ],
    [
      'alg none',
      async () => {
        const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
        const n = now();
        return `${encode({ alg: 'none', typ: 'logout+jwt' })}.${encode({ iss: idp.issuer, aud: BFF_CLIENT_ID, iat: n, exp: n + 60, jti: 'x', sid: victim.sid, events: { [LOGOUT_EVENT]: {} } })}.`;
      },
    ],
    ['garbage', async () => 'not-a-jwt'],
  ];

  it.each(cases)('refuses %s', async (_name, make) => {
    const answer = await post(form(await make()));
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: string }).error).toBe('invalid_request');
    expect(await status(victim.browser)).toBe('authenticated');
  });

  it('refuses a body that is not a form, and one with two logout tokens', async () => {
    const token = await logoutToken({ sid: victim.sid });
    expect((await post(JSON.stringify({ logout_token: token }), 'application/json')).status).toBe(400);
    expect((await post(`${form(token)}&${form(token)}`)).status).toBe(400);
    expect(await status(victim.browser)).toBe('authenticated');
  });
});

describe('back-channel logout from the real provider', () => {
  it('a logout at the provider (RP-initiated, another app or tab) ends the BFF session through the back channel', async () => {
    const { browser } = await signedIn();
    const session = await t.sessionOf(browser);
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as { end_session_endpoint: string };
    const end = new URL(discovery.end_session_endpoint);
    end.searchParams.set('id_token_hint', session?.tokens.stored.id_token ?? '');
    end.searchParams.set('client_id', BFF_CLIENT_ID);
    // The provider's logout page posts its form; follow it as the browser would, with the provider's cookies.
    const page = await fetch(end, { headers: { cookie: browser.jar.header(end) }, redirect: 'manual' });
    browser.jar.store(end, page);
    const html = await page.text();
    const action = new URL(/<form[^>]*\baction="([^"]+)"/.exec(html)?.[1] ?? '', end);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const confirm = await fetch(action, {
      method: 'POST',
      headers: { cookie: browser.jar.header(action), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
      redirect: 'manual',
    });
    expect(confirm.status).toBeLessThan(400);
    await expect.poll(() => status(browser), { timeout: 5000 }).toBe('anonymous');
  });
});
