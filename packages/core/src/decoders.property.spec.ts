import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatchkeyError } from './errors.ts';
import { decodeJwtPayload } from './jwt.ts';
import { safeReturnTo } from './return-to.ts';
import { createSession } from './session/index.ts';
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

  it('parseStoredSession never throws on anything, and accepts none of it (random records are never a valid one)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileString,
          record.map((r) => JSON.stringify(r) ?? 'null'),
          fc.anything(),
        ),
        (raw) => {
          expect(parseStoredSession(raw, 'https://op.example.com/', 'app')).toBeUndefined();
        },
      ),
      { numRuns },
    );
  });

  // A complete, valid record for this issuer and client, and one field at a time made wrong.
  const claims = { iss: 'https://op.example.com/', sub: 'alice', aud: 'app', exp: 2_000_000_000 };
  const jwt = (payload: unknown) => `${b64u('{"alg":"RS256"}')}.${b64u(JSON.stringify(payload))}.sig`;
  const validRecord: Record<string, unknown> = {
    v: 1,
    issuer: 'https://op.example.com/',
    client_id: 'app',
    id_token: jwt(claims),
    access_token: 'at',
    token_type: 'bearer',
    issued_at_ms: 1_000,
    signed_in_at_ms: 500,
    expires_at_ms: 2_000,
    clock_offset_ms: 0,
    refresh_token: 'rt',
    scope: 'openid',
  };
  const notAFiniteNumber = fc.oneof(fc.string(), fc.constantFrom(NaN, Infinity, -Infinity, null, true), fc.array(fc.integer()));
  const nonEmptyStringOtherThan = (value: string) => fc.string({ minLength: 1 }).filter((s) => s !== value);
  const wrong: Record<string, fc.Arbitrary<unknown>> = {
    v: fc.anything().filter((v) => v !== 1),
    issuer: nonEmptyStringOtherThan('https://op.example.com/'),
    client_id: nonEmptyStringOtherThan('app'),
    id_token: fc.oneof(
      hostileString.filter((t) => decodeJwtPayload(t) === undefined),
      fc.constantFrom(
        jwt({ ...claims, iss: 'https://evil.example/' }),
        jwt({ ...claims, aud: 'other' }),
        jwt({ ...claims, aud: ['other'] }),
        jwt({ ...claims, sub: '' }),
        jwt({ ...claims, sub: 42 }),
        jwt({ ...claims, exp: '2000000000' }),
        jwt({ iss: claims.iss, aud: claims.aud, exp: claims.exp }),
      ),
    ),
    access_token: fc.oneof(
      fc.constant(''),
      fc.anything().filter((v) => typeof v !== 'string'),
    ),
    token_type: fc.anything().filter((v) => typeof v !== 'string' && v !== undefined),
    issued_at_ms: notAFiniteNumber,
    signed_in_at_ms: notAFiniteNumber,
    expires_at_ms: notAFiniteNumber,
    clock_offset_ms: notAFiniteNumber,
    refresh_token: fc.oneof(
      fc.constant(''),
      fc.anything().filter((v) => typeof v !== 'string' && v !== undefined),
    ),
    scope: fc.anything().filter((v) => typeof v !== 'string' && v !== undefined),
  };

  it('parseStoredSession reads a valid record back as written, and refuses it with any one field wrong or a required one missing', () => {
    const restored = parseStoredSession(JSON.stringify(validRecord), 'https://op.example.com/', 'app');
    expect(restored?.stored).toEqual(validRecord);
    expect(restored?.user).toMatchObject(claims);
    const mutation = fc.oneof(
      ...Object.entries(wrong).map(([field, value]) => value.map((v) => ({ field, value: v as unknown, drop: false }))),
      fc
        .constantFrom(
          'v',
          'issuer',
          'client_id',
          'id_token',
          'access_token',
          'token_type',
          'issued_at_ms',
          'expires_at_ms',
          'clock_offset_ms',
        )
        .map((field) => ({ field, value: undefined as unknown, drop: true })),
    );
    fc.assert(
      fc.property(mutation, ({ field, value, drop }) => {
        const changed = { ...validRecord, [field]: value };
        if (drop) delete changed[field];
        const raw = JSON.stringify(changed);
        // JSON cannot carry NaN or Infinity (they become null) or undefined (dropped): still wrong, or absent.
        expect(parseStoredSession(raw, 'https://op.example.com/', 'app'), `${field}: ${raw}`).toBeUndefined();
      }),
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
