import { sendResponse, toRequest } from '@latchkey/bff/express';
import express, { type Express } from 'express';

/**
 * The yardstick for the BFF's proxy: a pass-through on the same adapter and the same transport (Express 5,
 * `toRequest`, Node's `fetch`, `sendResponse`), with none of the BFF's work: no session read, no CSRF
 * check, no token, no header filtering. `{prefix}<path>` goes to `upstream` + `<path>`, as the BFF sends
 * `{base}/api/<name>/<path>` to its upstream's URL + `/<path>`.
 */
export function bareProxy(upstream: string, appOrigin: string, prefix: string): Express {
  const app = express();
  app.use((req, res, next) => {
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    const request = toRequest(req, appOrigin, controller.signal);
    const url = new URL(request.url);
    if (!url.pathname.startsWith(prefix)) return next();
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    // The browser's headers as they came: fetch sets Host and Connection for its own connection.
    fetch(`${upstream}/${url.pathname.slice(prefix.length)}${url.search}`, {
      method: request.method,
      headers: request.headers,
      redirect: 'manual',
      signal: request.signal,
      ...(hasBody && { body: request.body, duplex: 'half' }),
    } as RequestInit)
      .then((answer) => sendResponse(answer, res))
      .catch((error: unknown) => (res.headersSent ? res.destroy() : next(error)));
  });
  return app;
}
