import { startApi } from './api.ts';

const port = Number(process.env['API_PORT'] ?? 4300);
const api = await startApi({
  port,
  issuer: process.env['API_ISSUER'] ?? 'http://localhost:4400',
  audience: process.env['API_AUDIENCE'] ?? `http://localhost:${port}`,
  allowedOrigins: (process.env['API_ALLOWED_ORIGINS'] ?? 'http://localhost:4200').split(/\s+/).filter(Boolean),
});
console.log(`api: demo API at ${api.url} (GET /api/public, GET /api/private with a bearer token)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void api.close().then(() => process.exit(0)));
}
