import { startApi } from './api.ts';

const port = Number(process.env['API_PORT'] ?? 4300);
const publicOrigin = process.env['API_PUBLIC_ORIGIN'];
const requireDpop = process.env['API_REQUIRE_DPOP'] === '1';
const dpopNonce = process.env['API_DPOP_NONCE'] === '1';
const api = await startApi({
  port,
  issuer: process.env['API_ISSUER'] ?? 'http://localhost:4400',
  audience: process.env['API_AUDIENCE'] ?? `http://localhost:${port}`,
  allowedOrigins: (process.env['API_ALLOWED_ORIGINS'] ?? 'http://localhost:4200').split(/\s+/).filter(Boolean),
  ...(publicOrigin ? { publicOrigin } : {}),
  requireDpop,
  dpopNonce,
});
const tokens = requireDpop ? 'a DPoP-bound access token (bearer tokens refused)' : 'a bearer or DPoP-bound access token';
console.log(`api: demo API at ${api.url} (GET /api/public, GET /api/private with ${tokens}; DPoP nonces ${dpopNonce ? 'on' : 'off'})`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void api.close().then(() => process.exit(0)));
}
