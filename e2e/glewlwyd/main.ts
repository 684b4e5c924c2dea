// node e2e/glewlwyd/main.ts: Glewlwyd for the browser tests (GLEWLWYD_PORT, GLEWLWYD_DEMO_ORIGIN,
// GLEWLWYD_TOKEN_TTL_SECONDS), until SIGTERM or SIGINT.
import { startGlewlwyd } from './glewlwyd.ts';

const running = await startGlewlwyd({
  port: Number(process.env['GLEWLWYD_PORT'] ?? 4413),
  demoOrigin: process.env['GLEWLWYD_DEMO_ORIGIN'] ?? 'http://localhost:4210',
  tokenTtlSeconds: Number(process.env['GLEWLWYD_TOKEN_TTL_SECONDS'] ?? 600),
});
console.log(`glewlwyd: ${running.issuer}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void running.stop().then(() => process.exit(0)));
}
