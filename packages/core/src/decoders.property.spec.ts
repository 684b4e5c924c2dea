import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatchkeyError } from './errors.ts';
import { decodeJwtPayload } from './jwt.ts';
import { safeReturnTo } from './return-to.ts';
import { createSession } from './session.ts';
import { memoryStore } from './session-store.ts';
import { parseStoredSession } from './stored-session.ts';
import { createFakeBrowser } from './testing/fake-browser.ts';
import { createFakeProvider } from './testing/fake-provider.ts';

/** Cases per property: 10^4 in CI; `npm run fuzz` sets 10^6. */
const numRuns = Number(process.env['FUZZ_RUNS'] ?? 10_000);
const origin = 'https://app.example.com';
const b64u = (value: string) => Buffer.from(value).toString('base64url');

/** Strings that look like what the decoders meet: JWT-ish, JSON-ish, URL-ish, and raw bytes. */
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.json().map((json) => `${b64u('{"alg":"RS256"}')}.${b64u(json)}.sig`),
  fc.tuple(fc.string(), fc.string(), fc.string()).map((parts) => parts.join('.')),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    '//evil.example',
    '/\\evil.example',
    'javascript:alert(1)',
    '/\t/evil.example',
    '%2F%2Fevil.example',
    '\u0000',
    '.',
    '..',
  ),
);

describe('properties of everything that decodes untrusted data', () => {
  it('decodeJwtPayload never throws and only returns JSON objects', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.anything()), (input) => {
        const result = decodeJwtPayload(input);
        expect(result === undefined || (typeof result === 'object' && result !== null && !Array.isArray(result))).toBe(true);
      }),
      { numRuns },
    );
  });

  it('decodeJwtPayload round-trips any JSON object payload', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (payload) => {
        expect(decodeJwtPayload(`${b64u('{}')}.${b64u(JSON.stringify(payload))}.s`)).toEqual(JSON.parse(JSON.stringify(payload)));
      }),
      { numRuns },
    );
  });

  it('safeReturnTo never throws and never leaves the origin', () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.anything()), (input) => {
        const result = safeReturnTo(input, origin);
        expect(result.startsWith('/')).toBe(true);
        expect(result.startsWith('//')).toBe(false);
        expect(new URL(result, origin).origin).toBe(origin);
      }),
      { numRuns },
    );
  });

  const record = fc.record(
    {
      v: fc.oneof(fc.constant(1), fc.anything()),
      issuer: fc.oneof(fc.constant('https://op.example.com/'), fc.string()),
      client_id: fc.oneof(fc.constant('app'), fc.string()),
      id_token: fc.oneof(hostileString, fc.anything()),
      access_token: fc.oneof(fc.string(), fc.anything()),
      token_type: fc.oneof(fc.constant('bearer'), fc.anything()),
      issued_at_ms: fc.oneof(fc.double(), fc.anything()),
      expires_at_ms: fc.oneof(fc.double(), fc.anything()),
      clock_offset_ms: fc.oneof(fc.double(), fc.anything()),
      refresh_token: fc.anything(),
    },
    { requiredKeys: [] },
  );

  it('parseStoredSession never throws, and accepts only a complete record for this issuer and client', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileString,
          record.map((r) => JSON.stringify(r) ?? 'null'),
          fc.anything(),
        ),
        (raw) => {
          const restored = parseStoredSession(raw, 'https://op.example.com/', 'app');
          if (restored) {
            expect(restored.stored.issuer).toBe('https://op.example.com/');
            expect(typeof restored.user.sub).toBe('string');
            expect(Number.isFinite(restored.user.exp)).toBe(true);
            expect(Number.isFinite(restored.stored.expires_at_ms)).toBe(true);
          }
        },
      ),
      { numRuns },
    );
  });

  it('a session started on any stored value never throws and is never built from invalid input', async () => {
    const provider = await createFakeProvider();
    fc.assert(
      fc.property(
        fc.oneof(
          hostileString,
          record.map((r) => JSON.stringify(r) ?? 'null'),
        ),
        (raw) => {
          const store = memoryStore();
          store.set('latchkey:app', raw);
          const browser = createFakeBrowser(provider, { store });
          const session = createSession({ issuer: provider.issuer, clientId: 'app', store }, browser.ports);
          const valid = parseStoredSession(raw, 'https://op.example.com/', 'app');
          expect(session.getState().status === 'authenticated').toBe(valid !== undefined && valid.stored.expires_at_ms > Date.now());
          if (session.getState().status === 'anonymous') expect(store.get('latchkey:app')).toBeNull();
          session.dispose();
        },
      ),
      { numRuns },
    );
    expect(provider.requests).toEqual([]);
  });

  it('any callback URL fails with a LatchkeyError and no session unless it answers a sign-in this tab started', async () => {
    const provider = await createFakeProvider();
    const query = fc.dictionary(
      fc.constantFrom('code', 'state', 'iss', 'error', 'error_description', 'session_state', 'x'),
      fc.oneof(fc.string(), hostileString),
      {
        maxKeys: 6,
      },
    );
    await fc.assert(
      fc.asyncProperty(query, async (params) => {
        const store = memoryStore();
        const browser = createFakeBrowser(provider, { store, href: `${origin}/callback?${new URLSearchParams(params)}` });
        const session = createSession({ issuer: provider.issuer, clientId: 'app', store }, browser.ports);
        const error = await session.handleRedirectCallback().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(LatchkeyError);
        expect(session.isAuthenticated()).toBe(false);
        expect(store.get('latchkey:app')).toBeNull();
        expect(browser.href).toBe(`${origin}/callback`);
        session.dispose();
      }),
      { numRuns },
    );
    expect(provider.requests.filter((r) => r === 'POST /token')).toEqual([]);
  });
});
