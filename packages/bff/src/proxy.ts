import { LatchkeyError } from '@latchkey/core';
import { readCookie, SESSION_COOKIE } from './cookies.ts';
import { failure, statusFor } from './http.ts';
import type { ResolvedBffOptions } from './options.ts';
import type { ServerSessions } from './sessions.ts';

// RFC 9110 §7.6.1 hop-by-hop fields, and what the browser says that the upstream must never see.
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];
const REQUEST_DROPPED = new Set([
  ...HOP_BY_HOP,
  'cookie',
  'authorization',
  'host',
  'origin',
  'referer',
  'content-length',
  'x-latchkey-csrf',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
]);
const RESPONSE_DROPPED = new Set([...HOP_BY_HOP, 'set-cookie', 'set-cookie2']);
// The BFF grants no other origin anything; an upstream's CORS answer would be a grant in its name.
const CORS_RESPONSE_HEADER = /^access-control-/;

// Encoded separators and dots would let an upstream that decodes again see another path.
const SUSPICIOUS_PATH = /%2e|%2f|%5c|\\|%00/i;
// An empty segment (what a backslash or an absolute URL in the path becomes: `//host/…`) reads as a host to
// an upstream that resolves its path as a URL reference.
const EMPTY_SEGMENT = /(?:^|\/)\//;

/** The headers named by `Connection` are hop-by-hop too. */
function connectionNamed(headers: Headers): Set<string> {
  return new Set(
    (headers.get('connection') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
}

export function forwardedRequestHeaders(incoming: Headers, accessToken: string): Headers {
  const named = connectionNamed(incoming);
  const headers = new Headers();
  for (const [name, value] of incoming) {
    if (!REQUEST_DROPPED.has(name) && !named.has(name) && !name.startsWith('sec-')) headers.set(name, value);
  }
  headers.set('authorization', `Bearer ${accessToken}`);
  return headers;
}

export function forwardedResponseHeaders(upstream: Headers): Headers {
  const named = connectionNamed(upstream);
  const decoded = upstream.has('content-encoding');
  const headers = new Headers();
  for (const [name, value] of upstream) {
    if (RESPONSE_DROPPED.has(name) || named.has(name) || CORS_RESPONSE_HEADER.test(name)) continue;
    // fetch decodes an encoded body: its encoding and length then no longer describe what is sent on.
    if (decoded && (name === 'content-encoding' || name === 'content-length')) continue;
    headers.append(name, value);
  }
  headers.set('cache-control', upstream.get('cache-control') ?? 'no-store');
  return headers;
}

/**
 * The upstream URL for `{base}/api/<name>/<rest>`, or `undefined` when it is not on the allowlist or
 * would leave the upstream's base path.
 */
export function upstreamUrl(options: ResolvedBffOptions, url: URL): { target: URL; timeoutMs: number } | undefined {
  const prefix = `${options.basePath}/api/`;
  const rawPath = url.pathname.slice(prefix.length);
  const slash = rawPath.indexOf('/');
  const name = slash < 0 ? rawPath : rawPath.slice(0, slash);
  const rest = slash < 0 ? '' : rawPath.slice(slash + 1);
  const upstream = options.upstreams.get(name);
  if (!upstream || SUSPICIOUS_PATH.test(rest) || EMPTY_SEGMENT.test(rest)) return undefined;
  const base = upstream.url;
  const basePath = base.pathname.replace(/\/$/, '');
  const target = new URL(base.href);
  target.pathname = `${basePath}/${rest}`;
  target.search = url.search;
  if (target.origin !== base.origin || !target.pathname.startsWith(`${basePath}/`)) return undefined;
  return { target, timeoutMs: upstream.timeoutMs };
}

export interface ProxyContext {
  readonly options: ResolvedBffOptions;
  readonly sessions: ServerSessions;
  /** The transport to upstreams (Node's fetch); never redirected. */
  readonly fetch: typeof fetch;
}

/**
 * `{base}/api/<name>/…`: forwarded to the upstream configured as `<name>` with the session's access
 * token (refreshed first when due). The browser's cookies, `Authorization` and hop-by-hop headers stay
 * behind; an upstream's `Set-Cookie` never comes back; redirects are not followed.
 */
export async function proxy(request: Request, context: ProxyContext): Promise<Response> {
  const { options, sessions } = context;
  const upstream = upstreamUrl(options, new URL(request.url));
  if (!upstream) return failure(404, 'LATCHKEY_CONFIG_INVALID', 'No such API on this BFF.');
  const active = await sessions.read(readCookie(request.headers.get('cookie'), SESSION_COOKIE));
  if (!active) return failure(401, 'LATCHKEY_LOGIN_REQUIRED', 'Sign in first.');
  let token: string;
  try {
    token = await sessions.accessToken(await sessions.touch(active));
  } catch (error) {
    if (error instanceof LatchkeyError) return failure(statusFor(error), error.code, error.message);
    throw error;
  }
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  let answer: Response;
  try {
    answer = await context.fetch(upstream.target, {
      method: request.method,
      headers: forwardedRequestHeaders(request.headers, token),
      redirect: 'manual',
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(upstream.timeoutMs)]),
      ...(hasBody && { body: request.body, duplex: 'half' }),
    } as RequestInit);
  } catch {
    return failure(502, 'LATCHKEY_BFF_UNAVAILABLE', 'The upstream API did not answer.');
  }
  return new Response(request.method === 'HEAD' ? null : answer.body, {
    status: answer.status,
    statusText: answer.statusText,
    headers: forwardedResponseHeaders(answer.headers),
  });
}
