import { createServer } from 'node:http';

export interface PageServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves one page that runs `script`, from 127.0.0.1. A real server rather than a Playwright route:
 * Chromium lets only a page from the loopback address space call the dev provider on localhost.
 */
export async function servePage(port: number, path: string, script: string): Promise<PageServer> {
  const html = `<!doctype html><meta charset="utf-8"><title>bench</title><script src="${path}/main.js"></script>`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === path) res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    else if (url.pathname === `${path}/main.js`) res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(script);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://localhost:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
