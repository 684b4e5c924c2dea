import { latchkeyBff } from '@latchkey/bff/express';
import express from 'express';
import { Worker } from 'node:worker_threads';
import { startRedisServer } from '../../packages/bff/src/testing/redis-server.ts';
import { bffNode, pageHeaders, signIn } from './bff-node.ts';
import { listen } from './http-server.ts';
import { BFF_SECRET, startScaleProvider } from './provider.ts';
import { nextMessage, stopWorker } from './worker-messages.ts';
const worker = new Worker(new URL('./lookup-worker.ts', import.meta.url));
await nextMessage(worker, 10000);
const redis = await startRedisServer();
const provider = await startScaleProvider({ tokenTtlSeconds: 600, keepEveryRecord: false });
const node = bffNode({ issuer: provider.issuer, clientSecret: BFF_SECRET, appOrigin: provider.appOrigin, redisUrl: redis.url });
const app = express();
app.use(latchkeyBff(node.bff));
const server = await listen(app);
const id = await signIn(provider.appOrigin, node.transport);
const mode = process.argv[2] ?? 'http';
if (mode === 'http') {
  for (let i = 0; i < 4; i++) {
    const p = nextMessage<{ completed: number; elapsedMs: number }>(worker, 20000);
    worker.postMessage({
      kind: 'round',
      url: `${server.origin}/bff/session`,
      method: 'GET',
      headers: pageHeaders(provider.appOrigin, id),
      requests: 8000,
      concurrency: 64,
      timeLimitMs: 5000,
      expect: 'authenticated',
    });
    const r = await p;
    console.log('rps', Math.round((r.completed * 1000) / r.elapsedMs));
  }
} else {
  const headers = pageHeaders(provider.appOrigin, id);
  const t = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (n < 40000) {
        n++;
        const r = await node.transport(new Request(`${provider.appOrigin}/bff/session`, { headers }));
        await r.text();
      }
    }),
  );
  console.log('in-process rps', Math.round((40000 * 1000) / (performance.now() - t)));
}
await stopWorker(worker);
await server.close();
await node.bff.close();
await provider.close();
await redis.close();
