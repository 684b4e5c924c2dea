import { startDemoServer } from './demo-server.ts';

const port = Number(process.env['DEMO_PORT'] ?? 4200);
const server = await startDemoServer({ port, env: process.env });
console.log(`demo: Latchkey demo at ${server.url} (provider ${server.config.issuer})`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
