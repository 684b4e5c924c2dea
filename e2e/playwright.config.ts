import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../scripts/ensure-apt.ts';
import {
  apiOrigin,
  bffApiOrigin,
  bffDemoOrigin,
  bffIdpIssuer,
  demoOrigin,
  glewlwydIssuer,
  glewlwydOrigin,
  hostileOrigin,
  idpIssuer,
  ports,
  shortIdpIssuer,
  nonceIdpIssuer,
  nonceApiOrigin,
} from './tests/stack.ts';

/**
 * Debian's Chromium (never a downloaded browser), the real dev provider and the real demo,
 * on ports of their own so the suite runs beside `npm start`.
 */
export default defineConfig({
  testDir: './tests',
  // Suites running side by side (E2E_PORT_OFFSET) keep their artifacts apart.
  // npm test's second run (the many-node tests) names its own, so it does not wipe the first run's traces.
  outputDir:
    process.env['E2E_OUTPUT_DIR'] ?? (process.env['E2E_PORT_OFFSET'] ? `test-results-${process.env['E2E_PORT_OFFSET']}` : 'test-results'),
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env['CI'],
  retries: 0,
  reporter: [['list'], ['json', { outputFile: process.env['E2E_JSON_REPORT'] ?? '../.test-results/e2e.json' }]],
  projects: [
    // The bundled dev provider, the hostile one, and the demo itself.
    { name: 'demo', testIgnore: /(glewlwyd|bff|bff-nodes)\.spec\.ts/ },
    // The demo against Glewlwyd, a second, independent OpenID provider (Debian's package).
    { name: 'glewlwyd', testMatch: /glewlwyd\.spec\.ts/ },
    // The demo in BFF mode: its server (started by the spec, which restarts it) is the OAuth client.
    { name: 'bff', testMatch: /bff\.spec\.ts/ },
    // Many BFF nodes on one Redis behind a load balancer (the spec starts them all). Serial and last: two cores,
    // many servers, and timing-bound assertions.
    { name: 'bff-nodes', testMatch: /bff-nodes\.spec\.ts/, dependencies: ['demo', 'glewlwyd', 'bff'] },
  ],
  use: {
    baseURL: `http://localhost:${ports.demo}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: chromiumPath,
      args: [...chromiumArgs],
    },
    trace: 'retain-on-failure',
  },
  webServer: [
    {
      command: 'node ../apps/idp/src/main.ts',
      url: `${idpIssuer}/.well-known/openid-configuration`,
      env: { IDP_PORT: String(ports.idp), IDP_DEMO_ORIGIN: demoOrigin, IDP_RESOURCES: apiOrigin },
      reuseExistingServer: false,
      stdout: 'ignore',
    },
    {
      command: 'node ../apps/idp/src/main.ts',
      url: `${shortIdpIssuer}/.well-known/openid-configuration`,
      env: {
        IDP_PORT: String(ports.shortIdp),
        IDP_TOKEN_TTL_SECONDS: String(ports.shortTtlSeconds),
        IDP_DEMO_ORIGIN: demoOrigin,
        IDP_RESOURCES: apiOrigin,
      },
      reuseExistingServer: false,
      stdout: 'ignore',
    },
    {
      command: 'node ../apps/api/src/main.ts',
      url: `${apiOrigin}/api/public`,
      env: { API_PORT: String(ports.api), API_ISSUER: idpIssuer, API_AUDIENCE: apiOrigin, API_ALLOWED_ORIGINS: demoOrigin },
      reuseExistingServer: false,
      stdout: 'ignore',
    },
    {
      // BFF mode's provider, as 127.0.0.1: another site than the demo on localhost.
      command: 'node ../apps/idp/src/main.ts',
      url: `${bffIdpIssuer}/.well-known/openid-configuration`,
      env: {
        IDP_PORT: String(ports.bffIdp),
        IDP_ISSUER_HOST: '127.0.0.1',
        IDP_DEMO_ORIGIN: bffDemoOrigin,
        IDP_RESOURCES: bffApiOrigin,
        IDP_BFF_CLIENT_SECRET: 'e2e-bff-secret',
      },
      reuseExistingServer: false,
      stdout: 'ignore',
    },
    {
      command: 'node ../apps/api/src/main.ts',
      url: `${bffApiOrigin}/api/public`,
      env: { API_PORT: String(ports.bffApi), API_ISSUER: bffIdpIssuer, API_AUDIENCE: bffApiOrigin, API_ALLOWED_ORIGINS: bffDemoOrigin },
      reuseExistingServer: false,
      stdout: 'ignore',
    },
    {
      command: 'node hostile/main.ts',
      url: `${hostileOrigin}/__health`,
      env: { HOSTILE_PORT: String(ports.hostile), HOSTILE_DEMO_ORIGIN: demoOrigin },
      reuseExistingServer: false,
      stdout: 'ignore',
    },
    {
      command: 'node glewlwyd/main.ts',
      url: `${glewlwydIssuer}/.well-known/openid-configuration`,
      env: {
        GLEWLWYD_PORT: String(ports.glewlwyd),
        GLEWLWYD_DEMO_ORIGIN: demoOrigin,
        GLEWLWYD_TOKEN_TTL_SECONDS: String(ports.glewlwydTtlSeconds),
      },
      reuseExistingServer: false,
      stdout: 'ignore',
    },
    {
      command: 'node ../dist/demo/server/server.mjs',
      url: `${demoOrigin}/config.json`,
      env: {
        DEMO_PORT: String(ports.demo),
        LATCHKEY_ISSUER: idpIssuer,
        LATCHKEY_API: apiOrigin,
        LATCHKEY_AUDIENCE: apiOrigin,
        // As with the bundled provider by default (LATCHKEY_ISSUER alone would turn it off).
        LATCHKEY_DPOP: '1',
        DEMO_CONNECT_SRC: `${shortIdpIssuer} ${hostileOrigin} ${glewlwydOrigin} ${nonceIdpIssuer} ${nonceApiOrigin}`,
      },
      reuseExistingServer: false,
      stdout: 'ignore',
    },
  ],
});
