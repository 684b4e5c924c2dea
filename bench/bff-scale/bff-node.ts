import { createBff, redisHub, redisStore, SESSION_COOKIE, type Bff } from '@latchkey/bff';
import { CSRF_HEADER, CSRF_VALUE } from '@latchkey/core/bff';
import { BFF_CLIENT_ID } from '../../apps/idp/src/idp.ts';
import { TestBrowser, type Transport } from '../../packages/bff/src/testing/browser.ts';

/** A BFF node on Redis, and what it did that the bench counts. */
export interface BffNode {
  readonly bff: Bff;
  /** Refresh-token requests this node sent to the provider. */
  readonly refreshesSent: () => number;
  /** What it reported to its log (store failures, unexpected errors). */
  readonly logs: string[];
  /** `bff.handle`, with a 404 for anything that is not the BFF's. */
  readonly transport: Transport;
}

/**
 * A node as an app on many nodes makes one (docs/scaling.md): `createBff` with its own `redisStore` and
 * `redisHub` connections to `redisUrl`, the dev provider's BFF client, and `upstream` as the API `api`.
 */
export function bffNode(options: {
  readonly issuer: string;
  readonly clientSecret: string;
  readonly appOrigin: string;
  readonly redisUrl: string;
  readonly upstream?: string;
  readonly now?: () => number;
}): BffNode {
  let refreshes = 0;
  const logs: string[] = [];
  const counting: typeof fetch = (input, init) => {
    if (String(init?.body ?? '').includes('grant_type=refresh_token')) refreshes++;
    return fetch(input, init);
  };
  const bff = createBff({
    issuer: options.issuer,
    clientId: BFF_CLIENT_ID,
    clientSecret: options.clientSecret,
    appOrigin: options.appOrigin,
    store: redisStore({ url: options.redisUrl }),
    hub: redisHub({ url: options.redisUrl }),
    fetch: counting,
    log: (message) => logs.push(message),
    ...(options.upstream !== undefined && { upstreams: { api: { url: options.upstream } } }),
    ...(options.now && { now: options.now }),
  });
  return {
    bff,
    refreshesSent: () => refreshes,
    logs,
    transport: async (request) => (await bff.handle(request)) ?? new Response('not the BFF', { status: 404 }),
  };
}

/** One real sign-in (the BFF's login, the dev provider's form, the callback) through `transport`; the session cookie's value. */
export async function signIn(appOrigin: string, transport: Transport): Promise<string> {
  const browser = new TestBrowser(appOrigin, transport);
  const callback = await browser.signIn('/');
  if (callback.status !== 302 || browser.sessionId === undefined)
    throw new Error(`bench: the BFF sign-in answered ${callback.status}: ${(await callback.text()).slice(0, 200)}`);
  return browser.sessionId;
}

/** What the app's page sends with every BFF call (authInterceptor): the session cookie, `Origin`, `Sec-Fetch-Site`, the CSRF header. */
export function pageHeaders(appOrigin: string, sessionId: string): Record<string, string> {
  return {
    accept: 'application/json',
    cookie: `${SESSION_COOKIE}=${sessionId}`,
    origin: appOrigin,
    'sec-fetch-site': 'same-origin',
    [CSRF_HEADER]: CSRF_VALUE,
  };
}
