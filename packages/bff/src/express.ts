import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Bff } from './bff.ts';

export type { Bff } from './bff.ts';

/** `originalUrl` under Express (a mounted router strips `url`), else the raw request target. */
function requestTarget(req: IncomingMessage): string {
  return (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
}

/**
 * The Fetch API `Request` for a Node request. Its URL is built on the app's configured origin — never
 * on `Host` or `X-Forwarded-*`, which the client controls.
 */
export function toRequest(req: IncomingMessage, appOrigin: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const one of [value].flat()) headers.append(name, one);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const target = requestTarget(req);
  // Appended, not resolved: a target of `//host/…` would otherwise resolve to that host.
  const path = target.startsWith('/') ? target : `/${target}`;
  return new Request(new URL(`${new URL(appOrigin).origin}${path}`), {
    method: req.method ?? 'GET',
    headers,
    signal,
    ...(hasBody && { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' }),
  } as RequestInit);
}

const SMALL_ANSWER_BYTES = 64 * 1024;

/** Writes a Fetch API `Response` to a Node response, streaming its body (server-sent events flush as they come). */
export async function sendResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) if (name !== 'set-cookie') headers[name] = value;
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  if (response.statusText) res.writeHead(response.status, response.statusText, headers);
  else res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  // A small answer of known length (the BFF's own JSON, a small API answer) in one write.
  const length = Number(response.headers.get('content-length') ?? NaN);
  if (length <= SMALL_ANSWER_BYTES) {
    res.end(Buffer.from(await response.arrayBuffer()));
    return;
  }
  // An event stream goes out at once; any other answer leaves with its first bytes (one write fewer).
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) res.flushHeaders();
  try {
    for await (const chunk of response.body) {
      if (res.destroyed) break;
      res.write(chunk);
    }
  } finally {
    res.end();
  }
}

/**
 * Express (5) middleware serving the BFF's endpoints; other requests go on to `next`. Mount it before
 * body parsers (it reads request bodies itself, to proxy them).
 *
 * @example
 * ```ts
 * const bff = createBff({ issuer, clientId, clientSecret, appOrigin: 'https://app.example.com', upstreams: { api: { url } } });
 * app.use(latchkeyBff(bff));
 * ```
 */
export function latchkeyBff(bff: Bff) {
  return (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    const header = (name: string): string | null => {
      const value = req.headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    };
    // `{base}/session` straight from Node's request to Node's response: the same checks and answer as
    // `bff.handle()`, without a Fetch API `Request` and `Response` (a third of the cost of the BFF's most
    // frequent request). Anything else, a refused request too, is answered by `handle()`.
    const answer = bff.ɵsessionAnswer(req.method ?? '', requestTarget(req), header);
    if (answer === undefined) return serve(bff, req, res, next);
    void answer.then((plain) => res.writeHead(plain.status, plain.headers).end(plain.body), next);
  };
}

/** Any BFF request: converted to the Fetch API, answered by `bff.handle()`, written back. */
function serve(bff: Bff, req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
  const controller = new AbortController();
  // The client went away before the answer was written (a closed event stream, a cancelled call).
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  let request: Request;
  try {
    request = toRequest(req, bff.options.appOrigin, controller.signal);
  } catch {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Bad request');
    return;
  }
  bff
    .handle(request)
    .then((response) => (response ? sendResponse(response, res) : next()))
    .catch((error: unknown) => {
      if (!res.headersSent) next(error);
      else res.destroy();
    });
}
