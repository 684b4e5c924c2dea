import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatchkeyError, type LatchkeyErrorCode } from './errors.ts';
import { createSession, type Session } from './session/index.ts';
import { memoryStore } from './session-store.ts';
import { createFakeBrowser, type FakeBrowser } from './testing/fake-browser.ts';
import { createFakeProvider, type FakeProvider } from './testing/fake-provider.ts';

/** Cases per property: 10^4 in CI; `npm run fuzz` sets 10^6. */
const numRuns = Number(process.env['FUZZ_RUNS'] ?? 10_000);
// Each case is a whole code exchange (about a millisecond): the budget grows with the runs.
const timeout = numRuns * 10;
const CLIENT_ID = 'app';
const KEY = `latchkey:${CLIENT_ID}`;
const b64u = (value: string) => Buffer.from(value).toString('base64url');

/** What a failed code exchange may say: a problem with the token response, never an unexpected crash. */
const TOKEN_STAGE_CODES = new Set<LatchkeyErrorCode>([
  'LATCHKEY_TOKEN_REQUEST_FAILED',
  'LATCHKEY_ID_TOKEN_INVALID',
  'LATCHKEY_ID_TOKEN_EXPIRED',
  'LATCHKEY_NONCE_MISMATCH',
  'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID',
]);

/** Values a token endpoint may put where a token, a number or a type belongs. */
const hostileValue = fc.oneof(
  fc.anything(),
  fc.string(),
  fc.json().map((json) => `${b64u('{"alg":"RS256"}')}.${b64u(json)}.sig`),
  fc.constantFrom('', 'Bearer', 'bearer', 'DPoP', 'mac', '600', '-1', '1e309', 'NaN', '0x10', 'eyJ.eyJ.', 'a.b.c'),
  fc.double(),
  fc.integer(),
);
const TOKEN_FIELDS = ['access_token', 'token_type', 'expires_in', 'id_token', 'refresh_token', 'scope', 'error', 'error_description'];
const status = fc.oneof(
  { weight: 3, arbitrary: fc.constant(200) },
  fc.constantFrom(201, 204, 302, 400, 401, 403, 429, 500, 502, 503, 504),
  fc.integer({ min: 200, max: 599 }),
);
const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/html', 'text/plain', undefined);

/** A Response as the token endpoint could send it (null-body statuses get no body, as fetch requires). */
function tokenEndpointResponse(statusCode: number, body: string, type: string | undefined): Response {
  const nullBody = statusCode === 204 || statusCode === 205 || statusCode === 304;
  return new Response(nullBody ? null : body, { status: statusCode, headers: type ? { 'content-type': type } : {} });
}

/**
 * One tab and one session for every run (discovery and the JWKS are fetched once): each run starts a
 * sign-in and completes the callback. With `tokenEndpoint`, the code exchange is answered by it at
 * once, before the provider issues (and signs) anything: a run costs no crypto but PKCE's hash.
 */
async function harness(provider: FakeProvider, tokenEndpoint?: () => Response) {
  const store = memoryStore();
  const browser: FakeBrowser = createFakeBrowser(provider, { store });
  const fetchImpl: typeof fetch = (input, init) =>
    tokenEndpoint && String(input instanceof Request ? input.url : input) === `${provider.issuer}/token`
      ? Promise.resolve(tokenEndpoint())
      : provider.fetch(input, init);
  const session: Session = createSession({ issuer: provider.issuer, clientId: CLIENT_ID, store }, { ...browser.ports, fetch: fetchImpl });
  /** The redirect back, without the provider issuing a code (whose exchange `tokenEndpoint` answers). */
  const callbackFor = (authorizeUrl: string) => {
    const q = new URL(authorizeUrl).searchParams;
    return `${q.get('redirect_uri')}?${new URLSearchParams({ code: 'c', state: q.get('state') ?? '', iss: provider.issuer })}`;
  };
  return {
    store,
    session,
    /** The callback's outcome: `undefined`, or the LatchkeyError it threw (anything else fails the run). */
    async signIn(): Promise<LatchkeyError | undefined> {
      browser.href = 'https://app.example.com/';
      await session.login();
      const authorizeUrl = browser.assigned as string;
      browser.href = tokenEndpoint ? callbackFor(authorizeUrl) : provider.authorize(authorizeUrl);
      return session.handleRedirectCallback().then(
        () => undefined,
        (error: unknown) => {
          if (!(error instanceof LatchkeyError)) throw error;
          return error;
        },
      );
    },
  };
}

// What counts as a token: a compact JWS, or a long opaque run (as errors.ts redacts them).
const TOKEN_SHAPE = /[\w-]{8,}\.[\w-]{8,}\.[\w-]*|[\w~+/=-]{40,}/;

/** The failure kept nothing: a token-stage code, anonymous, nothing stored, nothing token-shaped in the error. */
function expectRefusedCleanly(error: LatchkeyError | undefined, h: Awaited<ReturnType<typeof harness>>) {
  expect(error).toBeInstanceOf(LatchkeyError);
  expect(TOKEN_STAGE_CODES, `${error?.code}: ${error?.message}`).toContain(error?.code);
  expect(h.session.getState()).toMatchObject({ status: 'anonymous', user: null });
  expect(h.store.get(KEY)).toBeNull();
  expect(JSON.stringify({ message: error?.message, cause: error?.cause })).not.toMatch(TOKEN_SHAPE);
}

describe('properties of the code exchange against any token endpoint response', () => {
  it(
    'any status and body that is not an honest token response is refused with a token-stage LatchkeyError; nothing is kept',
    async () => {
      const provider = await createFakeProvider();
      let answer = () => new Response(null, { status: 500 });
      const h = await harness(provider, () => answer());
      const body = fc.oneof(
        fc.json(),
        fc.string(),
        fc.dictionary(fc.constantFrom(...TOKEN_FIELDS), hostileValue).map((fields) => JSON.stringify(fields) ?? 'null'),
      );
      await fc.assert(
        fc.asyncProperty(status, body, contentType, async (statusCode, text, type) => {
          answer = () => tokenEndpointResponse(statusCode, text, type);
          const error = await h.signIn();
          expectRefusedCleanly(error, h);
        }),
        { numRuns },
      );
      expect(provider.requests).toEqual(['GET /.well-known/openid-configuration']);
    },
    timeout,
  );

  it(
    'an honest token response with any fields changed or removed is either a session holding exactly what was sent, or refused with nothing kept',
    async () => {
      const provider = await createFakeProvider();
      const h = await harness(provider);
      const change = fc.record({
        set: fc.dictionary(fc.constantFrom(...TOKEN_FIELDS, 'x-extra'), hostileValue, { maxKeys: 3 }),
        drop: fc.subarray(TOKEN_FIELDS, { maxLength: 2 }),
        status,
        type: contentType,
      });
      await fc.assert(
        fc.asyncProperty(change, async ({ set, drop, status: statusCode, type }) => {
          let sent: Record<string, unknown> = {};
          provider.hooks.tokenResponse = (honest) => {
            sent = { ...honest, ...set };
            for (const field of drop) delete sent[field];
            return tokenEndpointResponse(statusCode, JSON.stringify(sent), type);
          };
          const error = await h.signIn();
          if (error || statusCode !== 200) return expectRefusedCleanly(error, h);
          // Accepted: a session that is signed in and holds what the provider sent, and only that.
          expect(h.session.getState().status).toBe('authenticated');
          const stored = JSON.parse(h.store.get(KEY) as string) as Record<string, unknown>;
          expect(stored['access_token']).toBe(sent['access_token']);
          expect(stored['id_token']).toBe(sent['id_token']);
          expect(typeof stored['access_token']).toBe('string');
          expect(Number.isFinite(stored['expires_at_ms'])).toBe(true);
          expect(stored['expires_at_ms']).toBeGreaterThanOrEqual(stored['issued_at_ms'] as number);
          expect(stored['refresh_token']).toBe(sent['refresh_token']);
          await h.session.logout({ revokeRefreshToken: false });
        }),
        { numRuns },
      );
    },
    timeout,
  );
});
