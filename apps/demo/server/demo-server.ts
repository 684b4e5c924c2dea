import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** The run-time configuration the demo loads from `/config.json`. */
export interface DemoConfig {
  issuer: string;
  clientId: string;
  scope: string;
  audience?: string;
  audienceParameter?: 'resource' | 'audience';
  endSessionMethod: 'POST' | 'GET';
  endSessionState?: true;
  /** The demo API's origin: the interceptor sends the access token there and nowhere else. */
  api: string;
  tokenFor: string[];
  idle?: { minutes: number; warnSeconds: number };
  preloadProtocol?: false;
}

/** Reads the demo's provider from the environment: no rebuild to point the demo elsewhere. */
export function demoConfigFromEnv(env: NodeJS.ProcessEnv): DemoConfig {
  const config: DemoConfig = {
    issuer: env['LATCHKEY_ISSUER'] || 'http://localhost:4400',
    clientId: env['LATCHKEY_CLIENT_ID'] || 'latchkey-demo',
    scope: env['LATCHKEY_SCOPE'] || 'openid profile email offline_access',
    // RP-initiated logout by GET with id_token_hint, the form every provider takes (the bundled
    // oidc-provider refuses a cross-site POST: its session cookie is SameSite=Lax on http).
    endSessionMethod: env['LATCHKEY_END_SESSION_METHOD'] === 'POST' ? 'POST' : 'GET',
    api: '',
    tokenFor: [],
  };
  const api = env['LATCHKEY_API'] || 'http://localhost:4300';
  config.api = api;
  config.tokenFor = [api];
  // With the bundled provider, ask for a JWT access token for the demo API (RFC 8707 resource).
  const audience = env['LATCHKEY_AUDIENCE'] ?? (env['LATCHKEY_ISSUER'] ? undefined : api);
  if (audience) config.audience = audience;
  const idleMinutes = Number(env['DEMO_IDLE_MINUTES']);
  if (idleMinutes > 0) config.idle = { minutes: idleMinutes, warnSeconds: Number(env['DEMO_IDLE_WARN_SECONDS'] ?? 60) };
  if (env['LATCHKEY_PRELOAD_PROTOCOL'] === 'false') config.preloadProtocol = false;
  if (env['LATCHKEY_END_SESSION_STATE'] === 'true') config.endSessionState = true;
  const param = env['LATCHKEY_AUDIENCE_PARAMETER'];
  if (param === 'resource' || param === 'audience') config.audienceParameter = param;
  return config;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    throw new Error(`demo: "${url}" is not an absolute URL (check LATCHKEY_ISSUER)`);
  }
}

/**
 * A strict Content-Security-Policy: scripts from this origin only, no inline script; styles from here
 * or carrying this response's nonce (Angular's component styles); connections to this origin, the
 * provider and the API only; never framed.
 */
function contentSecurityPolicy(nonce: string, connect: readonly string[], forms: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${connect.join(' ')}`,
    `form-action 'self' ${forms.join(' ')}`,
    "base-uri 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface DemoServerOptions {
  port: number;
  env: NodeJS.ProcessEnv;
  /** The built demo's browser files (`ng build demo`: `dist/demo/browser`). */
  root: string;
  /** Server-side rendering of an app route (Angular's engine), given the response's CSP nonce. */
  render: (request: IncomingMessage, nonce: string) => Promise<Response | null>;
}

export async function startDemoServer(options: DemoServerOptions) {
  const root = resolve(options.root);
  const config = demoConfigFromEnv(options.env);
  // Extra origins the page may talk to (the API; test providers), space-separated.
  const extra = (options.env['DEMO_CONNECT_SRC'] ?? '').split(/\s+/).filter(Boolean).map(originOf);
  const connect = [...new Set([originOf(config.issuer), originOf(config.api), ...extra])];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/config.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(config));
      return;
    }
    const file = normalize(join(root, decodeURIComponent(url.pathname)));
    // Pages come only from the render path below, with their CSP: never a built .html file as is.
    const page = extname(file) === '.html';
    if (!page && file.startsWith(root + sep) && extname(file) !== '' && (await stat(file).catch(() => undefined))?.isFile()) {
      const hashed = /-[A-Z0-9]{8}\.(js|css)$/.test(file);
      res.writeHead(200, {
        'Content-Type': types[extname(file)] ?? 'application/octet-stream',
        'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : await readFile(file));
      return;
    }
    if (extname(url.pathname) !== '') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    // Every app route is rendered (or, for client-only routes, served) by Angular's engine, with a
    // fresh nonce per response for Angular's styles, which the browser picks up from <app-root>.
    const nonce = randomBytes(16).toString('base64');
    const rendered = await options.render(req, nonce);
    const security = {
      // A signed-in page never comes back from a cache after logout.
      'Cache-Control': 'no-store',
      'Content-Security-Policy': contentSecurityPolicy(nonce, connect, [originOf(config.issuer)]),
    };
    if (!rendered) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...security }).end('Not found');
      return;
    }
    const location = rendered.headers.get('location');
    if (rendered.status >= 300 && rendered.status < 400 && location) {
      res.writeHead(rendered.status, { Location: location, ...security }).end();
      return;
    }
    const html = (await rendered.text()).replace(/<app-root(?![^>]*ngCspNonce)/i, `<app-root ngCspNonce="${nonce}"`);
    res.writeHead(rendered.status, { 'Content-Type': 'text/html; charset=utf-8', ...security });
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('demo: request failed:', error instanceof Error ? error.message : error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolvePromise);
  });
  return {
    url: `http://localhost:${options.port}`,
    config,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
