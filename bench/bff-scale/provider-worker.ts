// The other side of the BFF nodes, on a thread of its own (the machine's second core): the dev provider and
// a tiny upstream API. The nodes' thread then spends its time on the nodes. A worker's script: its
// options come as workerData, and it answers { kind: 'ready' } once both listen.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { startIdp, type Idp } from '../../apps/idp/src/idp.ts';
import { freePort } from '../../packages/bff/src/testing/harness.ts';
import { keepEveryProviderRecord } from './keep-every-record.ts';

export interface ProviderWorkerOptions {
  /** The app's origin the provider registers is `http://localhost:<appPort>`. */
  readonly appPort: number;
  readonly clientSecret: string;
  readonly tokenTtlSeconds: number;
  /** See keep-every-record.ts: for more sign-ins than the dev provider's cache holds. */
  readonly keepEveryRecord: boolean;
}

export type ProviderWorkerMessage = { readonly kind: 'ready'; readonly issuer: string; readonly upstream: string };

const port = parentPort;
if (!port) throw new Error('bench: provider-worker.ts runs as a worker thread (new Worker), not on its own');
const options = workerData as ProviderWorkerOptions;
if (options.keepEveryRecord) keepEveryProviderRecord();

async function startProvider(): Promise<Idp> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startIdp({
        port: await freePort(),
        issuerHost: '127.0.0.1',
        tokenTtlSeconds: options.tokenTtlSeconds,
        refreshTtlSeconds: 3600,
        demoOrigin: `http://localhost:${options.appPort}`,
        resources: [],
        bffClientSecret: options.clientSecret,
        testCounters: true,
      });
    } catch (error) {
      // Something else may take the port between the probe and the listen.
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt >= 3) throw error;
    }
  }
}

const idp = await startProvider();
// The API behind the BFF: it answers with the Authorization header it got, so the bench sees which token
// each request carried.
const upstream = createServer((req, res) => {
  req.resume();
  const body = JSON.stringify({ authorization: req.headers.authorization ?? null });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));

port.on('message', (message: { kind: 'stop' }) => {
  if (message.kind !== 'stop') return;
  upstream.closeAllConnections();
  upstream.close();
  void idp.close().then(() => port.close());
});
port.postMessage({
  kind: 'ready',
  issuer: idp.issuer,
  upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
} satisfies ProviderWorkerMessage);
