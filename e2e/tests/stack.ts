// Ports of the test stack; distinct from `npm start`'s 4200/4400 so both can run at once.
// E2E_PORT_OFFSET moves the whole stack, so two suites can run side by side on one machine.
const offset = Number(process.env['E2E_PORT_OFFSET'] ?? 0);

export const ports = {
  demo: 4210 + offset,
  idp: 4410 + offset,
  /** A second dev provider whose tokens live only `shortTtlSeconds`. */
  shortIdp: 4411 + offset,
  shortTtlSeconds: 8,
  /** The demo API, whose audience the providers issue JWT access tokens for. */
  api: 4330 + offset,
  /** The misbehaving provider (e2e/hostile): one issuer per case, `http://127.0.0.1:<port>/<case>`. */
  hostile: 4412 + offset,
  /** Glewlwyd (e2e/glewlwyd), the second, independent OpenID provider, with tokens of `glewlwydTtlSeconds`. */
  glewlwyd: 4413 + offset,
  glewlwydTtlSeconds: 12,
  /** BFF mode: the demo's server hosts the BFF (started by bff.spec.ts), its own provider and API. */
  bffDemo: 4220 + offset,
  /** Served as 127.0.0.1, so the provider is another *site* than the demo on localhost (SameSite counts sites). */
  bffIdp: 4414 + offset,
  bffApi: 4331 + offset,
  /**
   * Many BFF nodes (bff-nodes.spec.ts): a load balancer on the app's origin, three demo nodes on one Redis
   * (a free port of its own), their own provider (as 127.0.0.1, tokens of `bffNodesTtlSeconds`) and API.
   */
  bffNodesLb: 4230 + offset,
  bffNodes: [4231 + offset, 4232 + offset, 4233 + offset],
  bffNodesIdp: 4415 + offset,
  bffNodesApi: 4332 + offset,
  bffNodesTtlSeconds: 15,
  /** DPoP nonces (dpop.spec.ts): a provider and an API that answer `use_dpop_nonce` first, started by the test. */
  nonceIdp: 4416 + offset,
  nonceApi: 4333 + offset,
} as const;

export const demoOrigin = `http://localhost:${ports.demo}`;
export const idpIssuer = `http://localhost:${ports.idp}`;
export const shortIdpIssuer = `http://localhost:${ports.shortIdp}`;
export const apiOrigin = `http://localhost:${ports.api}`;
export const hostileOrigin = `http://127.0.0.1:${ports.hostile}`;
export const glewlwydOrigin = `http://localhost:${ports.glewlwyd}`;
export const glewlwydIssuer = `${glewlwydOrigin}/api/oidc`;

export const nonceIdpIssuer = `http://localhost:${ports.nonceIdp}`;
export const nonceApiOrigin = `http://localhost:${ports.nonceApi}`;

export const bffDemoOrigin = `http://localhost:${ports.bffDemo}`;
export const bffIdpIssuer = `http://127.0.0.1:${ports.bffIdp}`;
export const bffApiOrigin = `http://localhost:${ports.bffApi}`;

export const bffNodesOrigin = `http://localhost:${ports.bffNodesLb}`;
export const bffNodesIdpIssuer = `http://127.0.0.1:${ports.bffNodesIdp}`;
export const bffNodesApiOrigin = `http://localhost:${ports.bffNodesApi}`;
