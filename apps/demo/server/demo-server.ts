import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { extname, resolve } from 'node:path';
import express, { type NextFunction, type Request as ExpressRequest, type Response as ExpressResponse } from 'express';
import type { BffSessionBody } from '@latchkey/core';
import type { Bff } from '@latchkey/bff';
import { latchkeyBff, toRequest } from '@latchkey/bff/express';
import { demoBff, demoConfigFromEnv, type DemoConfig } from './demo-config';

export { demoConfigFromEnv, type DemoConfig } from './demo-config';

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    throw new Error(`demo: "${url}" is not an absolute URL (check LATCHKEY_ISSUER)`);
  }
}

/**
 * A strict Content-Security-Policy: scripts from this origin only, no inline script; styles from here
 * or carrying this response's nonce (Angular's component styles); connections to this origin (and in
 * browser mode the provider and the API) only; never framed.
 */
function contentSecurityPolicy(nonce: string, connect: readonly string[], forms: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${connect.join(' ')}`.trim(),
    `form-action 'self' ${forms.join(' ')}`.trim(),
    "base-uri 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** What the render gets in Angular's `REQUEST_CONTEXT`: the CSP nonce, and in BFF mode the session. */
export interface DemoRequestContext {
  readonly nonce: string;
  readonly latchkeySession?: BffSessionBody;
}

export interface DemoServerOptions {
  port: number;
  env: NodeJS.ProcessEnv;
  /** The built demo's browser files (`ng build demo`: `dist/demo/browser`). */
  root: string;
  /** Server-side rendering of an app route (Angular's engine). */
  render: (request: IncomingMessage, context: DemoRequestContext) => Promise<Response | null>;
}

// Hashed file names (the build's `outputHashing`) never change content: cached for a year.
const HASHED = /-[A-Z0-9]{8}\.(js|css)$/;

/**
 * The demo's server on Express 5, as Angular's SSR template has it: `/config.json` from the
 * environment, the built files, in BFF mode the BFF (same origin), and every app route rendered by
 * Angular's engine with a fresh CSP nonce. HTML comes only from the render path, never as a file.
 */
export async function startDemoServer(options: DemoServerOptions) {
  const root = resolve(options.root);
  const config: DemoConfig = demoConfigFromEnv(options.env);
  const appOrigin = options.env['DEMO_ORIGIN'] || `http://localhost:${options.port}`;
  const bff: Bff | undefined = config.mode === 'bff' ? demoBff(options.env, config, appOrigin) : undefined;
  // Extra origins the page may talk to (the API; test providers), space-separated.
  const extra = (options.env['DEMO_CONNECT_SRC'] ?? '').split(/\s+/).filter(Boolean).map(originOf);
  // In BFF mode the page talks to its own origin only.
  const connect = bff ? extra : [...new Set([originOf(config.issuer), originOf(config.api), ...extra])];
  const forms = bff ? [] : [originOf(config.issuer)];

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    // A malformed address (`/%E0%A4%A.js`) is the client's mistake: 400, never a 500.
    try {
      decodeURIComponent(req.path);
    } catch {
      res.status(400).type('text/plain').send('Bad request: the address is not valid percent-encoding.');
      return;
    }
    next();
  });
  if (bff) app.use(latchkeyBff(bff));
  app.use((req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).set('Allow', 'GET, HEAD').end();
      return;
    }
    next();
  });
  app.get('/config.json', (_req: ExpressRequest, res: ExpressResponse) => {
    res.set('Cache-Control', 'no-store').json(config);
  });
  // Built files, but never a page: an .html file would go out without its per-response CSP nonce.
  app.use((req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    if (extname(req.path) === '.html') res.status(404).type('text/plain').send('Not found');
    else next();
  });
  app.use(
    express.static(root, {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      etag: false,
      setHeaders: (res, path) => res.setHeader('Cache-Control', HASHED.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache'),
    }),
  );
  app.use((req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    if (extname(req.path) !== '') res.status(404).type('text/plain').send('Not found');
    else next();
  });
  app.use((req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    render(req, res).catch(next);
  });
  app.use((error: unknown, _req: ExpressRequest, res: ExpressResponse, _next: NextFunction) => {
    console.error('demo: request failed:', error instanceof Error ? error.message : error);
    if (!res.headersSent) res.status(500).end();
  });

  async function render(req: ExpressRequest, res: ExpressResponse): Promise<void> {
    // A fresh nonce per response for Angular's styles, which the browser picks up from <app-root>.
    const nonce = randomBytes(16).toString('base64');
    const latchkeySession = bff ? await bff.sessionFor(toRequest(req, appOrigin, AbortSignal.timeout(5000))) : undefined;
    const rendered = await options.render(req, { nonce, ...(latchkeySession && { latchkeySession }) });
    res.set({
      // A page about a user never comes back from a cache, shared or not, after logout.
      'Cache-Control': 'private, no-store',
      'Content-Security-Policy': contentSecurityPolicy(nonce, connect, forms),
    });
    if (!rendered) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    const location = rendered.headers.get('location');
    if (rendered.status >= 300 && rendered.status < 400 && location) {
      res.redirect(rendered.status, location);
      return;
    }
    const html = (await rendered.text())
      .replace(/<app-root(?![^>]*ngCspNonce)/i, `<app-root ngCspNonce="${nonce}"`)
      // The browser bootstraps the mode the server runs (see main.ts).
      .replace(/<head>/i, `<head><meta name="latchkey-mode" content="${config.mode}">`);
    res.status(rendered.status).type('html');
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  const server: Server = await new Promise((resolvePromise, reject) => {
    const listening = app.listen(options.port, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolvePromise(listening)));
  });
  return {
    url: `http://localhost:${options.port}`,
    config,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await bff?.close();
    },
  };
}
