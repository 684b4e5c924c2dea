// Every row of the security table, docs/security.md ("What Latchkey must refuse, and what it must survive"),
// and the tests that cover it. The browser tests written for a row say so with an annotation (`{ type: 'security',
// description: <row id> }`, see `securityRow()`); tests written before this table, and the core's unit
// tests, are named here. `report.ts` turns this into docs/security.md with each test's last result.

export const sections = ['Hostile provider', 'Client-side rules', 'Robustness', 'Stolen tokens (DPoP)', 'BFF mode'] as const;

export interface SecurityRow {
  readonly id: string;
  readonly section: (typeof sections)[number];
  /** The case, as docs/security.md names it. */
  readonly case: string;
  /** What Latchkey does, as docs/security.md says it. */
  readonly we: string;
  /**
   * Tests that cover the row without an annotation, as `e2e:`, `core:`, `bff:` or `api:` (the demo API's) + file › describe › title,
   * exactly as the Playwright and Vitest reports name them.
   */
  readonly alsoCoveredBy?: readonly string[];
}

const flow = "e2e:session-flow.spec.ts › the tutorial's session flow › ";
const engine = 'e2e:session-engine.spec.ts › the session engine in a real browser › ';
const callback = 'core:session.spec.ts › handleRedirectCallback › ';
const refresh = 'core:refresh.spec.ts › refresh › ';
const dpop = 'core:dpop.spec.ts › DPoP: the tokens bound to a key that cannot leave the browser › ';
const api = 'api:api.spec.ts › the demo API with DPoP › ';
const bffHappy = 'bff:sign-in.spec.ts › sign-in: the happy path › ';
const bffCsrf = 'bff:csrf.spec.ts › CSRF: the custom header, and Origin and Sec-Fetch-Site the app own › ';
const bffCors = 'bff:csrf.spec.ts › cross-origin read: no CORS grant on any answer › ';
const bffRedirect = 'bff:sign-in.spec.ts › open redirect: returnTo stays on the app › ';
const bffSsrf = 'bff:proxy.spec.ts › SSRF: only the allowlisted upstream, under its base path › ';
const bffBcl = 'bff:backchannel-logout.spec.ts › back-channel logout token: refused with 400, no session ended › ';
const bffHygiene = "bff:proxy.spec.ts › header hygiene: the upstream gets the session's token and nothing of the browser's credentials › ";

export const securityRows = [
  // ---- Hostile provider ----
  { id: 'happy-path', section: 'Hostile provider', case: 'happy path', we: 'complete code + PKCE S256, session created' },
  {
    id: 'nonce-invalid',
    section: 'Hostile provider',
    case: 'nonce-invalid',
    we: 'reject',
    alsoCoveredBy: [`${callback}rejects a different nonce with LATCHKEY_NONCE_MISMATCH, stores nothing`],
  },
  {
    id: 'claims',
    section: 'Hostile provider',
    case: 'invalid-iss / invalid-aud / missing-aud / missing-sub / missing-iat / missing-exp',
    we: 'reject',
  },
  { id: 'expired-exp', section: 'Hostile provider', case: 'expired-exp', we: 'reject' },
  {
    id: 'secondary-aud',
    section: 'Hostile provider',
    case: 'secondary-aud',
    we: '`aud` = [client, someone-else] without `azp`: reject; `aud` as an array containing only us is fine',
  },
  { id: 'bad-sig', section: 'Hostile provider', case: 'bad-sig-rs256 / bad-sig-es256', we: 'reject' },
  { id: 'hs256', section: 'Hostile provider', case: 'hs256', we: 'reject (a public client has no secret)' },
  { id: 'sig-none', section: 'Hostile provider', case: 'sig-none', we: 'reject' },
  { id: 'kid-absent-single-jwks', section: 'Hostile provider', case: 'kid-absent-single-jwks', we: 'accept' },
  { id: 'kid-absent-multiple-jwks', section: 'Hostile provider', case: 'kid-absent-multiple-jwks', we: 'reject or try each; never crash' },
  {
    id: 'key-rotation',
    section: 'Hostile provider',
    case: 'key-rotation',
    we: 're-fetch JWKS once on an unknown `kid`, accept',
    alsoCoveredBy: [
      'core:keys-and-userinfo.spec.ts › keys and userinfo › accepts a provider that rotated its signing key between two sign-ins, with one JWKS re-fetch',
    ],
  },
  { id: 'junk-keys-in-jwks', section: 'Hostile provider', case: 'junk-keys-in-jwks', we: 'ignore them, accept' },
  {
    id: 'state',
    section: 'Hostile provider',
    case: 'state-mismatch / state-missing / state-replayed',
    we: 'reject; a reused callback URL (back button) gives a clear error, not a crash',
    alsoCoveredBy: [
      `${flow}a callback with a tampered state is refused with a clear error, nothing stored`,
      `${flow}the same callback URL opened twice: the second is refused with a clear error, nothing stored`,
    ],
  },
  { id: 'iss-param', section: 'Hostile provider', case: 'iss-param-mismatch / iss-param-missing', we: 'reject before any token request' },
  {
    id: 'discovery-issuer-mismatch',
    section: 'Hostile provider',
    case: 'discovery-issuer-mismatch',
    we: 'refuse at first use (login), clear error',
  },
  {
    // The demo never asks for userinfo, so the browser cannot reach this path: the core's unit test does.
    id: 'userinfo-bad-sub',
    section: 'Hostile provider',
    case: 'userinfo-bad-sub',
    we: 'discard userinfo',
    alsoCoveredBy: ['core:keys-and-userinfo.spec.ts › keys and userinfo › discards userinfo whose sub differs from the ID token'],
  },
  {
    id: 'refresh-changes-identity',
    section: 'Hostile provider',
    case: 'refresh-changes-identity',
    we: 'reject, end session',
    alsoCoveredBy: [
      `${refresh}ends the session when the refreshed ID token has another sub`,
      `${refresh}ends the session when the refreshed ID token has another iss`,
      `${refresh}ends the session when the refreshed ID token has another aud`,
      `${refresh}ends the session when the refreshed ID token has a new azp`,
    ],
  },
  {
    id: 'token-endpoint-errors',
    section: 'Hostile provider',
    case: 'token-endpoint-errors',
    we: 'at login: a clear error, nothing stored, code exchange never retried; at refresh: keep the session, bounded retry only when the request cannot have been processed',
    alsoCoveredBy: [
      `${refresh}retries a refresh that cannot have been processed (503, 429, no response) with backoff, staying signed in`,
      `${refresh}never retries a refresh answered with a 500; the session lasts until its end, expiring soon`,
    ],
  },
  { id: 'token-endpoint-oddities', section: 'Hostile provider', case: 'token-endpoint-oddities', we: 'accept' },
  {
    id: 'callback-error',
    section: 'Hostile provider',
    case: 'callback-error',
    we: 'a clear message, signed out, no redirect loop',
    alsoCoveredBy: [`${flow}cancelling at the provider (error=access_denied) shows a clear message, signed out, no loop`],
  },
  {
    id: 'invalid-grant-on-refresh',
    section: 'Hostile provider',
    case: 'invalid-grant-on-refresh',
    we: 'end the session once, no loop',
    alsoCoveredBy: [`${refresh}ends the session once on invalid_grant, in every tab`],
  },
  {
    id: 'provider-down-no-session',
    section: 'Hostile provider',
    case: 'provider-down, no session',
    we: '"sign-in unavailable" with retry; no redirect loop',
    alsoCoveredBy: [
      'core:session.spec.ts › login › fails with PROVIDER_UNREACHABLE, not a redirect, when discovery cannot be reached — and works on retry',
    ],
  },
  {
    id: 'provider-down-stored-session',
    section: 'Hostile provider',
    case: 'provider-down, stored session',
    we: 'the session stays usable until it ends; refresh retried as above; a reload makes no provider request at all',
    alsoCoveredBy: [`${flow}a reload stays signed in and makes no request to the provider`],
  },

  // ---- Client-side rules ----
  {
    id: 'exact-redirect-uri',
    section: 'Client-side rules',
    case: 'One exact registered `redirect_uri`',
    we: 'never built from `location.href`',
  },
  {
    id: 'fresh-pkce-state-nonce',
    section: 'Client-side rules',
    case: 'Fresh PKCE verifier (CSPRNG, 43–128 chars), S256 only; fresh `state` and `nonce`',
    we: 'each single-use',
    alsoCoveredBy: ['core:session.spec.ts › login › uses a new verifier, state and nonce for every attempt'],
  },
  {
    id: 'code-state-removed',
    section: 'Client-side rules',
    case: '`code` and `state` after the callback',
    we: 'removed from the address bar (`history.replaceState`)',
    alsoCoveredBy: [`${flow}the callback removes code and state from the address bar and the history`],
  },
  {
    id: 'return-to',
    section: 'Client-side rules',
    case: '`returnTo` probes: `//evil.example`, `/\\evil.example`, `https://evil.example`, `javascript:alert(1)`, `%2F%2Fevil.example`, `/\\t/evil.example`, `/%09/evil.example`',
    we: 'kept in the login transaction, resolved against the origin; only path, query and hash kept; none may leave the origin',
    alsoCoveredBy: [`${engine}returnTo probes never leave the origin`],
  },
  {
    id: 'rotated-refresh-token',
    section: 'Client-side rules',
    case: 'A rotated refresh token',
    we: 'stored before it is used again; never two refreshes with one token (tabs included)',
    alsoCoveredBy: [
      `${engine}five tabs reaching expiry together with rotating refresh tokens (DPoP-bound) make exactly one refresh per rotation, over 10 rotations`,
      `${refresh}five tabs whose localStorage sees the others' writes late still make one request per rotation (no reuse)`,
    ],
  },
  {
    id: 'tokens-never-leak',
    section: 'Client-side rules',
    case: 'Tokens in a URL, a log line, an error message or its `cause`, the DOM',
    we: 'never; the one exception is `id_token_hint` on RP-initiated logout: by GET by default, in a form POST when configured so',
    alsoCoveredBy: [
      'core:logout.spec.ts › logout › revokes the refresh token and ends the provider session by GET with id_token_hint, client_id and post_logout_redirect_uri',
      'core:logout.spec.ts › logout › ends the provider session by POST when configured so, with id_token_hint, client_id and post_logout_redirect_uri',
      'core:logout.spec.ts › logout › leaves the ID token out with idTokenHint: false (GET)',
    ],
  },
  {
    id: 'transaction-in-session-storage',
    section: 'Client-side rules',
    case: 'The login transaction',
    we: "lives in `sessionStorage` keyed by `state`, deleted on first use (with the tab's other unfinished sign-ins), refused after an hour",
    alsoCoveredBy: [`${callback}refuses the same callback URL opened twice with STATE_MISMATCH`],
  },
  {
    id: 'no-silent-sign-in-after-logout',
    section: 'Client-side rules',
    case: 'After logout',
    we: 'nothing in any tab can sign the user back in silently until the next explicit login',
    alsoCoveredBy: [
      `${engine}logout in one tab makes every other tab show Log In within a second`,
      'core:tabs.spec.ts › tabs › a logout during an in-flight refresh wins: the refreshed tokens are never stored',
      'core:tabs.spec.ts › tabs › a sleeping per-tab session that missed the logout message ends on wake (logout marker)',
    ],
  },

  // ---- Robustness ----
  {
    id: 'garbage-in-store',
    section: 'Robustness',
    case: 'Garbage in the store (not a JWT, bad base64url, payload not a JSON object, `exp` missing or a string, a 1 MB value)',
    we: 'start-up never throws; the entry is removed; the app is anonymous; garbage is never sent as a token',
    alsoCoveredBy: [
      `${engine}garbage in the store (not JSON) never breaks start-up and is removed`,
      `${engine}garbage in the store (a raw JWT) never breaks start-up and is removed`,
      `${engine}garbage in the store (a record with a string exp) never breaks start-up and is removed`,
      `${engine}garbage in the store (1 MB of junk) never breaks start-up and is removed`,
      'core:decoders.property.spec.ts › properties of everything that decodes untrusted data › a session started on any stored value never throws and is never built from invalid input',
    ],
  },
  {
    id: 'throwing-store',
    section: 'Robustness',
    case: 'Store that throws (`SecurityError` on read, `QuotaExceededError` on write)',
    we: 'fall back to memory and emit `storeDegraded`; a login whose transaction cannot survive the redirect fails with a clear error',
    alsoCoveredBy: [
      `${engine}a store that throws (blocked localStorage) never breaks start-up; sign-in works from memory`,
      'core:session.spec.ts › the store › degrades a throwing store to memory, emits storeDegraded, and still signs in',
      'core:session.spec.ts › login › fails clearly when sessionStorage cannot keep the transaction',
    ],
  },
  {
    id: 'clock-skew',
    section: 'Robustness',
    case: 'Client clock ±5 min off',
    we: "the offset measured from the ID token's `iat` is applied: fresh tokens accepted, sessions end on time",
    alsoCoveredBy: [
      `${engine}a client clock almost 5 minutes fast still signs in and ends the session on time`,
      `${engine}a client clock almost 5 minutes slow still signs in and ends the session on time`,
    ],
  },
  {
    id: 'tab-asleep',
    section: 'Robustness',
    case: 'Tab asleep past expiry',
    we: 'on wake, state is correct before the next API call, and at most one refresh is made',
    alsoCoveredBy: [`${engine}a tab frozen past expiry is right on wake and makes at most one refresh`],
  },
  {
    id: 'five-tabs',
    section: 'Robustness',
    case: 'Five tabs reach expiry together with a rotating refresh token',
    we: 'exactly one refresh request, every tab keeps its session',
    alsoCoveredBy: [
      `${engine}five tabs reaching expiry together with rotating refresh tokens (DPoP-bound) make exactly one refresh per rotation, over 10 rotations`,
    ],
  },
  {
    id: 'logout-all-tabs',
    section: 'Robustness',
    case: 'Logout in one tab',
    we: 'every other tab is anonymous within a second, timers stopped, no token left in memory',
    alsoCoveredBy: [
      `${engine}logout in one tab makes every other tab show Log In within a second`,
      'core:tabs.spec.ts › tabs › logout in one tab signs out every tab, per-tab stores included',
    ],
  },
  {
    id: 'back-button-after-logout',
    section: 'Robustness',
    case: 'Back button after logout',
    we: 'no authenticated page is shown from the history cache',
    alsoCoveredBy: [`${engine}the back button after logout shows no signed-in page`],
  },
  // ---- Stolen tokens (XSS): browser mode with DPoP (dpop.spec.ts, core's dpop.spec.ts, the demo API's tests) ----
  {
    id: 'dpop-stolen-bearer',
    section: 'Stolen tokens (DPoP)',
    case: 'stolen access token, Bearer',
    we: 'sent from another machine as `Bearer`: the demo API refuses a DPoP-bound token without its proof (401)',
    alsoCoveredBy: [`${api}refuses the DPoP-bound token as a bearer token, with or without the proof`],
  },
  {
    id: 'dpop-stolen-own-proof',
    section: 'Stolen tokens (DPoP)',
    case: 'stolen access token, DPoP',
    we: "sent with a proof made with the attacker's key: refused, `cnf.jkt` does not match the proof's key (401)",
    alsoCoveredBy: [`${api}refuses a proof made with another key: its own jwk, or the bound jwk with a signature of another key`],
  },
  {
    id: 'dpop-stolen-refresh',
    section: 'Stolen tokens (DPoP)',
    case: 'stolen refresh token',
    // The provider's refusal, so the real one's, in dpop.spec.ts (core's fake provider would only prove itself).
    we: "redeemed at the token endpoint from another machine: refused by the provider (the public client's refresh token is bound to the key)",
  },
  {
    id: 'dpop-key',
    section: 'Stolen tokens (DPoP)',
    case: 'the key itself',
    we: '`crypto.subtle.exportKey` on the stored key fails: it is non-extractable',
    alsoCoveredBy: [
      `${dpop}signs in with a non-extractable ES256 key: the code exchange carries its proof, the tokens are stored as DPoP-bound to it`,
    ],
  },
  {
    id: 'dpop-replay',
    section: 'Stolen tokens (DPoP)',
    case: 'proof replay',
    we: 'a captured proof replayed: refused (`jti` within the `iat` window); every proof Latchkey makes has a new `jti`',
    alsoCoveredBy: [
      `${api}accepts a proof once: the same proof again (same jti) is a replay`,
      `${dpop}sends APIs Authorization: DPoP and a fresh proof: htm, htu without query or fragment, ath of the token, a new jti each time`,
    ],
  },
  {
    id: 'dpop-nonce',
    section: 'Stolen tokens (DPoP)',
    case: 'provider nonce',
    we: '`use_dpop_nonce` (from the provider or an API): one retry with the nonce, never a loop',
    alsoCoveredBy: [
      `${dpop}a provider nonce costs one retry of the code exchange, none later; a provider that keeps asking fails the sign-in after two requests`,
      `${dpop}session.fetch() retries once with the API's nonce, and never loops on an API that keeps asking`,
    ],
  },
  {
    id: 'dpop-logout',
    section: 'Stolen tokens (DPoP)',
    case: 'logout',
    we: 'the key is deleted in every tab; a new sign-in gets a new key',
    alsoCoveredBy: [`${dpop}logout deletes the key from the store; another tab forgets its copy; the next sign-in makes a new key`],
  },
  // ---- BFF mode (one node: bff.spec.ts and @latchkey/bff's tests; many nodes on Redis: bff-nodes.spec.ts) ----
  {
    id: 'bff-token-exposure',
    section: 'BFF mode',
    case: 'token exposure',
    we: 'any script in the page looks everywhere (storage, IndexedDB, cookies, responses) and finds no token: `{base}/session` and every BFF answer carry claims and times only',
    alsoCoveredBy: [`${bffHappy}puts no token in any answer body or header (access, refresh and ID token read from the store)`],
  },
  {
    id: 'bff-cookie',
    section: 'BFF mode',
    case: 'cookie',
    we: '`HttpOnly`, `Secure`, `Path=/`, no `Domain`, `__Host-` prefix, `SameSite` as documented; opaque 256-bit id; the store keys by its hash',
    alsoCoveredBy: [
      `${bffHappy}lands on returnTo with a __Host-Http-latchkey session cookie: HttpOnly, Secure, Path=/, SameSite=Lax, no Domain`,
      `${bffHappy}makes the session cookie an opaque 256-bit id: 43 base64url characters`,
      'bff:sign-in.spec.ts › cookie: the store keys sessions by a hash › never uses a cookie value as a store key, and keeps the session under the SHA-256 of its id',
    ],
  },
  {
    id: 'bff-fixation',
    section: 'BFF mode',
    case: 'session fixation',
    we: 'a new id at every sign-in; unknown ids are never adopted',
    alsoCoveredBy: [
      'bff:sign-in.spec.ts › session fixation › does not adopt a planted session id: it stays anonymous, and sign-in sets another id',
      'bff:sign-in.spec.ts › session fixation › gives a new id at every sign-in and ends the session of the old one',
    ],
  },
  {
    id: 'bff-csrf',
    section: 'BFF mode',
    case: 'CSRF',
    we: 'a cross-site form POST, or a fetch without the custom header, to logout or the proxy: 403, nothing changed',
    alsoCoveredBy: [
      `${bffCsrf}refuses POST /bff/logout without the header with 403 LATCHKEY_CSRF_REJECTED, and nothing changes`,
      `${bffCsrf}refuses a cross-site form POST to logout (urlencoded body, foreign Origin, no header)`,
      `${bffCsrf}refuses the proxy without the header, and the upstream sees no request`,
    ],
  },
  {
    id: 'bff-cross-origin-read',
    section: 'BFF mode',
    case: 'cross-origin read',
    we: 'another origin fetches `{base}/session` with credentials: no CORS grant, the browser shows it nothing',
    alsoCoveredBy: [
      `${bffCors}grants another origin nothing on GET /bff/session, with or without the header`,
      `${bffCors}answers an OPTIONS preflight to /bff/session with a refusal and no grant`,
      `${bffCors}passes on no CORS grant an upstream makes`,
    ],
  },
  {
    id: 'bff-open-redirect',
    section: 'BFF mode',
    case: 'open redirect',
    we: '`returnTo` / `post_logout_redirect_uri` to another origin: refused',
    alsoCoveredBy: [
      `${bffRedirect}lands a sign-in with returnTo="//evil.example" on the app origin`,
      `${bffRedirect}lands a sign-in with returnTo="https://evil.example" on the app origin`,
      `${bffRedirect}lands a sign-in with returnTo="/\\\\evil.example" on the app origin`,
      `${bffRedirect}sends a failed callback back to the app only`,
    ],
  },
  {
    id: 'bff-ssrf',
    section: 'BFF mode',
    case: 'SSRF',
    we: 'an upstream not in the allowlist, an absolute URL, `..` paths, or an upstream redirect elsewhere: refused; nothing fetched outside the allowlist',
    alsoCoveredBy: [
      `${bffSsrf}answers an unknown upstream name with 404 and fetches nothing`,
      `${bffSsrf}refuses .. out of the base in the path: the upstream sees no request`,
      `${bffSsrf}refuses %2e%2e in the path: the upstream sees no request`,
      `${bffSsrf}refuses an absolute URL to elsewhere in the path: the upstream sees no request`,
      `${bffSsrf}does not follow an upstream redirect: the other target sees nothing, the 302 comes back as it is`,
    ],
  },
  {
    id: 'bff-header-hygiene',
    section: 'BFF mode',
    case: 'header hygiene',
    we: "the proxy drops the browser's `Cookie`, hop-by-hop headers and any incoming `Authorization`; upstream `Set-Cookie` never reaches the browser",
    alsoCoveredBy: [
      `${bffHygiene}sends Authorization: Bearer <the session's access token> instead of the browser's`,
      `${bffHygiene}drops Cookie, Connection-named and hop-by-hop headers, X-Latchkey-CSRF, Origin and Sec-*`,
      `${bffHygiene}never lets an upstream's Set-Cookie reach the browser, nor the headers its Connection names`,
    ],
  },
  {
    id: 'bff-backchannel-logout',
    section: 'BFF mode',
    case: 'back-channel logout token',
    we: "bad signature, wrong `iss`/`aud`, no `events` claim, a `nonce`, an old `iat`, a replayed `jti`, neither `sid` nor `sub`: 400, no session ended; a valid one ends that `sid`'s (or `sub`'s) sessions and tells their open tabs (on every node: with the Redis store)",
    alsoCoveredBy: [
      `${bffBcl}refuses a bad signature (another key, the same kid)`,
      `${bffBcl}refuses a wrong iss`,
      `${bffBcl}refuses a wrong aud`,
      `${bffBcl}refuses no events claim`,
      `${bffBcl}refuses a nonce`,
      `${bffBcl}refuses an old iat`,
      `${bffBcl}refuses neither sid nor sub`,
      'bff:backchannel-logout.spec.ts › back-channel logout: a valid logout token › is used once: the same jti again is refused with 400',
      "bff:backchannel-logout.spec.ts › back-channel logout: a valid logout token › ends that sid's session and tells its open event stream",
      "bff:backchannel-logout.spec.ts › back-channel logout: a valid logout token › ends every session of a sub when the token has no sid, and no one else's",
    ],
  },
  {
    id: 'bff-timeouts',
    section: 'BFF mode',
    case: 'idle / absolute timeout',
    we: 'the user leaves, or the session outlives its refresh token: ended on the server; the next request is anonymous',
    alsoCoveredBy: [
      'bff:timeouts.spec.ts › idle timeout (sliding) › leaves every request anonymous after the end: session, proxy, logout; the store has no session',
      'bff:timeouts.spec.ts › absolute timeout › ends an active session at its absolute end',
      'bff:proxy.spec.ts › refresh when due: once, however many calls need it › ends the session with 401 when the provider refuses the refresh (the grant was revoked)',
    ],
  },
  {
    id: 'bff-redis-down',
    section: 'BFF mode',
    case: 'Redis down',
    we: 'the store is unreachable: coded 503 within a second, no crash, no hang, no silent sign-out; recovers when Redis returns',
    alsoCoveredBy: [
      'bff:redis-store.spec.ts › redisStore while Redis is down › rejects every call within a second while Redis is down, and works again on its own once it is back',
    ],
  },
  {
    id: 'bff-node-killed',
    section: 'BFF mode',
    case: 'node killed',
    we: 'a BFF node dies mid-traffic: no session lost; the other nodes serve every session',
  },
  {
    id: 'bff-refresh-race',
    section: 'BFF mode',
    case: 'refresh race between nodes',
    we: 'requests for one session hit several nodes as its token is due: exactly one refresh request per rotation; no revoked grant',
    alsoCoveredBy: [
      'bff:redis-store.spec.ts › redisStore › lets one of two nodes racing for the lock write, once: a stale version or an expired lock writes nothing',
    ],
  },
] as const satisfies readonly SecurityRow[];

export type SecurityRowId = (typeof securityRows)[number]['id'];

/** The annotation that ties a browser test to a row of docs/security.md. */
export function securityRow(id: SecurityRowId): { type: 'security'; description: SecurityRowId } {
  return { type: 'security', description: id };
}
