// Part 6: proxied requests per second through the BFF (@latchkey/bff on its Express 5 adapter, one
// signed-in session), against a bare pass-through on the same adapter and fetch stack. Both proxies run
// on this thread; the upstream and the clients on a worker thread (load-worker.ts). Rounds alternate
// (BFF, bare, BFF, bare, …) so what else the machine does falls on both; the median round is reported.
import { createBff, memoryStore, SESSION_COOKIE } from '@latchkey/bff';
import { latchkeyBff } from '@latchkey/bff/express';
import { CSRF_HEADER, CSRF_VALUE } from '@latchkey/core/bff';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { BFF_CLIENT_ID, startIdp, type Idp } from '../../apps/idp/src/idp.ts';
import { TestBrowser } from '../../packages/bff/src/testing/browser.ts';
import { freePort } from '../../packages/bff/src/testing/harness.ts';
import { nextMessage } from '../bff-scale/worker-messages.ts';
import { bareProxy } from './bare-proxy.ts';
import type { LoadRequest, LoadResult, WorkerMessage } from './load-worker.ts';

/** The load: the same for both proxies. */
export const proxyLoad = {
  /** Keep-alive connections, each with one request in flight. */
  concurrency: 16,
  /** Requests in each proxy's warm-up round, not counted. */
  warmupRequests: 800,
  requestsPerRound: 1_200,
  /** Rounds per proxy, at most; fewer when `loadBudgetMs` runs out (never fewer than one). */
  rounds: 6,
  /** A round stops at this, done or not (its rate is still what it did). */
  roundLimitMs: 1_500,
  /** No pair of rounds starts after this much load (both proxies, warm-up included). */
  loadBudgetMs: 12_000,
} as const;

export interface ProxyRate {
  /** Requests per second, the median round. */
  readonly medianRps: number;
  /** Every counted round, in order. */
  readonly roundsRps: readonly number[];
  /** Requests answered in all counted rounds. */
  readonly requests: number;
}

export interface BffProxyResult {
  readonly load: typeof proxyLoad;
  /** The upstream's JSON answer, in bytes. */
  readonly bodyBytes: number;
  readonly bff: ProxyRate;
  readonly bare: ProxyRate;
  /** BFF / bare, of the medians. */
  readonly ratio: number;
  /** The median of each pair's BFF / bare (the two rounds run back to back, under the same conditions). */
  readonly pairRatio: number;
  /** Sign-in, warm-up, rounds and shut-down. */
  readonly totalMs: number;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const BFF_SECRET = 'bench-bff-secret';

/**
 * The dev provider in-process on 127.0.0.1, with the BFF's confidential client registered for
 * `http://localhost:<appPort>` (as the BFF's own tests start it: packages/bff/src/testing/harness.ts).
 */
async function startProvider(appPort: number): Promise<Idp> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startIdp({
        port: await freePort(),
        issuerHost: '127.0.0.1',
        tokenTtlSeconds: 600,
        refreshTtlSeconds: 3600,
        demoOrigin: `http://localhost:${appPort}`,
        resources: [],
        bffClientSecret: BFF_SECRET,
      });
    } catch (error) {
      // Something else may take the port between the probe and the listen.
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt >= 3) throw error;
    }
  }
}

function listen(app: express.Express, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The load worker's next message (or a rejection after `timeoutMs`). */
const next = (worker: Worker, timeoutMs: number) => nextMessage<WorkerMessage>(worker, timeoutMs);

async function round(worker: Worker, job: Omit<LoadRequest, 'kind'>): Promise<LoadResult> {
  worker.postMessage({ kind: 'load', ...job } satisfies LoadRequest);
  const result = await next(worker, job.timeLimitMs + 10_000);
  if (result.kind !== 'loaded') throw new Error(`bench: the load worker said ${result.kind}, not its round's result`);
  if (result.failed > 0 || result.completed === 0)
    throw new Error(
      `bench: proxy round failed (${result.failed} of ${result.completed + result.failed}): ${result.failure ?? 'no answer'}`,
    );
  return result;
}

export async function runBffProxy(load: typeof proxyLoad = proxyLoad): Promise<BffProxyResult> {
  const startedAt = performance.now();
  const worker = new Worker(new URL('./load-worker.ts', import.meta.url));
  const closing: (() => Promise<void>)[] = [
    async () => {
      if (worker.threadId < 0) return; // it has exited already
      worker.postMessage({ kind: 'stop' });
      // It exits once its servers are closed; terminate() if it does not within a second.
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      const timer = setTimeout(() => void worker.terminate(), 1_000);
      await exited;
      clearTimeout(timer);
    },
  ];
  let measured: Omit<BffProxyResult, 'totalMs'>;
  try {
    const ready = await next(worker, 10_000);
    if (ready.kind !== 'ready') throw new Error('bench: the load worker did not start');
    const appPort = await freePort();
    const appOrigin = `http://localhost:${appPort}`;
    const idp = await startProvider(appPort);
    closing.push(() => idp.close());
    const bff = createBff({
      issuer: idp.issuer,
      clientId: BFF_CLIENT_ID,
      clientSecret: BFF_SECRET,
      appOrigin,
      store: memoryStore(),
      upstreams: { api: { url: ready.upstream } },
    });
    closing.push(() => bff.close());
    const bffApp = express();
    bffApp.use(latchkeyBff(bff));
    const bffServer = await listen(bffApp, appPort);
    closing.push(() => closeServer(bffServer));
    const bareServer = await listen(bareProxy(ready.upstream, appOrigin, '/bare/'), 0);
    closing.push(() => closeServer(bareServer));
    const bffOrigin = `http://127.0.0.1:${appPort}`;
    const bareOrigin = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`;

    // One signed-in session, as the BFF's own tests sign in: the dev provider's form, over real HTTP.
    const browser = new TestBrowser(appOrigin, (request) =>
      fetch(request.url.replace(appOrigin, bffOrigin), { method: request.method, headers: request.headers, redirect: 'manual' }),
    );
    const callback = await browser.signIn('/');
    if (callback.status !== 302 || browser.sessionId === undefined) throw new Error(`bench: the BFF sign-in answered ${callback.status}`);

    // What the app's page sends through authInterceptor; the bare proxy gets the same bytes.
    const headers = {
      accept: 'application/json',
      cookie: `${SESSION_COOKIE}=${browser.sessionId}`,
      origin: appOrigin,
      'sec-fetch-site': 'same-origin',
      [CSRF_HEADER]: CSRF_VALUE,
    };
    const proxies = {
      bff: `${bffOrigin}/bff/api/api/v1/profile?fields=all`,
      bare: `${bareOrigin}/bare/v1/profile?fields=all`,
    } as const;
    const job = (name: keyof typeof proxies, requests: number) => ({
      url: proxies[name],
      headers,
      requests,
      concurrency: load.concurrency,
      timeLimitMs: load.roundLimitMs,
    });
    const loadStartedAt = performance.now();
    const rates: Record<keyof typeof proxies, number[]> = { bff: [], bare: [] };
    const answered: Record<keyof typeof proxies, number> = { bff: 0, bare: 0 };
    for (const name of ['bff', 'bare'] as const) {
      const warmup = await round(worker, job(name, load.warmupRequests));
      // The BFF attached the session's token to every request; the bare proxy attaches none.
      if (warmup.bearer !== (name === 'bff' ? warmup.completed : 0))
        throw new Error(`bench: ${warmup.bearer} of ${warmup.completed} requests through ${name} reached the upstream with a token`);
    }
    for (let i = 0; i < load.rounds && (i === 0 || performance.now() - loadStartedAt < load.loadBudgetMs); i++) {
      for (const name of ['bff', 'bare'] as const) {
        const result = await round(worker, job(name, load.requestsPerRound));
        rates[name].push((result.completed * 1000) / result.elapsedMs);
        answered[name] += result.completed;
      }
    }
    const rate = (name: keyof typeof proxies): ProxyRate => ({
      medianRps: median(rates[name]),
      roundsRps: rates[name],
      requests: answered[name],
    });
    const bffRate = rate('bff');
    const bareRate = rate('bare');
    measured = {
      load,
      bodyBytes: ready.bodyBytes,
      bff: bffRate,
      bare: bareRate,
      ratio: bffRate.medianRps / bareRate.medianRps,
      pairRatio: median(rates.bff.map((rps, i) => rps / (rates.bare[i] as number))),
    };
  } finally {
    for (const close of closing.reverse()) await close().catch(() => undefined);
  }
  return { ...measured, totalMs: performance.now() - startedAt };
}

// Part 6 alone, without the rest of npm run bench (the libraries must be built): node bench/bff-proxy/run-bff-proxy.ts
if (import.meta.main) {
  const startedAt = performance.now();
  const result = await runBffProxy();
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`BFF proxy: ${int(result.bff.medianRps)} req/s (rounds ${result.bff.roundsRps.map(int).join(', ')})`);
  console.log(`bare pass-through: ${int(result.bare.medianRps)} req/s (rounds ${result.bare.roundsRps.map(int).join(', ')})`);
  console.log(
    `BFF / bare: ${result.ratio.toFixed(2)}× of the medians, ${result.pairRatio.toFixed(2)}× the median pair (goal ≥ 0.80×); ${Math.round(performance.now() - startedAt)} ms in all`,
  );
}
