import { AngularNodeAppEngine, isMainModule } from '@angular/ssr/node';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from '../server/demo-server';

// The demo's server: static files, /config.json from the environment, and server-side rendering,
// all under the same strict Content-Security-Policy. Started only when run (not when the build
// imports this module to find the routes).
const engine = new AngularNodeAppEngine();

if (isMainModule(import.meta.url)) {
  const port = Number(process.env['DEMO_PORT'] ?? 4200);
  const server = await startDemoServer({
    port,
    env: process.env,
    root: fileURLToPath(new URL('../browser/', import.meta.url)),
    render: (request, context) => engine.handle(request, context),
  });
  console.log(`demo: Latchkey demo at ${server.url} in ${server.config.mode} mode (provider ${server.config.issuer})`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void server.close().then(() => process.exit(0)));
  }
}
