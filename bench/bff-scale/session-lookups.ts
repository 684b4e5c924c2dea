// Part 7b: `{base}/session` lookups per second on Redis, the BFF (@latchkey/bff on its Express adapter,
// redisStore) against express-session + connect-redis reading an equivalent session from the same Redis.
// Servers on this thread, clients on a worker (lookup-worker.ts); rounds alternate, the median is shown.
// Redis's own command counts (INFO commandstats) around every round give the commands per lookup.
import { latchkeyBff } from '@latchkey/bff/express';
import { DEFAULT_IDLE_TIMEOUT_MS } from '@latchkey/bff';
import express from 'express';
import { Redis } from 'ioredis';
import { Worker } from 'node:worker_threads';
import { startRedisServer } from '../../packages/bff/src/testing/redis-server.ts';
import { bffNode, pageHeaders, signIn } from './bff-node.ts';
import { expressSessionApp } from './express-session-app.ts';
import { listen } from './http-server.ts';
import type { LookupRound, LookupRoundResult } from './lookup-worker.ts';
import { BFF_SECRET, startScaleProvider } from './provider.ts';
import { median, percentile } from './statistics.ts';
import { nextMessage, stopWorker } from './worker-messages.ts';

export const lookupLoad = {
  /** Keep-alive connections, each with one request in flight. */
  concurrency: 64,
  /** Requests in each subject's warm-up round, not counted. */
  warmupRequests: 2_000,
  requestsPerRound: 4_000,
  /** Rounds per subject, at most; fewer when `loadBudgetMs` runs out (never fewer than one). */
  rounds: 5,
  /** A round stops at this, done or not (its rate is still what it did). */
  roundLimitMs: 2_000,
  /** No set of rounds starts after this much load (every subject, warm-up included). */
  loadBudgetMs: 20_000,
};

/** The three subjects, in the order of each set of rounds. */
export const LOOKUP_SUBJECTS = ['bff', 'bffPost', 'expressSession'] as const;
export type LookupSubject = (typeof LOOKUP_SUBJECTS)[number];

export interface LookupRate {
  /** Lookups per second, the median round. */
  readonly medianRps: number;
  readonly roundsRps: readonly number[];
  /** Of every request of the counted rounds, from its send to its answer's end. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Redis commands per lookup, by name (INFO commandstats; a script's own calls are counted too), over the counted rounds. */
  readonly commandsPerLookup: Readonly<Record<string, number>>;
}

export interface SessionLookupsResult {
  readonly load: typeof lookupLoad;
  /** GET `{base}/session` (a look: not activity), POST (activity: the idle end slides), express-session's GET. */
  readonly rates: Readonly<Record<LookupSubject, LookupRate>>;
  /** BFF GET / express-session, of the medians. */
  readonly ratio: number;
  /** The median of each set's BFF GET / express-session (run back to back). */
  readonly pairRatio: number;
  /** BFF POST / express-session, of the medians. */
  readonly postRatio: number;
  /** What each keeps in Redis for the one session (STRLEN). */
  readonly storedBytes: { readonly bff: number; readonly expressSession: number };
  /** After the rounds, the session's key deleted behind the BFF's back: its next lookup answered anonymous. */
  readonly noLocalCache: boolean;
  readonly totalMs: number;
}

async function commandCounts(redis: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const line of (await redis.info('commandstats')).split('\r\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (match && match[1] !== 'info') counts.set(match[1] as string, Number(match[2]));
  }
  return counts;
}

export async function runSessionLookups(load: typeof lookupLoad = lookupLoad): Promise<SessionLookupsResult> {
  const startedAt = performance.now();
  const closing: (() => Promise<void>)[] = [];
  let measured: Omit<SessionLookupsResult, 'totalMs'>;
  try {
    const worker = new Worker(new URL('./lookup-worker.ts', import.meta.url));
    closing.push(() => stopWorker(worker));
    await nextMessage(worker, 10_000);
    const redis = await startRedisServer();
    closing.push(() => redis.close());
    const raw = new Redis(redis.url);
    closing.push(async () => raw.disconnect());
    const provider = await startScaleProvider({ tokenTtlSeconds: 600, keepEveryRecord: false });
    closing.push(() => provider.close());
    const { appOrigin } = provider;

    const node = bffNode({ issuer: provider.issuer, clientSecret: BFF_SECRET, appOrigin, redisUrl: redis.url });
    closing.push(() => node.bff.close());
    const bffApp = express();
    bffApp.use(latchkeyBff(node.bff));
    const bffServer = await listen(bffApp);
    closing.push(() => bffServer.close());
    const sessionId = await signIn(appOrigin, node.transport);
    // Its one key (under redisStore's prefix), found rather than rebuilt from the store's key layout.
    const [bffKey, ...others] = await raw.keys('latchkey:session:*');
    const bffJson = bffKey === undefined ? null : await raw.get(bffKey);
    if (bffKey === undefined || others.length > 0 || !bffJson) throw new Error('bench: not one signed-in session in Redis');

    // The same session for express-session: the BFF's record, tokens included, stored through its own login.
    const yardstick = await expressSessionApp(redis.url, DEFAULT_IDLE_TIMEOUT_MS);
    closing.push(() => yardstick.close());
    const yardstickServer = await listen(yardstick.app);
    closing.push(() => yardstickServer.close());
    const login = await fetch(`${yardstickServer.origin}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bffJson,
    });
    const cookie = login.headers.getSetCookie()[0]?.split(';')[0];
    if (login.status !== 204 || !cookie) throw new Error(`bench: express-session's login answered ${login.status}`);
    const [yardstickKey] = await raw.keys('sess:*');
    if (!yardstickKey) throw new Error('bench: express-session stored no session');

    const headers = pageHeaders(appOrigin, sessionId);
    const job = (url: string, method: LookupRound['method'], headers: Record<string, string>) => ({
      url,
      method,
      headers,
      concurrency: load.concurrency,
      timeLimitMs: load.roundLimitMs,
      expect: '"status":"authenticated"',
    });
    const jobs: Record<LookupSubject, Omit<LookupRound, 'kind' | 'requests'>> = {
      bff: job(`${bffServer.origin}/bff/session`, 'GET', headers),
      bffPost: job(`${bffServer.origin}/bff/session`, 'POST', { ...headers, 'content-length': '0' }),
      expressSession: job(`${yardstickServer.origin}/session`, 'GET', { ...headers, cookie }),
    };
    const round = async (name: LookupSubject, requests: number): Promise<LookupRoundResult> => {
      const answered = nextMessage<LookupRoundResult>(worker, load.roundLimitMs + 10_000);
      worker.postMessage({ kind: 'round', ...jobs[name], requests } satisfies LookupRound);
      const result = await answered;
      if (result.failed > 0 || result.completed === 0)
        throw new Error(
          `bench: ${name} lookup round failed (${result.failed} of ${result.completed + result.failed}): ${result.failure ?? 'no answer'}`,
        );
      return result;
    };

    const loadStartedAt = performance.now();
    for (const name of LOOKUP_SUBJECTS) await round(name, load.warmupRequests);
    const rates = { bff: [], bffPost: [], expressSession: [] } as Record<LookupSubject, number[]>;
    const latencies = { bff: [], bffPost: [], expressSession: [] } as Record<LookupSubject, Float64Array[]>;
    const commands = { bff: new Map(), bffPost: new Map(), expressSession: new Map() } as Record<LookupSubject, Map<string, number>>;
    for (let i = 0; i < load.rounds && (i === 0 || performance.now() - loadStartedAt < load.loadBudgetMs); i++) {
      for (const name of LOOKUP_SUBJECTS) {
        const before = await commandCounts(raw);
        const result = await round(name, load.requestsPerRound);
        const after = await commandCounts(raw);
        rates[name].push((result.completed * 1000) / result.elapsedMs);
        latencies[name].push(result.latenciesMs);
        for (const [command, calls] of after) {
          const made = calls - (before.get(command) ?? 0);
          if (made > 0) commands[name].set(command, (commands[name].get(command) ?? 0) + made);
        }
      }
    }
    const rate = (name: LookupSubject): LookupRate => {
      const all = Float64Array.from(latencies[name].flatMap((round) => [...round]));
      return {
        medianRps: median(rates[name]),
        roundsRps: rates[name],
        p50Ms: percentile(all, 50),
        p99Ms: percentile(all, 99),
        requests: all.length,
        commandsPerLookup: Object.fromEntries([...commands[name]].map(([command, calls]) => [command, calls / all.length])),
      };
    };
    const measuredRates = { bff: rate('bff'), bffPost: rate('bffPost'), expressSession: rate('expressSession') };

    // No node-local cache: the key deleted in Redis, the next lookup must see it gone.
    const storedBytes = { bff: await raw.strlen(bffKey), expressSession: await raw.strlen(yardstickKey) };
    await raw.del(bffKey);
    const after = await fetch(jobs.bff.url, { headers });
    const noLocalCache = after.status === 200 && ((await after.json()) as { status: string }).status === 'anonymous';

    measured = {
      load,
      rates: measuredRates,
      ratio: measuredRates.bff.medianRps / measuredRates.expressSession.medianRps,
      pairRatio: median(rates.bff.map((rps, i) => rps / (rates.expressSession[i] as number))),
      postRatio: measuredRates.bffPost.medianRps / measuredRates.expressSession.medianRps,
      storedBytes,
      noLocalCache,
    };
  } finally {
    for (const close of closing.reverse()) await close().catch(() => undefined);
  }
  return { ...measured, totalMs: performance.now() - startedAt };
}
