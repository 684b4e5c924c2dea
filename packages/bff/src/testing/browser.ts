import { CSRF_HEADER, CSRF_VALUE } from '@latchkey/core/bff';
import { SESSION_COOKIE, TRANSACTION_COOKIE_PREFIX } from '../cookies.ts';

/** One `Set-Cookie` line, read apart: the name, the value, and the attributes by lower-case name. */
export interface SetCookie {
  readonly name: string;
  readonly value: string;
  readonly attributes: ReadonlyMap<string, string>;
}

export function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...rest] = line.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const at = part.indexOf('=');
    const name = (at < 0 ? part : part.slice(0, at)).trim().toLowerCase();
    if (name) attributes.set(name, at < 0 ? '' : part.slice(at + 1).trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

interface Cookie {
  readonly host: string;
  readonly path: string;
  readonly name: string;
  readonly value: string;
  readonly expiresAtMs: number;
}

/**
 * A cookie jar as a browser keeps one, enough for the dev provider and the BFF: by host (ports do not
 * count), path prefix and expiry. `Secure` cookies are sent on `http://localhost` and `127.0.0.1`, as
 * Chromium does.
 */
export class CookieJar {
  #cookies: Cookie[] = [];

  /** Keeps the `Set-Cookie`s of an answer to a request for `url`. */
  store(url: URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) this.set(url, line);
  }

  set(url: URL, line: string): void {
    const { name, value, attributes } = parseSetCookie(line);
    const path = attributes.get('path') ?? url.pathname.replace(/\/[^/]*$/, '/');
    const maxAge = attributes.get('max-age');
    const expires = attributes.get('expires');
    const expiresAtMs =
      maxAge !== undefined ? Date.now() + Number(maxAge) * 1000 : expires !== undefined ? Date.parse(expires) : Number.POSITIVE_INFINITY;
    this.#cookies = this.#cookies.filter((c) => !(c.host === url.hostname && c.path === path && c.name === name));
    if (expiresAtMs > Date.now()) this.#cookies.push({ host: url.hostname, path, name, value, expiresAtMs });
  }

  /** The `Cookie` header a browser would send to `url` (empty when none). */
  header(url: URL): string {
    const now = Date.now();
    return this.#cookies
      .filter((c) => c.host === url.hostname && c.expiresAtMs > now && (url.pathname === c.path || url.pathname.startsWith(c.path)))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  get(host: string, name: string): string | undefined {
    return this.#cookies.find((c) => c.host === host && c.name === name && c.expiresAtMs > Date.now())?.value;
  }

  names(host: string): string[] {
    return this.#cookies.filter((c) => c.host === host && c.expiresAtMs > Date.now()).map((c) => c.name);
  }

  /** Plants a cookie, as a sibling site or an attacker with a foothold could. */
  plant(url: URL, name: string, value: string): void {
    this.set(url, `${name}=${value}; Path=/`);
  }
}

/** What the app's server answers a request with: the BFF in-process, or a real HTTP server. */
export type Transport = (request: Request) => Promise<Response>;

/** One answer the page's origin received, with its body read (event streams excepted). */
export interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

const ALICE: Credentials = { username: 'alice', password: 'alice' };

/**
 * A browser for the BFF's flows: cookies for the app and the provider, redirects followed by hand,
 * the dev provider's login form filled in. Every answer from the app is kept in `exchanges`.
 */
export class TestBrowser {
  readonly jar = new CookieJar();
  readonly exchanges: Exchange[] = [];
  readonly appOrigin: string;
  readonly #transport: Transport;

  constructor(appOrigin: string, transport: Transport) {
    this.appOrigin = appOrigin;
    this.#transport = transport;
  }

  get appHost(): string {
    return new URL(this.appOrigin).hostname;
  }

  /** The session cookie this browser holds, if any. */
  get sessionId(): string | undefined {
    return this.jar.get(this.appHost, SESSION_COOKIE);
  }

  /** The transaction cookies this browser holds (one per sign-in in flight). */
  get transactionCookies(): string[] {
    return this.jar.names(this.appHost).filter((name) => name.startsWith(TRANSACTION_COOKIE_PREFIX));
  }

  /** A request to the app with this browser's cookies (unless `init` sets its own); its cookies are kept. */
  async app(path: string, init: RequestInit = {}): Promise<Response> {
    const url = new URL(path, this.appOrigin);
    const headers = new Headers(init.headers);
    const cookie = this.jar.header(url);
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
    const response = await this.#transport(new Request(url, { ...init, headers }));
    this.jar.store(url, response);
    const streaming = response.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
    this.exchanges.push({
      method: init.method ?? 'GET',
      url: url.href,
      status: response.status,
      headers: [...response.headers],
      body: streaming ? '' : await response.clone().text(),
    });
    return response;
  }

  /** What the app's own page sends with `fetch`: the CSRF header, its `Origin`, `Sec-Fetch-Site: same-origin`. */
  fetchFromPage(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has(CSRF_HEADER)) headers.set(CSRF_HEADER, CSRF_VALUE);
    if (!headers.has('origin')) headers.set('origin', this.appOrigin);
    if (!headers.has('sec-fetch-site')) headers.set('sec-fetch-site', 'same-origin');
    return this.app(path, { ...init, headers });
  }

  /** `GET {base}/session` from the page, read. */
  async session(base = '/bff'): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await this.fetchFromPage(`${base}/session`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** `GET {base}/login?returnTo=` (a top-level navigation): the redirect to the provider. */
  async startLogin(returnTo?: string, base = '/bff'): Promise<{ response: Response; authorizeUrl: URL }> {
    const query = returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`;
    const response = await this.app(`${base}/login${query}`, { headers: { 'sec-fetch-site': 'same-origin' } });
    const location = response.headers.get('location');
    if (response.status !== 302 || !location) throw new Error(`login answered ${response.status}, not a redirect`);
    return { response, authorizeUrl: new URL(location) };
  }

  /**
   * At the provider: follows its redirects, posts the login form, passes the (implicit) consent, until
   * it redirects back to the app. Returns that URL (`{base}/callback?code=…`), not yet visited.
   */
  async authorize(authorizeUrl: URL, credentials: Credentials = ALICE): Promise<URL> {
    let url = authorizeUrl;
    let init: RequestInit = {};
    for (let step = 0; step < 20; step++) {
      if (url.origin === this.appOrigin) return url;
      const headers = new Headers(init.headers);
      const cookie = this.jar.header(url);
      if (cookie) headers.set('cookie', cookie);
      const response = await fetch(url, { ...init, headers, redirect: 'manual' });
      this.jar.store(url, response);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        url = new URL(location, url);
        init = {};
        continue;
      }
      const html = await response.text();
      const action = /<form[^>]*\baction="([^"]+)"/.exec(html)?.[1];
      if (response.status !== 200 || !action)
        throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${html.slice(0, 300)}`);
      url = new URL(action.replaceAll('&amp;', '&'), url);
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: credentials.username, password: credentials.password }).toString(),
      };
    }
    throw new Error('the provider never redirected back to the app');
  }

  /** The redirect back, as the browser follows it: `GET {base}/callback?…` with this browser's cookies. */
  callback(callbackUrl: URL, init: RequestInit = {}): Promise<Response> {
    return this.app(callbackUrl.pathname + callbackUrl.search, init);
  }

  /** The whole sign-in: login, the provider, the callback. Returns the callback's answer. */
  async signIn(returnTo?: string, credentials: Credentials = ALICE): Promise<Response> {
    const { authorizeUrl } = await this.startLogin(returnTo);
    return this.callback(await this.authorize(authorizeUrl, credentials));
  }
}
