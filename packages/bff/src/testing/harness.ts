import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { BFF_CLIENT_ID, startIdp, type Idp } from '../../../../apps/idp/src/idp.ts';
import { createBff, type Bff } from '../bff.ts';
import type { BffOptions } from '../options.ts';
import { memoryStore } from '../stores/memory-store.ts';
import type { ServerSession, ServerSessionStore } from '../stores/types.ts';
import { TestBrowser } from './browser.ts';

export const BFF_SECRET = 'test-secret';
export { BFF_CLIENT_ID };

/** A port free on 127.0.0.1 now (the dev provider's issuer names its port, so port 0 will not do). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface TestIdp {
  readonly idp: Idp;
  readonly issuer: string;
  /** The app's origin the provider knows (`http://localhost:<n>`): its `/bff/callback` is registered. */
  readonly appOrigin: string;
  close(): Promise<void>;
}

/**
 * The dev OpenID Provider, in-process, on `127.0.0.1` (another site than the app on `localhost`), with
 * the BFF's confidential client (`client_secret_basic`, secret {@link BFF_SECRET}).
 */
export async function startTestIdp(
  options: {
    tokenTtlSeconds?: number;
    refreshTtlSeconds?: number;
    appPort?: number;
    bffPublicJwk?: Record<string, unknown>;
    signingJwk?: Record<string, unknown>;
  } = {},
): Promise<TestIdp> {
  const appPort = options.appPort ?? (await freePort());
  const appOrigin = `http://localhost:${appPort}`;
  for (let attempt = 0; ; attempt++) {
    try {
      const idp = await startIdp({
        port: await freePort(),
        issuerHost: '127.0.0.1',
        tokenTtlSeconds: options.tokenTtlSeconds ?? 600,
        refreshTtlSeconds: options.refreshTtlSeconds ?? 24 * 3600,
        demoOrigin: appOrigin,
        resources: [],
        bffClientSecret: BFF_SECRET,
        ...(options.bffPublicJwk && { bffPublicJwk: options.bffPublicJwk }),
        ...(options.signingJwk && { signingJwk: options.signingJwk }),
      });
      return { idp, issuer: idp.issuer, appOrigin, close: () => idp.close() };
    } catch (error) {
      // Another test file may have taken the port between the probe and the listen.
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt >= 3) throw error;
    }
  }
}

/** A clock the test moves on: `Date.now()` plus what `advance` added. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let offsetMs = 0;
  return {
    now: () => Date.now() + offsetMs,
    advance: (ms) => void (offsetMs += ms),
  };
}

export interface FetchCall {
  readonly url: string;
  readonly method: string;
  readonly body: string;
}

/** The real `fetch`, with every call written down (the provider's requests and the proxy's). */
export function recordingFetch(): { fetch: typeof fetch; calls: FetchCall[] } {
  const calls: FetchCall[] = [];
  const wrapped: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const body = init?.body;
    calls.push({
      url,
      method: init?.method ?? (input instanceof Request ? input.method : 'GET'),
      body: typeof body === 'string' ? body : body instanceof URLSearchParams ? body.toString() : '',
    });
    return fetch(input, init);
  };
  return { fetch: wrapped, calls };
}

/**
 * A store around another that writes down every key it is asked for and can be taken down: while
 * `down`, every method rejects, as an unreachable store does.
 */
export interface ControlledStore extends ServerSessionStore {
  readonly keys: Set<string>;
  down: boolean;
}

export function controlledStore(inner: ServerSessionStore): ControlledStore {
  const keys = new Set<string>();
  const use = async <T>(key: string | undefined, work: () => Promise<T>): Promise<T> => {
    if (key !== undefined) keys.add(key);
    if (store.down) throw new Error('store unreachable (test)');
    return work();
  };
  const store: ControlledStore = {
    keys,
    down: false,
    get: (key) => use(key, () => inner.get(key)),
    set: (key, session, ttlMs) => use(key, () => inner.set(key, session, ttlMs)),
    touch: (key, lastSeenAtMs, ttlMs, throttleMs) => use(key, () => inner.touch(key, lastSeenAtMs, ttlMs, throttleMs)),
    ...(inner.touchThrottleMs !== undefined && { touchThrottleMs: inner.touchThrottleMs }),
    delete: (key) => use(key, () => inner.delete(key)),
    deleteBy: (match) => use(undefined, () => inner.deleteBy(match)),
    putOnce: (key, value, ttlMs) => use(key, () => inner.putOnce(key, value, ttlMs)),
    takeOnce: (key) => use(key, () => inner.takeOnce(key)),
    acquire: (key, ttlMs) => use(key, () => inner.acquire(key, ttlMs)),
    replaceIfLocked: (key, session, ttlMs, expected) => use(key, () => inner.replaceIfLocked(key, session, ttlMs, expected)),
    release: (key, lock) => use(key, () => inner.release(key, lock)),
    close: () => inner.close(),
  };
  return store;
}

/** The store key of a session cookie's id, computed here as the design says: `session:` + its SHA-256. */
export function sessionKeyOf(id: string): string {
  return `session:${createHash('sha256').update(id).digest('base64url')}`;
}

/** One request an upstream (or the "elsewhere" server) received. */
export interface Hit {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface TestServer {
  readonly origin: string;
  readonly hits: Hit[];
  close(): Promise<void>;
}

/** A plain `node:http` server on 127.0.0.1 that writes down every request and lets `answer` reply. */
export async function startServer(answer: (req: IncomingMessage, res: ServerResponse, hit: Hit) => void): Promise<TestServer> {
  const hits: Hit[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const hit: Hit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
    hits.push(hit);
    answer(req, res, hit);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The demo upstream API: `…/redirect` answers `302` to `elsewhere`; `…/cookie` sets cookies, grants
 * CORS and names a hop-by-hop header; anything else echoes the request (method, URL, headers, body).
 */
export function startUpstream(elsewhere: string): Promise<TestServer> {
  return startServer((req, res, hit) => {
    const path = new URL(hit.url, 'http://upstream').pathname;
    if (path.endsWith('/redirect')) {
      res.writeHead(302, { Location: `${elsewhere}/stolen` }).end();
      return;
    }
    const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json' };
    if (path.endsWith('/cookie')) {
      headers['Set-Cookie'] = ['upstream=1; Path=/', '__Host-Http-latchkey=planted; Path=/; Secure'];
      headers['Access-Control-Allow-Origin'] = '*';
      headers['Access-Control-Allow-Credentials'] = 'true';
      headers['Connection'] = 'keep-alive, X-Upstream-Hop';
      headers['X-Upstream-Hop'] = 'secret';
      headers['X-Upstream-Kept'] = 'yes';
    }
    res.writeHead(200, headers).end(JSON.stringify({ method: hit.method, url: hit.url, headers: hit.headers, body: hit.body }));
  });
}

/** A BFF under test with its own store, clock and recorded `fetch`. */
export interface TestBff {
  readonly bff: Bff;
  readonly store: ControlledStore;
  readonly clock: TestClock;
  readonly calls: FetchCall[];
  readonly appOrigin: string;
  /** A new browser for this BFF (in-process: `bff.handle`). */
  browser(): TestBrowser;
  /** What the BFF reported to its log. */
  readonly logs: string[];
  /** The server session of a browser's cookie, read from the store (tokens included). */
  sessionOf(browser: TestBrowser): Promise<ServerSession | undefined>;
}

/**
 * A BFF on the test provider (client `latchkey-bff`, {@link BFF_SECRET}), on a memory store of its own
 * clock unless `overrides` say otherwise; `upstream`, when given, is the allowlisted `demo` API at `/v1`.
 */
export function makeTestBff(idp: TestIdp, overrides: Partial<BffOptions> = {}, upstream?: TestServer): TestBff {
  const clock = testClock();
  const recorded = recordingFetch();
  const store = controlledStore(overrides.store ?? memoryStore({ now: clock.now }));
  const logs: string[] = [];
  const bff = createBff({
    log: (message) => logs.push(message),
    issuer: idp.issuer,
    clientId: BFF_CLIENT_ID,
    clientSecret: BFF_SECRET,
    appOrigin: idp.appOrigin,
    fetch: recorded.fetch,
    now: clock.now,
    ...(upstream && { upstreams: { demo: { url: `${upstream.origin}/v1` } } }),
    ...overrides,
    store,
  });
  const transport = async (request: Request) => (await bff.handle(request)) ?? new Response('not the BFF', { status: 404 });
  return {
    bff,
    store,
    clock,
    calls: recorded.calls,
    logs,
    appOrigin: idp.appOrigin,
    browser: () => new TestBrowser(idp.appOrigin, transport),
    async sessionOf(browser) {
      const id = browser.sessionId;
      return id === undefined ? undefined : store.get(sessionKeyOf(id));
    },
  };
}

/** Where the provider's endpoints are, from its discovery document. */
export async function discovery(issuer: string): Promise<Record<string, string>> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  return (await response.json()) as Record<string, string>;
}

/** A refresh grant made directly at the provider with the BFF client's secret: its HTTP status and error. */
export async function tryRefresh(issuer: string, refreshToken: string): Promise<{ status: number; error?: string }> {
  const { token_endpoint } = await discovery(issuer);
  const response = await fetch(token_endpoint as string, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${BFF_CLIENT_ID}:${BFF_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
  const body = (await response.json()) as { error?: string };
  return { status: response.status, ...(body.error !== undefined && { error: body.error }) };
}

/** Revokes a refresh token directly at the provider (RFC 7009), as an admin or another logout would. */
export async function revokeAtProvider(issuer: string, refreshToken: string): Promise<void> {
  const { revocation_endpoint } = await discovery(issuer);
  const response = await fetch(revocation_endpoint as string, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${BFF_CLIENT_ID}:${BFF_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }).toString(),
  });
  if (response.status !== 200) throw new Error(`revocation answered ${response.status}`);
}

/** Reads an event stream until `until` matches what came so far, or `timeoutMs` passes. */
export async function readStreamUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  until: (text: string) => boolean,
  timeoutMs = 3_000,
  sofar = '',
): Promise<string> {
  const decoder = new TextDecoder();
  let text = sofar;
  const deadline = Date.now() + timeoutMs;
  while (!until(text)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`the stream did not say what was expected in time; it said: ${JSON.stringify(text)}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the stream stalled; it said: ${JSON.stringify(text)}`)), left);
    });
    try {
      const { value, done } = await Promise.race([reader.read(), timeout]);
      if (done) break;
      text += decoder.decode(value, { stream: true });
    } finally {
      clearTimeout(timer);
    }
  }
  return text;
}
