// The many-node BFF stack, started by bff-nodes.spec.ts: a real redis-server (append-only file on), the dev
// provider (as 127.0.0.1, another site than the app, counting its refresh grants) and the demo API, three demo
// servers in BFF mode on that Redis, and a load balancer on the app's origin in front of them. Everything on
// 127.0.0.1, on the ports of stack.ts; the test can kill and restart any node, and stop and start Redis.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedisServer, type TestRedisServer } from '../../packages/bff/src/testing/redis-server.ts';
import { startLoadBalancer, type LoadBalancer } from './load-balancer.ts';
import { serverProcess, type ServerProcess } from './server-process.ts';
import { bffNodesApiOrigin, bffNodesIdpIssuer, bffNodesOrigin, ports } from './stack.ts';

export const NODE_NAMES = ['a', 'b', 'c'] as const;
export type NodeName = (typeof NODE_NAMES)[number];

const BFF_CLIENT_ID = 'latchkey-bff';
const BFF_SECRET = 'e2e-bff-nodes-secret';
const SESSION_KEYS = 'latchkey:session:session:*';
const script = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** The refresh-token grants the provider made for the BFF's client, and those it refused (a reused token among them). */
export interface Grants {
  readonly refreshed: number;
  readonly refused: number;
}

/** A session as Redis holds it (the test's view, never the page's): its version and its access token's times. */
export interface StoredSession {
  readonly version: number;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

export interface BffCluster {
  /** The app's origin: the load balancer's. */
  readonly origin: string;
  readonly issuer: string;
  readonly lb: LoadBalancer;
  readonly redis: TestRedisServer;
  readonly nodes: Readonly<Record<NodeName, ServerProcess>>;
  /** The provider's count of the BFF client's refresh grants. */
  grants(): Promise<Grants>;
  /** The session of a cookie's id, read from Redis. */
  storedSession(cookieId: string): Promise<StoredSession | undefined>;
  /** How many sessions Redis holds. */
  sessionCount(): Promise<number>;
  stop(): Promise<void>;
}

function bffNode(name: NodeName, port: number, redisUrl: string): ServerProcess {
  return serverProcess({
    name: `BFF node ${name}`,
    script: script('dist/demo/server/server.mjs'),
    readyUrl: `http://127.0.0.1:${port}/config.json`,
    env: {
      DEMO_PORT: String(port),
      DEMO_ORIGIN: bffNodesOrigin,
      LATCHKEY_MODE: 'bff',
      LATCHKEY_SESSION_STORE: redisUrl,
      LATCHKEY_ISSUER: bffNodesIdpIssuer,
      LATCHKEY_API: bffNodesApiOrigin,
      LATCHKEY_AUDIENCE: bffNodesApiOrigin,
      LATCHKEY_CLIENT_SECRET: BFF_SECRET,
    },
  });
}

/** Starts the stack; {@link BffCluster.stop} stops all of it (in `afterAll`, even after a failed start). */
export async function startBffCluster(): Promise<BffCluster> {
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    await Promise.all(started.splice(0).map((part) => part.stop().catch(() => undefined)));
  };
  try {
    const idp = serverProcess({
      name: 'dev provider',
      script: script('apps/idp/src/main.ts'),
      readyUrl: `${bffNodesIdpIssuer}/.well-known/openid-configuration`,
      env: {
        IDP_PORT: String(ports.bffNodesIdp),
        IDP_ISSUER_HOST: '127.0.0.1',
        IDP_DEMO_ORIGIN: bffNodesOrigin,
        IDP_RESOURCES: bffNodesApiOrigin,
        IDP_BFF_CLIENT_SECRET: BFF_SECRET,
        IDP_TEST_COUNTERS: '1',
        IDP_TOKEN_TTL_SECONDS: String(ports.bffNodesTtlSeconds),
      },
    });
    const api = serverProcess({
      name: 'demo API',
      script: script('apps/api/src/main.ts'),
      readyUrl: `http://127.0.0.1:${ports.bffNodesApi}/api/public`,
      env: {
        API_PORT: String(ports.bffNodesApi),
        API_ISSUER: bffNodesIdpIssuer,
        API_AUDIENCE: bffNodesApiOrigin,
        API_ALLOWED_ORIGINS: bffNodesOrigin,
      },
    });
    started.push(idp, api);
    const [redis] = await Promise.all([startRedisServer({ persistence: true }), idp.start(), api.start()]);
    started.push({ stop: () => redis.close() });
    const nodes = {
      a: bffNode('a', ports.bffNodes[0], redis.url),
      b: bffNode('b', ports.bffNodes[1], redis.url),
      c: bffNode('c', ports.bffNodes[2], redis.url),
    };
    started.push(...Object.values(nodes));
    await Promise.all(Object.values(nodes).map((node) => node.start()));
    const lb = await startLoadBalancer(
      ports.bffNodesLb,
      NODE_NAMES.map((name, i) => ({ name, port: ports.bffNodes[i] as number })),
    );
    started.unshift({ stop: () => lb.close() });
    const raw = new Redis(redis.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    // Down while a test stops Redis: what fails is the test's to see, not a log line.
    raw.on('error', () => {});
    started.push({ stop: async () => raw.disconnect() });
    const ready = async () => {
      if (raw.status === 'wait') await raw.connect();
      return raw;
    };
    return {
      origin: bffNodesOrigin,
      issuer: bffNodesIdpIssuer,
      lb,
      redis,
      nodes,
      async grants() {
        const counts = (await (await fetch(`${bffNodesIdpIssuer}/__test/grants`)).json()) as Record<string, Grants>;
        return counts[BFF_CLIENT_ID] ?? { refreshed: 0, refused: 0 };
      },
      async storedSession(cookieId) {
        const key = `latchkey:session:session:${createHash('sha256').update(cookieId).digest('base64url')}`;
        const json = await (await ready()).get(key);
        if (json === null) return undefined;
        const session = JSON.parse(json) as { version: number; tokens: { stored: { issued_at_ms: number; expires_at_ms: number } } };
        return {
          version: session.version,
          issuedAtMs: session.tokens.stored.issued_at_ms,
          expiresAtMs: session.tokens.stored.expires_at_ms,
        };
      },
      async sessionCount() {
        return (await (await ready()).keys(SESSION_KEYS)).length;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
