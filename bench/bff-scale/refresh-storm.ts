// Part 7a: a refresh storm across two BFF nodes on one Redis. Sessions made by real sign-ins; their tokens
// all due at once (the nodes' shared clock jumps); then every session's requests at once, spread over both
// nodes. The provider counts the refreshes it got; the goal is one per session and no refused grant.
import { redisStore } from '@latchkey/bff';
import { sessionKeyOf } from '../../packages/bff/src/testing/harness.ts';
import { startRedisServer } from '../../packages/bff/src/testing/redis-server.ts';
import { REFRESH_MARGIN_MS } from '../../packages/bff/src/sessions.ts';
import { pageHeaders, signIn } from './bff-node.ts';
import { inPool } from './in-pool.ts';
import { startNode, type NodeThread } from './node-thread.ts';
import { BFF_SECRET, startScaleProvider } from './provider.ts';

export const stormLoad = {
  sessions: 1_000,
  requestsPerSession: 4,
  /** Sign-ins in flight at once. */
  signInConcurrency: 16,
  /** The provider's access and ID token lifetime. */
  tokenTtlSeconds: 120,
  /** A request without an answer by then counts as failed (the BFF's own bounds are shorter: 12 s wait, 10 s provider). */
  requestTimeoutMs: 60_000,
  /** The dev provider keeps every record (keep-every-record.ts): its cache holds fewer grants than 1,000 sign-ins make. */
  keepEveryRecord: true,
};

/** How long the rotated ID tokens stay valid on the nodes' clock once it jumped (their `exp` is on the real one). */
export const STILL_VALID_SECONDS = 20;

export interface RefreshStormResult {
  readonly load: typeof stormLoad;
  /** Sessions whose access token was due on the nodes' clock when the storm began (read from Redis). */
  readonly due: number;
  readonly requests: number;
  /** Refresh-token requests the provider got during the storm (granted + refused), from its own count. */
  readonly providerRefreshes: number;
  /** Of them, refused (a reused rotated token revokes the grant). */
  readonly refused: number;
  /** Refresh requests each node sent (its fetch, counted). */
  readonly sentByNode: readonly number[];
  /** Requests that did not answer 200 with a bearer token from the upstream. */
  readonly failed: number;
  /** Answers by status, failures included (0 = no answer in time). */
  readonly statuses: Readonly<Record<string, number>>;
  readonly firstFailure?: string;
  /** Sessions whose requests did not all carry one token, new since the storm began. */
  readonly mixedTokens: number;
  /** The nodes' log lines during the storm (store failures, unexpected errors), the first few. */
  readonly logs: readonly string[];
  readonly signInMs: number;
  /** From the first request of the storm to the last answer. */
  readonly stormMs: number;
  readonly totalMs: number;
}

/** A copy of `items` in a fixed pseudo-random order (the same every run: mulberry32 from one seed). */
function shuffled<T>(items: readonly T[]): T[] {
  let seed = 0x5eed;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const k = Math.floor(random() * (i + 1));
    [copy[i], copy[k]] = [copy[k] as T, copy[i] as T];
  }
  return copy;
}

interface Answer {
  readonly session: number;
  /** 0: no answer (the request failed, or timed out). */
  readonly status: number;
  readonly body: string;
}

/** What the answers say: failures by kind, and the sessions whose requests did not all carry one new token. */
function tally(
  answers: readonly Answer[],
  sessions: number,
  tokensBefore: ReadonlyMap<number, string>,
): Pick<RefreshStormResult, 'failed' | 'statuses' | 'firstFailure' | 'mixedTokens'> {
  const statuses: Record<string, number> = {};
  const tokens = new Map<number, Set<string>>();
  let failed = 0;
  let firstFailure: string | undefined;
  for (const answer of answers) {
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    const authorization = answer.status === 200 ? (JSON.parse(answer.body) as { authorization: string | null }).authorization : null;
    if (!authorization?.startsWith('Bearer ')) {
      failed++;
      firstFailure ??= `${answer.status} ${answer.body.slice(0, 200)}`;
      continue;
    }
    let seen = tokens.get(answer.session);
    if (!seen) tokens.set(answer.session, (seen = new Set()));
    seen.add(authorization.slice('Bearer '.length));
  }
  let mixedTokens = 0;
  for (let i = 0; i < sessions; i++) {
    const seen = tokens.get(i);
    if (!seen || seen.size !== 1 || seen.has(tokensBefore.get(i) ?? '')) mixedTokens++;
  }
  return { failed, statuses, ...(firstFailure !== undefined && { firstFailure }), mixedTokens };
}

export async function runRefreshStorm(load: typeof stormLoad = stormLoad): Promise<RefreshStormResult> {
  const startedAt = performance.now();
  const closing: (() => Promise<void>)[] = [];
  let measured: Omit<RefreshStormResult, 'totalMs'>;
  try {
    const redis = await startRedisServer();
    closing.push(() => redis.close());
    const provider = await startScaleProvider({ tokenTtlSeconds: load.tokenTtlSeconds, keepEveryRecord: load.keepEveryRecord });
    closing.push(() => provider.close());
    const { appOrigin } = provider;
    const nodes = await Promise.all(
      [0, 1].map(() =>
        startNode({ issuer: provider.issuer, clientSecret: BFF_SECRET, appOrigin, redisUrl: redis.url, upstream: provider.upstream }),
      ),
    );
    for (const node of nodes) closing.push(() => node.close());
    // A load balancer without sticky sessions: each request to the next node.
    let turn = 0;
    const roundRobin = (request: Request) =>
      fetch(request.url.replace(appOrigin, (nodes[turn++ % nodes.length] as NodeThread).origin), {
        method: request.method,
        headers: request.headers,
        redirect: 'manual',
      });

    const signInStartedAt = performance.now();
    const sessionIds: string[] = [];
    await inPool(load.sessions, load.signInConcurrency, async (i) => {
      sessionIds[i] = await signIn(appOrigin, roundRobin);
    });
    const signInMs = performance.now() - signInStartedAt;

    // The nodes share one clock, moved on: every token is due at once, and the rotated ID tokens (valid for
    // the real lifetime from now) are still valid on it.
    const offsetMs = (load.tokenTtlSeconds - STILL_VALID_SECONDS) * 1000;
    await Promise.all(nodes.map((node) => node.ask({ kind: 'clock', offsetMs }, 'clock')));
    const reader = redisStore({ url: redis.url });
    closing.push(() => reader.close());
    const before = new Map<number, string>();
    let due = 0;
    for (const [i, id] of sessionIds.entries()) {
      const stored = (await reader.get(sessionKeyOf(id)))?.tokens.stored;
      if (!stored) continue;
      before.set(i, stored.access_token);
      // The BFF's rule (sessions.ts): due 30 s before its end, or in the last third of a shorter life.
      const margin = Math.min(REFRESH_MARGIN_MS, (stored.expires_at_ms - stored.issued_at_ms) / 3);
      if (stored.expires_at_ms - (Date.now() + offsetMs) <= margin) due++;
    }
    const counts = () => Promise.all(nodes.map((node) => node.ask({ kind: 'counts' }, 'counts')));
    const grantsBefore = await provider.refreshGrants();
    const countsBefore = await counts();

    // Each session's requests on both nodes, in a shuffled order: requests of many browsers arrive mixed,
    // so each node reaches the sessions in another order.
    const calls = shuffled(sessionIds.flatMap((id, i) => Array.from({ length: load.requestsPerSession }, (_, j) => ({ id, i, j }))));
    const stormStartedAt = performance.now();
    const answers = await Promise.all(
      calls.map(async ({ id, i, j }): Promise<Answer> => {
        const node = nodes[(i + j) % nodes.length] as NodeThread;
        try {
          const response = await fetch(`${node.origin}/bff/api/api/s${i}/r${j}`, {
            headers: pageHeaders(appOrigin, id),
            signal: AbortSignal.timeout(load.requestTimeoutMs),
          });
          return { session: i, status: response.status, body: await response.text() };
        } catch (error) {
          return { session: i, status: 0, body: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    const stormMs = performance.now() - stormStartedAt;
    const grantsAfter = await provider.refreshGrants();
    const countsAfter = await counts();

    const tallied = tally(answers, sessionIds.length, before);
    measured = {
      load,
      due,
      requests: answers.length,
      providerRefreshes: grantsAfter.refreshed + grantsAfter.refused - grantsBefore.refreshed - grantsBefore.refused,
      refused: grantsAfter.refused - grantsBefore.refused,
      sentByNode: countsAfter.map((after, i) => after.refreshesSent - (countsBefore[i]?.refreshesSent ?? 0)),
      ...tallied,
      logs: countsAfter.flatMap((after, i) => after.logs.slice(countsBefore[i]?.logs.length)).slice(0, 5),
      signInMs,
      stormMs,
    };
  } finally {
    for (const close of closing.reverse()) await close().catch(() => undefined);
  }
  return { ...measured, totalMs: performance.now() - startedAt };
}
