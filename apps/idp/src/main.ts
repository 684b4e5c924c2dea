import { accounts } from './accounts.ts';
import { DEV_BFF_CLIENT_SECRET, startIdp } from './idp.ts';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`idp: ${name} must be a positive whole number, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

const idp = await startIdp({
  port: intFromEnv('IDP_PORT', 4400),
  tokenTtlSeconds: intFromEnv('IDP_TOKEN_TTL_SECONDS', 600),
  refreshTtlSeconds: intFromEnv('IDP_REFRESH_TTL_SECONDS', 86_400),
  demoOrigin: process.env['IDP_DEMO_ORIGIN'] ?? 'http://localhost:4200',
  issuerHost: process.env['IDP_ISSUER_HOST'] || 'localhost',
  testCounters: process.env['IDP_TEST_COUNTERS'] === '1',
  dpopNonce: process.env['IDP_DPOP_NONCE'] === '1',
  bffClientSecret: process.env['IDP_BFF_CLIENT_SECRET'] || DEV_BFF_CLIENT_SECRET,
  resources: (process.env['IDP_RESOURCES'] ?? 'http://localhost:4300').split(/\s+/).filter(Boolean),
});

console.log(`idp: Latchkey dev OpenID Provider at ${idp.issuer}`);
console.log(`idp: development-only accounts: ${accounts.map((a) => `${a.username}/${a.password}`).join(', ')}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void idp.close().then(() => process.exit(0)));
}
