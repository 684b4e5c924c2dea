// The misbehaving provider's cases: one issuer path each (`http://127.0.0.1:PORT/<name>`), each a small
// piece of data saying what the provider breaks and what Latchkey must do about it (docs/security.md).
// Read by the provider (`hostile-provider.ts`) and by the runner (`e2e/tests/hostile.spec.ts`).
import type { LatchkeyErrorCode } from '../../packages/core/src/errors.ts';
import type { SecurityRowId } from './security-rows.ts';

/** The demo's client; every ID token is issued to it. */
export const CLIENT_ID = 'latchkey-demo';

/** The one user of the hostile provider; the demo greets them as "Signed in as Hal Hostile". */
export const USER = { sub: 'hal', name: 'Hal Hostile', email: 'hal@hostile.test', email_verified: true } as const;

/** Somewhere that is not this provider, for claims and parameters that must name it. */
export const ELSEWHERE = 'http://127.0.0.1:9/someone-else';

/** What to break in an ID token. */
export interface IdTokenMutation {
  /** Claims set over the honest ones. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Claims removed. */
  readonly omit?: readonly string[];
  /** `iat` this long ago (default 0: now). */
  readonly issuedSecondsAgo?: number;
  /** `exp` this long from now (negative: already expired); default the case's lifetime. */
  readonly expiresInSeconds?: number;
  /** How it is signed. HS256 uses the provider's public RSA key as the secret (the classic confusion attack). */
  readonly alg?: 'RS256' | 'ES256' | 'HS256' | 'none';
  /** Leave `kid` out of the header. */
  readonly kid?: 'omit';
  /** Flip bits of the signature (it stays well-formed base64url of the right length). */
  readonly signature?: 'corrupt';
}

/** What to break in a token endpoint response. Applied only to requests the provider found valid. */
export interface TokenResponseMutation {
  readonly status?: number;
  /** The body, sent as is instead of the honest JSON. */
  readonly body?: string;
  readonly contentType?: string;
  /** Fields set over the honest JSON body. */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** Fields removed from the honest JSON body. */
  readonly omit?: readonly string[];
  /** Wait this long before answering (or dropping the connection). */
  readonly delayMs?: number;
  /** Drop the connection without any response. */
  readonly noResponse?: boolean;
  /** The provider did not process the request (it answers in front of it): a refresh token stays unused. */
  readonly unprocessed?: boolean;
}

/** Everything a case can make the provider do wrong. An empty object is an honest provider. */
export interface ProviderBehaviour {
  /** Lifetime of every token, in seconds. Default 300. */
  readonly ttlSeconds?: number;
  /** Fields set over the honest discovery document. */
  readonly discovery?: Readonly<Record<string, unknown>>;
  readonly jwks?: {
    /** Publish only the key that signs (no EC key beside the RSA one). */
    readonly onlySigningKey?: boolean;
    /** Publish this many other RSA signing keys besides the real one (which comes last). */
    readonly decoys?: number;
    /** Publish these key objects as well (unparseable, unknown `kty`, …). */
    readonly junk?: readonly Readonly<Record<string, unknown>>[];
  };
  /** What to break in the redirect back to the app. */
  readonly authResponse?: {
    /** `wrong`: another value; `replay`: the first `state` this case ever answered. */
    readonly state?: 'wrong' | 'omit' | 'replay';
    readonly iss?: 'wrong' | 'omit';
    /** Redirect back with `error=` (and `state`, `iss`) instead of a code. */
    readonly error?: string;
  };
  /** The ID token of the code exchange. */
  readonly idToken?: IdTokenMutation;
  /** The code exchange's response. */
  readonly token?: TokenResponseMutation;
  /** The refresh-token grant: its response, and the refreshed ID token. */
  readonly refresh?: { readonly token?: TokenResponseMutation; readonly idToken?: IdTokenMutation };
}

/**
 * How the runner drives a case:
 * - `login`: Log In once; the outcome is the sign-in's.
 * - `refresh`: an honest sign-in with short-lived tokens; the first refresh meets the behaviour.
 * - `replay`: sign in, sign out, sign in again: the provider answers the second with the first `state`.
 * - `rotation`: sign in, the provider rotates its key, a refresh in the same page, sign out, sign in again.
 * - `down`: the provider is down when Log In is clicked; then it comes back and Log In works.
 * - `down-stored`: signed in, then the provider goes down: a reload, the refresh attempts, the end.
 * - `client`: an honest provider of its own for one client-side rule's test (`client-rules.spec.ts`).
 */
export type Scenario = 'login' | 'refresh' | 'replay' | 'rotation' | 'down' | 'down-stored' | 'client';

/** Where a refusal happens: nothing may follow it but what validating the bad response needs. */
export type RefusalStage = 'discovery' | 'authorization-response' | 'token-response' | 'refresh';

export type Outcome =
  /** A working session: "Signed in as Hal Hostile". */
  | { readonly signedIn: true }
  /** A `LatchkeyError` with this code on screen, Log In, no token anywhere, nothing requested after. */
  | { readonly refused: LatchkeyErrorCode; readonly at: RefusalStage }
  /** docs/security.md allows either ("reject or try each"), never a crash. */
  | { readonly refusedOrSignedIn: LatchkeyErrorCode }
  /** A refresh failed: the error is shown, the session lasts until its end, retried only if `retried`. */
  | { readonly keptUntilEnd: LatchkeyErrorCode; readonly retried: boolean };

export interface HostileCase {
  /** The issuer path, and the first words of the test's name. */
  readonly name: string;
  /** The rows of docs/security.md this case covers. */
  readonly rows: readonly SecurityRowId[];
  /** What the provider does, in a few words. */
  readonly does: string;
  readonly scenario: Scenario;
  readonly provider: ProviderBehaviour;
  readonly outcome: Outcome;
}

/** Lifetime of the tokens in the refresh scenarios: the core refreshes at 75 %, 6 s in. */
export const SHORT_TTL_SECONDS = 8;

const short = { ttlSeconds: SHORT_TTL_SECONDS } as const;
const signedIn = { signedIn: true } as const;
const idTokenRefused = (code: LatchkeyErrorCode) => ({ refused: code, at: 'token-response' }) as const;
const jsonError = (error: string) => JSON.stringify({ error });

export const cases: readonly HostileCase[] = [
  { name: 'happy-path', rows: ['happy-path'], does: 'behaves', scenario: 'login', provider: {}, outcome: signedIn },

  // ---- the ID token's claims ----
  {
    name: 'nonce-invalid',
    rows: ['nonce-invalid'],
    does: 'puts a different nonce in the ID token',
    scenario: 'login',
    provider: { idToken: { claims: { nonce: 'not-the-nonce-that-was-sent' } } },
    outcome: idTokenRefused('LATCHKEY_NONCE_MISMATCH'),
  },
  ...(
    [
      ['invalid-iss', 'names another issuer in the ID token', { claims: { iss: ELSEWHERE } }],
      ['invalid-aud', 'issues the ID token to another audience', { claims: { aud: 'someone-else' } }],
      ['missing-aud', 'leaves aud out of the ID token', { omit: ['aud'] }],
      ['missing-sub', 'leaves sub out of the ID token', { omit: ['sub'] }],
      ['missing-iat', 'leaves iat out of the ID token', { omit: ['iat'] }],
      ['missing-exp', 'leaves exp out of the ID token', { omit: ['exp'] }],
    ] as const
  ).map(([name, does, idToken]): HostileCase => ({
    name,
    rows: ['claims'],
    does,
    scenario: 'login',
    provider: { idToken },
    outcome: idTokenRefused('LATCHKEY_ID_TOKEN_INVALID'),
  })),
  {
    name: 'expired-exp',
    rows: ['expired-exp'],
    does: 'issues an ID token that expired 10 minutes ago',
    scenario: 'login',
    provider: { idToken: { expiresInSeconds: -600 } },
    outcome: idTokenRefused('LATCHKEY_ID_TOKEN_EXPIRED'),
  },
  {
    // The core reads the provider's clock from iat: an old iat must not make an old token look fresh.
    name: 'expired-exp-stale-iat',
    rows: ['expired-exp'],
    does: 'issues an ID token issued 2 h ago that expired 1 h ago',
    scenario: 'login',
    provider: { idToken: { issuedSecondsAgo: 7200, expiresInSeconds: -3600 } },
    outcome: idTokenRefused('LATCHKEY_ID_TOKEN_EXPIRED'),
  },
  {
    name: 'secondary-aud',
    rows: ['secondary-aud'],
    does: 'issues the ID token to [us, someone else] without azp',
    scenario: 'login',
    provider: { idToken: { claims: { aud: [CLIENT_ID, 'someone-else'] } } },
    outcome: idTokenRefused('LATCHKEY_ID_TOKEN_INVALID'),
  },
  {
    name: 'aud-array-of-just-us',
    rows: ['secondary-aud', 'token-endpoint-oddities'],
    does: 'issues the ID token with aud an array of just us',
    scenario: 'login',
    provider: { idToken: { claims: { aud: [CLIENT_ID] } } },
    outcome: signedIn,
  },

  // ---- the ID token's signature and keys ----
  {
    name: 'bad-sig-rs256',
    rows: ['bad-sig'],
    does: 'corrupts the RS256 signature',
    scenario: 'login',
    provider: { idToken: { signature: 'corrupt' } },
    outcome: idTokenRefused('LATCHKEY_ID_TOKEN_SIGNATURE_INVALID'),
  },
  {
    name: 'bad-sig-es256',
    rows: ['bad-sig'],
    does: 'corrupts the ES256 signature',
    scenario: 'login',
    provider: { idToken: { alg: 'ES256', signature: 'corrupt' } },
    outcome: idTokenRefused('LATCHKEY_ID_TOKEN_SIGNATURE_INVALID'),
  },
  {
    // The control for bad-sig-es256: ES256 itself is fine, only the broken signature is refused.
    name: 'good-sig-es256',
    rows: ['bad-sig'],
    does: 'signs with ES256, correctly',
    scenario: 'login',
    provider: { idToken: { alg: 'ES256' } },
    outcome: signedIn,
  },
  {
    // The metadata even advertises HS256, so only the client's own policy can refuse it.
    name: 'hs256',
    rows: ['hs256'],
    does: 'signs with HS256 (its public key as the secret) and advertises HS256',
    scenario: 'login',
    provider: { idToken: { alg: 'HS256' }, discovery: { id_token_signing_alg_values_supported: ['RS256', 'ES256', 'HS256'] } },
    outcome: idTokenRefused('LATCHKEY_ID_TOKEN_SIGNATURE_INVALID'),
  },
  {
    name: 'sig-none',
    rows: ['sig-none'],
    does: 'sends alg none and advertises none',
    scenario: 'login',
    provider: { idToken: { alg: 'none' }, discovery: { id_token_signing_alg_values_supported: ['RS256', 'none'] } },
    outcome: idTokenRefused('LATCHKEY_ID_TOKEN_SIGNATURE_INVALID'),
  },
  {
    name: 'kid-absent-single-jwks',
    rows: ['kid-absent-single-jwks'],
    does: 'omits kid, one key in the JWKS',
    scenario: 'login',
    provider: { idToken: { kid: 'omit' }, jwks: { onlySigningKey: true } },
    outcome: signedIn,
  },
  {
    name: 'kid-absent-multiple-jwks',
    rows: ['kid-absent-multiple-jwks'],
    does: 'omits kid, three RSA keys in the JWKS (the signing one last)',
    scenario: 'login',
    provider: { idToken: { kid: 'omit' }, jwks: { decoys: 2 } },
    outcome: { refusedOrSignedIn: 'LATCHKEY_ID_TOKEN_SIGNATURE_INVALID' },
  },
  {
    name: 'key-rotation',
    rows: ['key-rotation'],
    does: 'rotates its signing key between two sign-ins, and before a refresh in the same page',
    scenario: 'rotation',
    provider: { ...short, jwks: { onlySigningKey: true } },
    outcome: signedIn,
  },
  {
    name: 'junk-keys-in-jwks',
    rows: ['junk-keys-in-jwks'],
    does: 'publishes unparseable and unknown-kty keys beside the real one',
    scenario: 'login',
    provider: {
      jwks: {
        junk: [
          { kty: 'RSA', kid: 'junk-unparseable', use: 'sig', alg: 'RS256', n: 'not base64url!', e: 'AQAB' },
          { kty: 'XYZ', kid: 'junk-unknown-kty', alg: 'RS256' },
          { kty: 'EC', kid: 'junk-unknown-curve', crv: 'P-999', x: 'AA', y: 'AA' },
          { kty: 'OKP', kid: 'junk-ed448', crv: 'Ed448', x: 'AA' },
          { kty: 'oct', kid: 'junk-symmetric', k: 'c2VjcmV0' },
          { kid: 'junk-no-kty' },
        ],
      },
    },
    outcome: signedIn,
  },

  // ---- the authorization response ----
  {
    name: 'state-mismatch',
    rows: ['state'],
    does: 'returns a wrong state',
    scenario: 'login',
    provider: { authResponse: { state: 'wrong' } },
    outcome: { refused: 'LATCHKEY_STATE_MISMATCH', at: 'authorization-response' },
  },
  {
    name: 'state-missing',
    rows: ['state'],
    does: 'returns no state',
    scenario: 'login',
    provider: { authResponse: { state: 'omit' } },
    outcome: { refused: 'LATCHKEY_STATE_MISSING', at: 'authorization-response' },
  },
  {
    name: 'state-replayed',
    rows: ['state'],
    does: 'answers a second sign-in with the first one’s (used) state',
    scenario: 'replay',
    provider: { authResponse: { state: 'replay' } },
    outcome: { refused: 'LATCHKEY_STATE_MISMATCH', at: 'authorization-response' },
  },
  {
    name: 'iss-param-mismatch',
    rows: ['iss-param'],
    does: 'puts a wrong iss in the redirect',
    scenario: 'login',
    provider: { authResponse: { iss: 'wrong' } },
    outcome: { refused: 'LATCHKEY_ISS_MISMATCH', at: 'authorization-response' },
  },
  {
    name: 'iss-param-missing',
    rows: ['iss-param'],
    does: 'leaves iss out of the redirect although its metadata promises it',
    scenario: 'login',
    provider: { authResponse: { iss: 'omit' } },
    outcome: { refused: 'LATCHKEY_ISS_MISMATCH', at: 'authorization-response' },
  },
  {
    name: 'callback-error',
    rows: ['callback-error'],
    does: 'redirects back with error=access_denied',
    scenario: 'login',
    provider: { authResponse: { error: 'access_denied' } },
    outcome: { refused: 'LATCHKEY_ACCESS_DENIED', at: 'authorization-response' },
  },

  // ---- discovery ----
  {
    name: 'discovery-issuer-mismatch',
    rows: ['discovery-issuer-mismatch'],
    does: 'names another issuer in its metadata',
    scenario: 'login',
    provider: { discovery: { issuer: ELSEWHERE } },
    outcome: { refused: 'LATCHKEY_ISSUER_MISMATCH', at: 'discovery' },
  },

  // ---- the token endpoint at sign-in: a clear error, nothing stored, the code exchange never retried ----
  ...([429, 500, 502, 503, 504] as const).map((status): HostileCase => ({
    name: `token-endpoint-${status}`,
    rows: ['token-endpoint-errors'],
    does: `answers the code exchange with HTTP ${status}`,
    scenario: 'login',
    provider: { token: { status, body: 'Service trouble', contentType: 'text/plain' } },
    outcome: { refused: 'LATCHKEY_TOKEN_REQUEST_FAILED', at: 'token-response' },
  })),
  {
    name: 'token-endpoint-html',
    rows: ['token-endpoint-errors'],
    does: 'answers the code exchange with an HTML page (HTTP 200)',
    scenario: 'login',
    provider: { token: { body: '<!doctype html><title>Sign in</title><p>Welcome!</p>', contentType: 'text/html' } },
    outcome: { refused: 'LATCHKEY_TOKEN_REQUEST_FAILED', at: 'token-response' },
  },
  {
    name: 'token-endpoint-no-response',
    rows: ['token-endpoint-errors'],
    does: 'hangs on the code exchange, then drops the connection without a response',
    scenario: 'login',
    provider: { token: { delayMs: 1_000, noResponse: true } },
    outcome: { refused: 'LATCHKEY_PROVIDER_UNREACHABLE', at: 'token-response' },
  },
  ...(
    [
      ['expires-in-missing', 'leaves expires_in out', { omit: ['expires_in'] }],
      ['expires-in-string', 'sends expires_in as a numeric string', { fields: { expires_in: '300' } }],
      ['token-type-bearer-mixed-case', 'sends token_type "bEARER"', { fields: { token_type: 'bEARER' } }],
    ] as const
  ).map(([name, does, token]): HostileCase => ({
    name,
    rows: ['token-endpoint-oddities'],
    does,
    scenario: 'login',
    provider: { token },
    outcome: signedIn,
  })),
  {
    name: 'expires-in-under-a-second',
    rows: ['token-endpoint-oddities'],
    does: 'sends expires_in 0.001 (a session that would end before it is shown)',
    scenario: 'login',
    provider: { token: { fields: { expires_in: 0.001 } } },
    outcome: { refused: 'LATCHKEY_TOKEN_REQUEST_FAILED', at: 'token-response' },
  },

  // ---- refresh ----
  {
    name: 'invalid-grant-on-refresh',
    rows: ['invalid-grant-on-refresh'],
    does: 'answers the refresh with invalid_grant',
    scenario: 'refresh',
    provider: { ...short, refresh: { token: { status: 400, body: jsonError('invalid_grant') } } },
    outcome: { refused: 'LATCHKEY_REFRESH_REJECTED', at: 'refresh' },
  },
  ...(
    [
      ['refresh-changes-sub', 'refreshes into another sub', { sub: 'mallory' }, 'LATCHKEY_IDENTITY_CHANGED'],
      // oauth4webapi refuses a foreign iss before the §12.2 comparison runs: another code, same end.
      ['refresh-changes-iss', 'refreshes into another iss', { iss: ELSEWHERE }, 'LATCHKEY_ID_TOKEN_INVALID'],
      [
        'refresh-changes-aud',
        'refreshes into aud [us, someone else] (with azp)',
        { aud: [CLIENT_ID, 'someone-else'], azp: CLIENT_ID },
        'LATCHKEY_IDENTITY_CHANGED',
      ],
      ['refresh-adds-azp', 'refreshes into a token with a new azp', { azp: CLIENT_ID }, 'LATCHKEY_IDENTITY_CHANGED'],
    ] as const
  ).map(([name, does, claims, code]): HostileCase => ({
    name,
    rows: ['refresh-changes-identity'],
    does,
    scenario: 'refresh',
    provider: { ...short, refresh: { idToken: { claims } } },
    outcome: { refused: code, at: 'refresh' },
  })),
  {
    name: 'refresh-500',
    rows: ['token-endpoint-errors'],
    does: 'answers the refresh with HTTP 500 (it may have been processed)',
    scenario: 'refresh',
    provider: { ...short, refresh: { token: { status: 500, body: 'oops', contentType: 'text/plain' } } },
    outcome: { keptUntilEnd: 'LATCHKEY_TOKEN_REQUEST_FAILED', retried: false },
  },
  ...([429, 502, 503, 504] as const).map((status): HostileCase => ({
    name: `refresh-${status}`,
    rows: ['token-endpoint-errors'],
    does: `answers every refresh with HTTP ${status} (not processed)`,
    scenario: 'refresh',
    provider: { ...short, refresh: { token: { status, body: 'busy', contentType: 'text/plain', unprocessed: true } } },
    outcome: { keptUntilEnd: 'LATCHKEY_PROVIDER_UNREACHABLE', retried: true },
  })),
  {
    name: 'refresh-no-response',
    rows: ['token-endpoint-errors'],
    does: 'drops every refresh request without a response',
    scenario: 'refresh',
    provider: { ...short, refresh: { token: { noResponse: true, unprocessed: true } } },
    outcome: { keptUntilEnd: 'LATCHKEY_PROVIDER_UNREACHABLE', retried: true },
  },

  // ---- down ----
  {
    name: 'provider-down-no-session',
    rows: ['provider-down-no-session'],
    does: 'is unreachable when Log In is clicked, then comes back',
    scenario: 'down',
    provider: {},
    outcome: { refused: 'LATCHKEY_PROVIDER_UNREACHABLE', at: 'discovery' },
  },
  {
    name: 'provider-down-stored-session',
    rows: ['provider-down-stored-session'],
    does: 'goes down while a stored session is still valid',
    scenario: 'down-stored',
    provider: short,
    outcome: { keptUntilEnd: 'LATCHKEY_PROVIDER_UNREACHABLE', retried: true },
  },

  // ---- honest providers, one per client-side rule's test ----
  ...(['client-redirect-uri', 'client-pkce', 'client-secrets', 'client-storage'] as const).map((name): HostileCase => ({
    name,
    rows: [],
    does: 'behaves',
    scenario: 'client',
    provider: name === 'client-secrets' ? short : {},
    outcome: signedIn,
  })),
];

/** The case named `name`. */
export function caseNamed(name: string): HostileCase | undefined {
  return cases.find((c) => c.name === name);
}
